"""The recogniser: 8 parallel STNs cut one segment per character from the rectified plate, a
province head and ONE shared-weight character head read them (the paper's Tables 3-4).

    python train.py --config configs/recognizer.py:VARIANT[,tiny][,steps=N,drop=M] --workdir DIR

Variants (what each changes from `paper`):
  paper     the paper's setting: full width, 40K steps of batch 64, Adam 5e-4 -> 5e-5 at 20K,
            plates generated on the fly by 8 processes (a GPU run)
  gpu       10K steps (drop at 7K) and 16 of every 64 plates real crops from half "a" of
            the shared crops (jittered), 14 generator processes: one GPU in ~15 minutes
  cpu       half width, synthetic plates from a set written once (data.frozen_path; 2 cores
            cannot both generate and train), 8 of 64 real crops, 2000 steps (~55 min CPU)
  finetune  from an earlier stage (init_from, required) at lr 5e-5 for 400 steps of 32: more
            green plates (a frozen set with that type mix) and the real plates of half "a"
            of both shared sets, crops and CCPD scenes (2 of every 8 real draws)
  wild      from init_from (an earlier recogniser; heads grown to new classes are fine) on a
            frozen set of the street-camera engine (several typefaces, plate kinds, two-row
            plates, night, glare; data.frozen_path) and 12 of 32 real plates from half "a"
            of the crops, ccpd_600/train and half "a" of the scenes, provinces balanced
            (province_balance 0.5): 3000 steps, Adam 3e-4 -> 3e-5 at 2200 (~55 min on the
            2-core CPU; scripts/train_shipped.sh runs it twice, see the model card)
  tworow    `wild` continued from the shipped weights at a low rate (5e-5 -> 5e-6 at 600, 800
            steps, 23 min CPU) on 24,000 frozen plates of `wild`'s mix with half the yellow
            ones in two rows (10% of them; the engine's 6%), all rectified as the pipeline
            now does (two-row: perspective); tried 2026-12-04 and not shipped (synthetic
            two-row 0.74 -> 0.78, crops b 0.949 -> 0.941, easypr_dev 0.926 -> 0.915: model
            card, which also has the first, stronger try)
  realcam   `wild` continued from the shipped weights at a low rate (5e-5 -> 5e-6 at 450,
            600 steps) with 20 of 32 plates real, half of them degraded as street cameras
            deliver plates (data.real_camera: blur, low resolution, noise, JPEG, night,
            glare; until then real plates were only shifted and brightened), on 40,000
            frozen plates of `wild`'s mix (seed 23); tried 2026-12-05 and not shipped
            (crops b 0.957 -> 0.949, easypr_dev 0.926 -> 0.926, no gain under blur, low
            resolution or JPEG: model card)
  two_row_net  the reader's second network, for two-row plates only (the stitched rows the
            pipeline reads squat plates as; weights/recognizer_two_row.npz), from the shipped
            recogniser (init_from): 26 of 32 plates a batch from a frozen set of two-row
            yellow plates (`--type-probs 0,1,0,0 --two-row 1.0`), 6 real one-row plates as
            in `wild` so the real typeface is kept; Adam 3e-4 -> 3e-5 at 900, 1200 steps
            (~45 min CPU). The one-row network is untouched, so one-row plates read as before
  mono_net  the reader's network for plates without colour (a monochrome or infrared
            camera's: weights/recognizer_mono.npz), from the shipped recogniser (init_from):
            `wild`'s mix, every plate synthetic and real turned to its luma
            (data.grayscale 1.0); Adam 3e-4 -> 3e-5 at 700, 900 steps (~35 min CPU). The
            one-row network is untouched, so colour plates read as before
  ablation  quarter width, batch 32, 2000 steps, no real plates: the base of Tables 6-7
            (scripts/ablate_recognition.py sets the architecture switches per row)
Options: tiny (a few steps of a tiny model, for tests); steps=N,drop=M (the schedule).
Half "b" of the shared real data is never trained on; evaluations report it.
"""
import ml_collections

from configs import common

VARIANTS = {"paper": "the paper's schedule, GPU", "gpu": "10K steps on one GPU",
            "cpu": "half width on 2 CPU cores", "finetune": "real plates + greens, from init_from",
            "wild": "street-camera engine + province-fair real plates, from init_from",
            "tworow": "wild, continued with more two-row plates",
            "realcam": "wild, continued on real plates also seen through street cameras",
            "two_row_net": "the reader's network for two-row plates, from init_from",
            "mono_net": "the reader's network for plates without colour, from init_from",
            "ablation": "Tables 6-7 base"}
CROPS = "../shared/data/plate_crops"
SCENES = "../shared/data/ccpd_samples"
CCPD_TRAIN = "../shared/data/ccpd_600/train"


