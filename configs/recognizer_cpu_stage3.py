"""Third stage of the CPU recogniser recipe: from the second stage's export, a fresh Adam at
a lower rate, 24 of every 64 plates real (half "a" of the shared crops, jittered), new data
order (seed 2), and the data engine's fixes found by reading stage 2's errors on half "b":
the plate font's Q (a full-height O with a short tail; stage 2 read 6 of its 35 errors' Qs as
0), paler and greener green-plate gradients, washed-out contrast. So the synthetic plates are
generated on the fly by one worker process (the frozen set predates those fixes). Half "b"
stays unseen and is what eval reports.

    python train.py --config configs/recognizer_cpu_stage3.py --workdir runs/rec_cpu3
"""
from configs import recognizer_cpu_stage2


def get_config():
    c = recognizer_cpu_stage2.get_config()
    c.seed = 2
    c.init_from = "runs/rec_cpu2/recognition.npz"
    c.data.real_per_batch = 24
    c.data.source = "synthetic"
    c.data.workers = 1
    c.optimizer.lr = 3e-4
    c.optimizer.boundaries = [650]
    c.total_steps = 900
    c.eval_every = 300
    c.checkpoint_every = 150
    return c
