"""Third R-CNN stage (shipped until 2026-11-22, and the init of configs/detector_rcnn_gpu.py):
from configs/detector_rcnn_cpu_hardneg.py's export, 10 of every 16 proposals negative and 80% of proposals taken from the mined RPN ones, at a
lower rate: the second stage still scored a car badge and grille slats above 0.9.

    python train.py --config configs/detector_rcnn_cpu_hardneg2.py --workdir runs/rcnn_cpu3

Note: until 2026-11-22 mine_proposals.attach matched no photo of a labels.jsonl folder given by
a relative path, silently, so this stage as run then trained on simulated proposals only (see
alpr_jax/weights/detector.md); rerun now, it does use the mined ones.
"""
from configs import detector_rcnn_cpu_hardneg


def get_config():
    c = detector_rcnn_cpu_hardneg.get_config()
    c.seed = 2
    c.init_from = "runs/rcnn_cpu2/rcnn.npz"
    c.data.mined_fraction = 0.8
    c.data.rcnn_positive_fraction = 0.375
    c.optimizer.lr = 2e-4
    c.optimizer.boundaries = [450]
    c.total_steps = 600
    return c
