"""A whole-image DSNT localiser that compiles and trains in seconds: for tests only."""
from configs import dsnt_image_paper


def get_config():
    c = dsnt_image_paper.get_config()
    c.model.depth = "small"
    c.model.width = 0.25
    c.data.batch_size = 2
    c.data.input_hw = [96, 64]
    c.data.scene_hw = [240, 160]
    c.data.workers = 0
    c.data.background_dirs = []
    c.total_steps = 4
    c.optimizer.boundaries = [2]
    c.log_every = 1
    c.checkpoint_every = 2
    c.eval_every = 0
    c.eval_dirs = []
    return c
