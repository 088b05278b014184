#!/usr/bin/env bash
# The recipe of the shipped weights (alpr_jax/weights/*.npz), one stage after another, each
# reading the previous stage's output by an explicit flag. Every stage runs on a CPU-only
# machine (hours on 2 cores; the recogniser's first stage is a one-GPU run of ~15 minutes and
# many hours on a CPU); a GPU machine runs the same commands. A stage whose output exists is
# skipped, so the script resumes where it stopped (train.py itself resumes from checkpoints).
#
#   scripts/train_shipped.sh                 # everything, into runs/shipped, then install
#   RUNS=/data/run WORKERS=14 scripts/train_shipped.sh
#   INSTALL=0 scripts/train_shipped.sh       # train only; compare before copying
#
# The model cards (alpr_jax/weights/*.md) say how the shipped files were actually made where
# that differs from this recipe (earlier stages, a lent GPU) and what each figure is.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
RUNS=${RUNS:-runs/shipped}
WORKERS=${WORKERS:-2}          # generator processes for the data engine
INSTALL=${INSTALL:-1}
DATA=../shared/data
mkdir -p "$RUNS"

stage() {   # stage NAME OUTPUT COMMAND...: run COMMAND unless OUTPUT exists
    local name=$1 output=$2
    shift 2
    if [ -e "$output" ]; then
        echo "== $name: $output exists, skipped"
    else
        echo "== $name"
        "$@"
    fi
}

# Detector data: 3000 synthetic 720x1160 scenes written once, half of them on the real CCPD
# photos of half "a" of the shared scenes (their plates labelled); half "b" stays unseen.
stage "scenes" "$RUNS/scenes/labels.jsonl" \
    $PY -m alpr_jax.data.synth --kind scenes --count 3000 --out "$RUNS/scenes" \
        --backgrounds $DATA/ccpd_samples --backgrounds-split a --workers "$WORKERS"

stage "RPN" "$RUNS/rpn/rpn.npz" \
    $PY train.py --config configs/detector_rpn.py:cpu --workdir "$RUNS/rpn" \
        --config.data.train_dirs="$RUNS/scenes"

stage "R-CNN on simulated proposals" "$RUNS/rcnn/rcnn.npz" \
    $PY train.py --config configs/detector_rcnn.py:cpu --workdir "$RUNS/rcnn" \
        --config.data.train_dirs="$RUNS/scenes" --config.eval_rpn="$RUNS/rpn/rpn.npz"

stage "mine the RPN's proposals" "$RUNS/scenes/rpn_proposals.jsonl" \
    $PY scripts/mine_proposals.py --data "$RUNS/scenes" --rpn "$RUNS/rpn/rpn.npz"

stage "R-CNN on mined proposals" "$RUNS/rcnn_mined/rcnn.npz" \
    $PY train.py --config configs/detector_rcnn.py:mined --workdir "$RUNS/rcnn_mined" \
        --config.init_from="$RUNS/rcnn/rcnn.npz" --config.data.train_dirs="$RUNS/scenes" \
        --config.data.mined_files="$RUNS/scenes/rpn_proposals.jsonl" \
        --config.data.workers="$WORKERS"

stage "DSNT corner localiser" "$RUNS/dsnt/dsnt.npz" \
    $PY train.py --config configs/dsnt_refine.py:cpu --workdir "$RUNS/dsnt" \
        --config.data.train_dirs="$RUNS/scenes"

# Detection in the wild: plates of every size and real photos. Synthetic scenes with plates
# 16 to 650 px wide (several vehicles, plate-like distractors) over the 500 real photos of
# ccpd_600/train and half "a" of the shared scenes (their plates labelled); those real photos
# themselves; each stage fine-tunes the one above. ccpd_600/test, half "b" and easypr_dev are
# never trained on.
WILD="$RUNS/scenes_allsizes $DATA/ccpd_600/train $DATA/ccpd_samples:a"
wild_dirs() { for d in $WILD; do printf -- "--config.data.train_dirs=%s " "$d"; done; }
stage "scenes of every plate size" "$RUNS/scenes_allsizes/labels.jsonl" \
    $PY -m alpr_jax.data.synth --kind scenes --count 3000 --seed 18 --out "$RUNS/scenes_allsizes" \
        --backgrounds $DATA/ccpd_600/train --backgrounds $DATA/ccpd_samples:a \
        --plate-width 16 650 --black-plates 0.08 --workers "$WORKERS"

stage "RPN for every pass of the pyramid" "$RUNS/rpn_wild/rpn.npz" \
    $PY train.py --config configs/detector_rpn.py:wild --workdir "$RUNS/rpn_wild" \
        --config.init_from="$RUNS/rpn/rpn.npz" $(wild_dirs)

mkdir -p "$RUNS/mined"
stage "mine the RPN's proposals: scenes" "$RUNS/scenes_allsizes/rpn_proposals.jsonl" \
    $PY scripts/mine_proposals.py --data "$RUNS/scenes_allsizes" --rpn "$RUNS/rpn_wild/rpn.npz" \
        --limit 600
