"""Fourth stage of the CPU recogniser recipe: from the third stage's export, lower rate, new
data order (seed 3), and the green-plate layout measured on real plates (characters 1-2 near the
left edge, a 47 mm separator gap; the third stage misread positions 1-2 of green plates whose
synthetic layout was centred). Half "b" of the shared crops stays unseen.

    python train.py --config configs/recognizer_cpu_stage4.py --workdir runs/rec_cpu4
"""
from configs import recognizer_cpu_stage3


def get_config():
    c = recognizer_cpu_stage3.get_config()
    c.seed = 3
    c.init_from = "runs/rec_cpu3/recognition.npz"
    c.optimizer.lr = 2e-4
    c.optimizer.boundaries = [350]
    c.total_steps = 500
    c.eval_every = 250
    c.checkpoint_every = 125
    return c
