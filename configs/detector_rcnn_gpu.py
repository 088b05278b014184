"""R-CNN fine-tune on one GPU against plate-free false positives: from the shipped R-CNN,
on freshly written scenes whose mined proposals include the fixed RPN's top RoIs on every
plate-free view of each scene (bands and columns clear of the plates, see
alpr_jax.train.mine_proposals), 80% of proposals mined, 3 of every 4 negative. 64 proposals
per scene and 8 scenes per step: the same 512 crops a step as 32 x 16, but a quarter of the
full-resolution scenes to ship to the device (what bounds the step rate on one GPU).

    for i in 0 1 2 3; do python -m alpr_jax.data.synth --kind scenes --count 1000 \\
        --seed 3$i --out runs/scenes_g$i --backgrounds ../shared/data/ccpd_samples \\
        --backgrounds-split a --workers 4; done
    for i in 0 1 2 3; do python -m alpr_jax.train.mine_proposals --data runs/scenes_g$i; done
    python train.py --config configs/detector_rcnn_gpu.py --workdir runs/rcnn_gpu
"""
from configs import detector_rcnn_cpu_hardneg2


def get_config():
    c = detector_rcnn_cpu_hardneg2.get_config()
    c.seed = 5
    c.init_from = "alpr_jax/weights/rcnn.npz"
    c.data.train_dirs = [f"runs/scenes_g{i}" for i in range(4)]
    c.data.batch_size = 8
    c.data.rcnn_proposals = 64
    c.data.rcnn_positive_fraction = 0.25
    c.data.workers = 12
    c.optimizer.lr = 5e-4
    c.optimizer.boundaries = [750]
    c.total_steps = 1000
    c.log_every = 100
    c.checkpoint_every = 250
    c.eval_every = 0
    return c
