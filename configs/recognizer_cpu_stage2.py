"""Second stage of the CPU recogniser recipe: starts from the first stage's export
(configs/recognizer_cpu.py), a fresh Adam, twice as many real crops per batch (16 of 64, half
"a" only, jittered) and a new data order (seed 1). Held-out half "b" is what eval reports.

    python train.py --config configs/recognizer_cpu.py --workdir runs/rec_cpu
    python train.py --config configs/recognizer_cpu_stage2.py --workdir runs/rec_cpu2
"""
from configs import recognizer_cpu


def get_config():
    c = recognizer_cpu.get_config()
    c.seed = 1
    c.init_from = "runs/rec_cpu/recognition.npz"
    c.data.real_per_batch = 16
    c.total_steps = 2000
    c.optimizer.boundaries = [1400]
    c.eval_every = 500
    c.checkpoint_every = 250
    c.eval_split = "b"
    return c
