"""DSNT refinement localiser sized for a 2-core CPU (the shipped one, alpr_jax/weights/dsnt.md):
the "small" ResNet (one basic block per stage, base 32 channels; stride-1 dilated last stages,
64x160 crops -> 8x20 heatmaps), Euclidean + Jensen-Shannon loss, positives only (8 crops per
scene, 8 scenes per step, about 1.5 s per step), on the 3000 written scenes of
configs/detector_rpn_cpu.py (backgrounds from half "a").

    python train.py --config configs/dsnt_refine_cpu.py --workdir runs/dsnt_cpu
"""
from configs import dsnt_refine_paper


def get_config():
    c = dsnt_refine_paper.get_config()
    c.seed = 5
    c.model.depth = "small"
    c.model.width = 1.0
    c.data.workers = 1
    c.data.train_dirs = ["runs/scenes_3k"]
    c.data.rcnn_proposals = 8
    c.optimizer.boundaries = [1350]
    c.total_steps = 1800
    c.log_every = 50
    c.checkpoint_every = 250
    c.eval_every = 0
    c.eval_split = "b"
    return c
