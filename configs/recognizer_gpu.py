"""The paper's recogniser (full width, 8 parallel STNs, shared-weight character head, batch 64,
Adam 5e-4 dropping 10x) on one GPU, with the paper's 40K-step schedule shortened to 10K steps
(drop at 7K) to fit two 10-minute GPU calls: plates generated on the fly by 14 worker processes
(about 1,000 plates/s on a 16-core H100 host, which is the bottleneck: GPU busy ~20%), 16 of
every 64 real crops from half "a" of the shared set (jittered); half "b" is never trained on and
is what eval reports. The shipped recogniser (alpr_jax/weights/recognizer.md) is this run.

    python train.py --config configs/recognizer_gpu.py --workdir runs/rec_gpu

The schedule can be given after the file name as TOTAL,DROP (steps), e.g. the paper's
`--config configs/recognizer_gpu.py:40000,20000`.
"""
from configs import recognizer_paper


def get_config(schedule: str = "10000,7000"):
    total, drop = (int(x) for x in schedule.split(","))
    c = recognizer_paper.get_config()
    c.seed = 3
    c.model.width = 1.0
    c.data.source = "synthetic"
    c.data.workers = 14
    c.data.real_dirs = ["../shared/data/plate_crops"]
    c.data.real_split = "a"
    c.data.real_per_batch = 16
    c.total_steps = total
    c.optimizer.boundaries = [drop]
    c.log_every = 200
    c.checkpoint_every = 1000
    c.eval_every = 2000
    c.eval_split = "b"
    return c
