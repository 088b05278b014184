"""Whole-image single-plate DSNT localiser sized for a 2-core CPU: the "small" ResNet (one
basic block per stage, base 32 channels, stride-1 dilated last stages) on 640x480 letterboxed
photos -> 80x60 heatmaps, batch 8, on the scenes of runs/scenes_3k that hold exactly one plate
(written by the data engine, backgrounds from half "a" of the shared CCPD scenes). 150 steps
of 8 (about 9 s per step, 23 minutes on the 2-core CPU): enough to show the mode trains and
to measure it, far from converged; the GPU config is configs/dsnt_image_paper.py.

    python train.py --config configs/dsnt_image_cpu.py --workdir runs/dsnt_image_cpu
    python eval.py --task single_plate --data ../shared/data/ccpd_samples --split b \
        --weights runs/dsnt_image_cpu/dsnt_image.npz --json
"""
from configs import dsnt_image_paper


def get_config():
    c = dsnt_image_paper.get_config()
    c.seed = 6
    c.model.depth = "small"
    c.data.batch_size = 8
    c.data.workers = 1
    c.data.train_dirs = ["runs/scenes_3k"]
    c.optimizer.lr = 1e-3
    c.optimizer.boundaries = [120]
    c.total_steps = 150
    c.log_every = 25
    c.checkpoint_every = 50
    c.eval_every = 0
    c.eval_dirs = ["../shared/data/ccpd_samples"]
    c.eval_split = "b"
    return c
