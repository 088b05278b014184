"""A recogniser that compiles and trains in seconds: for tests and smoke runs only."""
from configs import recognizer_paper


def get_config():
    c = recognizer_paper.get_config()
    c.model.width = 0.125
    c.data.batch_size = 4
    c.data.workers = 0
    c.total_steps = 6
    c.optimizer.boundaries = [4]
    c.log_every = 1
    c.checkpoint_every = 2
    c.eval_every = 0
    c.eval_dirs = []
    return c
