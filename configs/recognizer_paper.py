"""The paper's recogniser setting: full width, 8 parallel STNs, shared-weight character head,
40K iterations of batch 64, lr 5e-4 dropping to 5e-5 after 20K (a GPU run).

    python train.py --config configs/recognizer_paper.py --workdir runs/rec_paper
"""
import ml_collections


def get_config():
    c = ml_collections.ConfigDict()
    c.task = "recognition"
    c.seed = 0
    c.compute_dtype = "float32"    # "bfloat16": mixed precision (float32 params and losses)
    c.init_from = ""           # exported .npz to start from (a second training stage)
    c.model = ml_collections.ConfigDict(dict(
        arch="stn",            # "stn" (ours), "holistic" ([12]), "crnn" ([15])
        width=1.0, stn="parallel", shared_heads=True, dropout=0.2))
    c.data = ml_collections.ConfigDict(dict(
        source="synthetic",    # "synthetic": generated on the fly; "frozen": data.frozen_path
        frozen_path="",
        batch_size=64,             # global; or per_device_batch_size x devices when that is > 0
        per_device_batch_size=0,
        workers=8,             # generator processes
        rectify=True,          # False: plates cut by their box, not rectified (Table 6)
        real_dirs=[],          # optional real plates mixed into every batch
        real_split="a",        # which half of real_dirs to train on ("a", "b", "all")
        real_per_batch=0,
        real_weights=[]))      # share of real draws per real_dirs entry (empty: per plate)
    c.optimizer = ml_collections.ConfigDict(dict(
        name="adam", lr=5e-4, boundaries=[20000], decay=0.1, momentum=0.9, weight_decay=0.0,
        grad_clip=5.0))
    c.total_steps = 40000
    c.log_every = 100
    c.checkpoint_every = 2000
    c.keep_checkpoints = 3
    c.eval_every = 2000
    c.eval_dirs = ["../shared/data/plate_crops", "../shared/data/ccpd_samples"]
    c.eval_split = "all"
    return c
