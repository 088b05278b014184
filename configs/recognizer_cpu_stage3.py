"""Third CPU stage of the shipped recogniser: from the second stage's export, a fresh Adam at
a lower rate, 24 of every 64 plates real (half "a" of the shared crops, jittered), new data
order (seed 2). Half "b" stays unseen and is what eval reports.

    python train.py --config configs/recognizer_cpu_stage3.py --workdir runs/rec_cpu3
"""
from configs import recognizer_cpu_stage2


def get_config():
    c = recognizer_cpu_stage2.get_config()
    c.seed = 2
    c.init_from = "runs/rec_cpu2/recognition.npz"
    c.data.real_per_batch = 24
    c.optimizer.lr = 3e-4
    c.optimizer.boundaries = [900]
    c.total_steps = 1300
    c.eval_every = 650
    return c