def get_config(arg=None):
    arg = common.parse_arg(arg, variant="paper", tiny=False, steps=0, drop=0)
    common.check_variant(arg.variant, VARIANTS, "recognizer")
    c = common.run("recognition")
    c.model = ml_collections.ConfigDict(dict(
        arch="stn",            # "stn" (ours), "holistic" ([12]), "crnn" ([15])
        width=1.0, stn="parallel", shared_heads=True, dropout=0.2))
    c.data = ml_collections.ConfigDict(dict(
        source="synthetic",    # "synthetic": generated on the fly; "frozen": data.frozen_path
        frozen_path="",
        type_probs=(),         # blue, yellow, green, white share (empty: the engine's)
        batch_size=64,         # global; or per_device_batch_size x devices when that is > 0
        per_device_batch_size=0,
        workers=8,             # generator processes
        rectify=True,          # False: plates cut by their box, not rectified (Table 6)
        real_dirs=(),          # real plates mixed into every batch
        real_split="a",        # which half of real_dirs to train on ("a", "b", "all")
        real_per_batch=0,
        real_weights=(),       # share of real draws per real_dirs entry (empty: per plate)
        province_balance=0.0,  # real draws / (plates of the province) ** this (0..1)
        real_camera=0.0,       # share of real plates also degraded as street cameras do
        grayscale=0.0))        # share of plates seen by a monochrome camera (luma only)
    c.optimizer = common.optimizer("adam", 5e-4)
    common.schedule(c, 40000, 20000)
    c.checkpoint_every = 2000
    c.eval_every = 2000
    c.eval_dirs = (CROPS, SCENES)
    c.eval_split = "b"

    if arg.variant == "gpu":
        c.seed = 3
        c.data.workers = 14
        c.data.real_dirs, c.data.real_per_batch = (CROPS,), 16
        common.schedule(c, 10000, 7000)
        c.log_every, c.checkpoint_every = 200, 1000
    elif arg.variant == "cpu":
        c.model.width = 0.5
        c.data.source, c.data.frozen_path = "frozen", "runs/rec_synth_80k.npz"
        c.data.workers = 0
        c.data.real_dirs, c.data.real_per_batch = (CROPS,), 8
        common.schedule(c, 2000, 1500)
        c.log_every, c.checkpoint_every, c.eval_every = 50, 500, 600
    elif arg.variant == "finetune":
        c.seed = 11
        c.requires_init = True
        c.data.source, c.data.frozen_path = "frozen", "runs/rec_synth_green_24k.npz"
        c.data.type_probs = (0.45, 0.1, 0.35, 0.1)    # must match the frozen set (checked)
        c.data.batch_size, c.data.workers = 32, 0
        c.data.real_dirs, c.data.real_per_batch = (CROPS, SCENES), 8
        c.data.real_weights = (0.75, 0.25)
        c.optimizer.lr = 5e-5                          # the gpu variant's final rate
        common.schedule(c, 400)
        c.log_every, c.checkpoint_every, c.eval_every, c.eval_dirs = 50, 100, 0, ()
    elif arg.variant in ("wild", "tworow", "realcam", "two_row_net", "mono_net"):
        c.seed = 20
        c.requires_init = True
        c.data.source, c.data.frozen_path = "frozen", "runs/rec_synth_wild_80k.npz"
        c.data.type_probs = (0.5, 0.2, 0.22, 0.08)     # must match the frozen set (checked)
        c.data.batch_size, c.data.workers = 32, 0
        c.data.real_dirs, c.data.real_per_batch = (CROPS, CCPD_TRAIN + ":all", SCENES), 12
        c.data.real_weights = (0.45, 0.45, 0.1)
        c.data.province_balance = 0.5
        c.optimizer.lr = 3e-4
        common.schedule(c, 3000, 2200)
        c.log_every, c.checkpoint_every, c.eval_every = 50, 500, 0
        c.eval_dirs = ()
        if arg.variant == "tworow":
            c.seed = 22
            c.data.frozen_path = "runs/rec_synth_tworow_persp_24k.npz"
            c.data.p_two_row = 0.5                     # must match the frozen set (checked)
            c.optimizer.lr = 5e-5
            common.schedule(c, 800, 600)
        if arg.variant == "realcam":
            c.seed = 24
            c.data.frozen_path = "runs/rec_synth_wild_40k_s23.npz"
            c.data.real_per_batch = 20
            c.data.real_camera = 0.5
            c.optimizer.lr = 5e-5
            common.schedule(c, 600, 450)
        if arg.variant == "two_row_net":
            c.seed = 31
            c.data.frozen_path = "runs/rec_synth_tworow_only_30k.npz"
            c.data.type_probs = (0.0, 1.0, 0.0, 0.0)   # must match the frozen set (checked)
            c.data.p_two_row = 1.0
            c.data.real_per_batch = 6
            common.schedule(c, 1200, 900)
        if arg.variant == "mono_net":
            c.seed = 41
            c.data.frozen_path = "runs/rec_synth_wild_32k_s41.npz"
            c.data.grayscale = 1.0
            common.schedule(c, 900, 700)
    elif arg.variant == "ablation":
        c.model.width = 0.25
        c.data.batch_size, c.data.workers = 32, 0
        c.optimizer.lr = 1e-3
        common.schedule(c, 2000, 1600)
        c.checkpoint_every, c.eval_every, c.eval_dirs = 500, 0, ()

    if arg.steps:
        common.schedule(c, arg.steps, *((arg.drop,) if arg.drop else ()))
    if arg.tiny:
        c.model.width = 0.125
        c.data.batch_size = 4
        c.data.source = "synthetic"          # frozen sets are run outputs, not test data
        c.data.real_per_batch = min(c.data.real_per_batch, 2)
        common.shrink(c, steps=6)
    return c