stage "mine the RPN's proposals: ccpd_600/train" "$RUNS/mined/ccpd_600_train.jsonl" \
    $PY scripts/mine_proposals.py --data $DATA/ccpd_600/train --rpn "$RUNS/rpn_wild/rpn.npz" \
        --out "$RUNS/mined/ccpd_600_train.jsonl"
stage "mine the RPN's proposals: shared scenes, half a" "$RUNS/mined/ccpd_samples_a.jsonl" \
    $PY scripts/mine_proposals.py --data $DATA/ccpd_samples:a --rpn "$RUNS/rpn_wild/rpn.npz" \
        --out "$RUNS/mined/ccpd_samples_a.jsonl"

stage "R-CNN on every plate size" "$RUNS/rcnn_wild/rcnn.npz" \
    $PY train.py --config configs/detector_rcnn.py:wild --workdir "$RUNS/rcnn_wild" \
        --config.init_from="$RUNS/rcnn_mined/rcnn.npz" $(wild_dirs) \
        --config.data.mined_files="$RUNS/scenes_allsizes/rpn_proposals.jsonl" \
        --config.data.mined_files="$RUNS/mined/ccpd_600_train.jsonl" \
        --config.data.mined_files="$RUNS/mined/ccpd_samples_a.jsonl"

stage "DSNT on every plate size" "$RUNS/dsnt_wild/dsnt.npz" \
    $PY train.py --config configs/dsnt_refine.py:wild --workdir "$RUNS/dsnt_wild" \
        --config.init_from="$RUNS/dsnt/dsnt.npz" $(wild_dirs)

# Two-row plates and the rarer kinds: their scenes, and the corner localiser fine-tuned on them
stage "scenes with two-row plates and rarer kinds" "runs/scenes_kinds/labels.jsonl" \
    $PY -m alpr_jax.data.synth --kind scenes --count 600 --seed 19 --out runs/scenes_kinds \
        --backgrounds $DATA/ccpd_600/train --backgrounds $DATA/ccpd_samples:a \
        --plate-width 24 500 --type-probs 0.3,0.45,0.15,0.1 --kinds-two-row 0.2 0.8 --workers "$WORKERS"
stage "DSNT on two-row plates" "$RUNS/dsnt_kinds/dsnt.npz" \
    $PY train.py --config configs/dsnt_refine.py:kinds --workdir "$RUNS/dsnt_kinds" \
        --config.init_from="$RUNS/dsnt_wild/dsnt.npz"

# The one above trained on as the detector's re-crops cut plates too (tight round them,
# data.recrop_fraction), then longer at a low rate: the shipped localiser
stage "DSNT on the re-crops' crops" "$RUNS/dsnt_recrop/dsnt.npz" \
    $PY train.py --config configs/dsnt_refine.py:recrop --workdir "$RUNS/dsnt_recrop" \
        --config.init_from="$RUNS/dsnt_kinds/dsnt.npz"
stage "DSNT, 1200 steps more" "$RUNS/dsnt_long/dsnt.npz" \
    $PY train.py --config configs/dsnt_refine.py:long --workdir "$RUNS/dsnt_long" \
        --config.init_from="$RUNS/dsnt_recrop/dsnt.npz"
# twice more, each with its own seed (each gained: dsnt.md)
stage "DSNT, 1200 steps more (2)" "$RUNS/dsnt_long2/dsnt.npz" \
    $PY train.py --config configs/dsnt_refine.py:long --workdir "$RUNS/dsnt_long2" \
        --config.init_from="$RUNS/dsnt_long/dsnt.npz" --config.seed=47
stage "DSNT, 1200 steps more (3)" "$RUNS/dsnt_long3/dsnt.npz" \
    $PY train.py --config configs/dsnt_refine.py:long --workdir "$RUNS/dsnt_long3" \
        --config.init_from="$RUNS/dsnt_long2/dsnt.npz" --config.seed=48
stage "DSNT, 1200 steps more on real photos" "$RUNS/dsnt_real/dsnt.npz" \
    $PY train.py --config configs/dsnt_refine.py:long_real --workdir "$RUNS/dsnt_real" \
        --config.init_from="$RUNS/dsnt_long3/dsnt.npz"

# Photos without colour (monochrome and infrared cameras): the kinds localiser trained on
# the same data turned to luma, used only in such photos (PlateDetector.colourless_twin)
stage "DSNT for photos without colour" "$RUNS/dsnt_mono/dsnt.npz" \
    $PY train.py --config configs/dsnt_refine.py:mono --workdir "$RUNS/dsnt_mono" \
        --config.init_from="$RUNS/dsnt_kinds/dsnt.npz"

stage "recogniser" "$RUNS/rec/recognition.npz" \
    $PY train.py --config configs/recognizer.py:gpu --workdir "$RUNS/rec" \
        --config.data.workers="$WORKERS"

stage "synthetic plates for the fine-tune (35% green)" "$RUNS/rec_synth_green.npz" \
    $PY -m alpr_jax.data.frozen --count 24000 --seed 11 --workers "$WORKERS" \
        --type-probs 0.45,0.1,0.35,0.1 --out "$RUNS/rec_synth_green.npz"

