"""Second R-CNN stage: from configs/detector_rcnn_cpu.py's export, half of
every image's proposals are the fixed CPU RPN's own (mined once on the same 3000 scenes), so its
false positives on real car fronts - grilles, badges, text strips - are trained as negatives.

    python -m alpr_jax.train.mine_proposals --data runs/scenes_3k --rpn runs/rpn_cpu/rpn.npz
    python train.py --config configs/detector_rcnn_cpu_hardneg.py --workdir runs/rcnn_cpu2

Note: until 2026-11-22 mine_proposals.attach matched no photo of a labels.jsonl folder given by
a relative path, silently, so this stage as run then trained on simulated proposals only (see
alpr_jax/weights/detector.md); rerun now, it does use the mined ones.
"""
from configs import detector_rcnn_cpu


def get_config():
    c = detector_rcnn_cpu.get_config()
    c.seed = 1
    c.init_from = "runs/rcnn_cpu/rcnn.npz"
    c.data.mined_proposals = True
    c.optimizer.lr = 3e-4
    c.optimizer.boundaries = [450]
    c.total_steps = 600
    c.eval_every = 300
    return c
