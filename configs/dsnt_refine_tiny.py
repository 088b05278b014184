"""A DSNT refinement localiser that compiles and trains in seconds: for tests only."""
from configs import detector_rcnn_tiny, dsnt_refine_paper


def get_config():
    c = dsnt_refine_paper.get_config()
    tiny = detector_rcnn_tiny.get_config()
    c.model.depth = "small"
    c.model.width = 0.25
    c.data = tiny.data
    c.data.rcnn_positive_fraction = 1.0
    for key in ("total_steps", "log_every", "checkpoint_every", "eval_every", "eval_dirs"):
        c[key] = tiny[key]
    c.optimizer.boundaries = [2]
    return c
