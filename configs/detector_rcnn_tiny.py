"""An R-CNN that compiles and trains in seconds on small scenes: for tests only."""
from configs import detector_rcnn_paper


def get_config():
    c = detector_rcnn_paper.get_config()
    c.model.width = 0.125
    c.data.batch_size = 2
    c.data.input_hw = [96, 64]
    c.data.scene_hw = [240, 160]
    c.data.rcnn_proposals = 4
    c.data.workers = 0
    c.total_steps = 4
    c.optimizer.boundaries = [2]
    c.log_every = 1
    c.checkpoint_every = 2
    c.eval_every = 0
    c.eval_dirs = []
    return c