stage "recogniser fine-tune on real plates" "$RUNS/rec_ft/recognition.npz" \
    $PY train.py --config configs/recognizer.py:finetune --workdir "$RUNS/rec_ft" \
        --config.init_from="$RUNS/rec/recognition.npz" \
        --config.data.frozen_path="$RUNS/rec_synth_green.npz"

# The recogniser beyond CCPD: plates drawn as street cameras see them (several typefaces, the
# rarer kinds, two-row plates, night, glare) and real plates of ccpd_600/train and half "a"
# with the provinces balanced; two parts, the second on a larger set.
WILD_TYPES=0.5,0.2,0.22,0.08
stage "street-camera plates, set 1" "$RUNS/rec_synth_wild_32k.npz" \
    $PY -m alpr_jax.data.frozen --count 32000 --seed 19 --workers "$WORKERS" \
        --type-probs $WILD_TYPES --out "$RUNS/rec_synth_wild_32k.npz"
stage "recogniser in the wild, part 1" "$RUNS/rec_wild1/recognition.npz" \
    $PY train.py --config configs/recognizer.py:wild,steps=1200,drop=900 --workdir "$RUNS/rec_wild1" \
        --config.seed=19 --config.init_from="$RUNS/rec_ft/recognition.npz" \
        --config.data.frozen_path="$RUNS/rec_synth_wild_32k.npz"
stage "street-camera plates, set 2" "$RUNS/rec_synth_wild_80k.npz" \
    $PY -m alpr_jax.data.frozen --count 80000 --seed 20 --workers "$WORKERS" \
        --type-probs $WILD_TYPES --out "$RUNS/rec_synth_wild_80k.npz"
stage "recogniser in the wild, part 2" "$RUNS/rec_wild2/recognition.npz" \
    $PY train.py --config configs/recognizer.py:wild --workdir "$RUNS/rec_wild2" \
        --config.init_from="$RUNS/rec_wild1/recognition.npz" \
        --config.data.frozen_path="$RUNS/rec_synth_wild_80k.npz"

# Two-row plates get their own network (the reader's second; the one above is untouched):
# the shipped recogniser trained on yellow two-row plates only, stitched as the pipeline
# reads them, with 6 real one-row plates of 32 keeping the real typeface.
stage "two-row plates" "$RUNS/rec_synth_tworow_only_30k.npz" \
    $PY -m alpr_jax.data.frozen --count 30000 --seed 31 --workers "$WORKERS" \
        --type-probs 0,1,0,0 --two-row 1.0 --out "$RUNS/rec_synth_tworow_only_30k.npz"
stage "two-row recogniser" "$RUNS/rec_two_row/recognition.npz" \
    $PY train.py --config configs/recognizer.py:two_row_net --workdir "$RUNS/rec_two_row" \
        --config.init_from="$RUNS/rec_wild2/recognition.npz" \
        --config.data.frozen_path="$RUNS/rec_synth_tworow_only_30k.npz"

# Plates without colour (monochrome and infrared cameras) get a third network: the shipped
# recogniser trained on every plate turned to its luma (colour plates never reach it).
stage "street-camera plates, set 3" "$RUNS/rec_synth_wild_32k_s41.npz" \
    $PY -m alpr_jax.data.frozen --count 32000 --seed 41 --workers "$WORKERS" \
        --type-probs $WILD_TYPES --out "$RUNS/rec_synth_wild_32k_s41.npz"
stage "recogniser for plates without colour" "$RUNS/rec_mono/recognition.npz" \
    $PY train.py --config configs/recognizer.py:mono_net --workdir "$RUNS/rec_mono" \
        --config.init_from="$RUNS/rec_wild2/recognition.npz" \
        --config.data.frozen_path="$RUNS/rec_synth_wild_32k_s41.npz"

if [ "$INSTALL" = 1 ]; then
    cp "$RUNS/rpn_wild/rpn.npz" alpr_jax/weights/rpn.npz
    cp "$RUNS/rcnn_wild/rcnn.npz" alpr_jax/weights/rcnn.npz
    cp "$RUNS/dsnt_real/dsnt.npz" alpr_jax/weights/dsnt.npz
    $PY -m alpr_jax.cli export --checkpoint "$RUNS/dsnt_mono" --float16 \
        --out alpr_jax/weights/dsnt_mono.npz
    cp "$RUNS/rec_wild2/recognition.npz" alpr_jax/weights/recognizer.npz
    $PY -m alpr_jax.cli export --checkpoint "$RUNS/rec_two_row" --float16 \
        --out alpr_jax/weights/recognizer_two_row.npz
    $PY -m alpr_jax.cli export --checkpoint "$RUNS/rec_mono" --float16 \
        --out alpr_jax/weights/recognizer_mono.npz
    echo "installed into alpr_jax/weights/; check with: $PY eval.py --task end_to_end --data $DATA/ccpd_samples --split b --json"
fi
