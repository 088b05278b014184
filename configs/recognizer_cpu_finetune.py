"""A CPU fine-tune of the shipped recogniser (the H100 run, alpr_jax/weights/recognizer.md) at
its final rate, with more green plates and the real plates of half "a" of BOTH shared sets:
the 245 crops and the 8 CCPD scenes' plates (3 of them green, cut by their ground-truth
corners and jittered). Half "b" of both stays unseen. Synthetic plates come from a set written
once (2 cores cannot both generate and train):

    python -m alpr_jax.data.frozen --count 24000 --seed 11 --workers 2 \
        --type-probs 0.45,0.1,0.35,0.1 --out runs/rec_synth_green_24k.npz
    python train.py --config configs/recognizer_cpu_finetune.py --workdir runs/rec_ft
"""
from configs import recognizer_paper


def get_config():
    c = recognizer_paper.get_config()
    c.seed = 11
    c.init_from = "alpr_jax/weights/recognizer.npz"
    c.model.width = 1.0
    c.data.source = "frozen"
    c.data.frozen_path = "runs/rec_synth_green_24k.npz"
    c.data.type_probs = [0.45, 0.1, 0.35, 0.1]     # must match the frozen set (checked)
    c.data.batch_size = 32
    c.data.workers = 0
    c.data.real_dirs = ["../shared/data/plate_crops", "../shared/data/ccpd_samples"]
    c.data.real_split = "a"
    c.data.real_per_batch = 8
    c.data.real_weights = [0.75, 0.25]              # 2 of the 8 real plates from the scenes
    c.optimizer.lr = 5e-5                           # the H100 run's final rate
    c.optimizer.boundaries = []
    c.total_steps = 400
    c.log_every = 50
    c.checkpoint_every = 100
    c.eval_every = 0
    c.eval_dirs = []
    return c
