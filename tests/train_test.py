"""One tiny training run on synthetic data: loss is finite, checkpoints resume exactly, the
exported .npz loads without orbax and evaluates through eval.py."""
import json
import os

import jax
import numpy as np
import pytest

from alpr_jax import weights
from alpr_jax.models.init_rng import init_key
from alpr_jax.train.loop import train_and_evaluate
from configs import recognizer

from conftest import train_cli


def _params(path):
    variables, meta = weights.load_npz(path)
    return weights.flatten(variables), meta


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    workdir = str(tmp_path_factory.mktemp("uninterrupted"))
    train_cli("recognizer.py:tiny", workdir)
    return workdir


def test_tiny_run_logs_and_exports(uninterrupted):
    rows = [json.loads(l) for l in open(os.path.join(uninterrupted, "metrics.jsonl"))]
    assert [r["step"] for r in rows] == [1, 2, 3, 4, 5, 6]
    assert all(np.isfinite(r["loss"]) for r in rows)
    flat, meta = _params(os.path.join(uninterrupted, "recognition.npz"))
    assert meta["steps"] == 6 and meta["model"]["arch"] == "stn"
    assert any(k.startswith("batch_stats/") for k in flat)


def test_resume_after_stop_matches_uninterrupted(uninterrupted, tmp_path):
    config = recognizer.get_config("tiny")
    with config.unlocked():
        config.total_steps = 3            # "killed" after step 3; last checkpoint at step 2
    workdir = str(tmp_path)
    train_and_evaluate(config, workdir, progress=False)
    import shutil
    shutil.rmtree(os.path.join(workdir, "checkpoints", "3"))   # lose the work after step 2
    train_and_evaluate(recognizer.get_config("tiny"), workdir, progress=False)
    a, _ = _params(os.path.join(uninterrupted, "recognition.npz"))
    b, _ = _params(os.path.join(workdir, "recognition.npz"))
    assert a.keys() == b.keys()
    for k in a:
        np.testing.assert_allclose(a[k], b[k], rtol=1e-5, atol=1e-6, err_msg=k)


def test_npz_round_trip_is_exact(uninterrupted, tmp_path):
    variables, meta = weights.load_npz(os.path.join(uninterrupted, "recognition.npz"))
    out = str(tmp_path / "copy.npz")
    weights.save_npz(out, variables, meta)
    again, meta2 = weights.load_npz(out)
    assert meta2 == meta
    for (ka, va), (kb, vb) in zip(sorted(weights.flatten(variables).items()),
                                  sorted(weights.flatten(again).items())):
        assert ka == kb and va.dtype == vb.dtype
        np.testing.assert_array_equal(va, vb)
    with pytest.raises(ValueError, match="not a readable"):
        (tmp_path / "bad.npz").write_bytes(b"garbage")
        weights.load_npz(str(tmp_path / "bad.npz"))


def test_float16_export_loads_as_float32(uninterrupted, tmp_path):
    # `alpr export --float16` halves the file; it loads back as float32 within half precision
    from alpr_jax.train.export import main as export_main
    full, half = str(tmp_path / "full.npz"), str(tmp_path / "half.npz")
    assert export_main(["--checkpoint", uninterrupted, "--out", full]) == 0
    assert export_main(["--checkpoint", uninterrupted, "--out", half, "--float16"]) == 0
    a, meta_a = _params(full)
    b, meta_b = _params(half)
    assert meta_b["stored_as"] == "float16" and "stored_as" not in meta_a
    with np.load(half) as f:
        assert {f[k].dtype for k in f.files if k in a} == {np.dtype(np.float16)}
    assert a.keys() == b.keys()
    for k in a:
        assert b[k].dtype == np.float32, k
        np.testing.assert_allclose(b[k], a[k], rtol=1e-3, atol=1e-4, err_msg=k)
    assert os.path.getsize(half) < 0.7 * os.path.getsize(full)


def test_eval_cli_prints_one_json_object(uninterrupted, ccpd_dir, capsys):
    import eval as eval_cli
    rc = eval_cli.main(["--task", "recognition", "--data", ccpd_dir, "--json", "--weights",
                        os.path.join(uninterrupted, "recognition.npz")])
    result = json.loads(capsys.readouterr().out)
    assert rc == 0
    for key in ("n", "acc", "acc_1e", "acc_2e", "acc_1", "acc_2_7", "cer", "ms_per_plate"):
        assert key in result
    assert result["n"] == 13


def test_bfloat16_compute_keeps_float32_params(tmp_path):
    config = recognizer.get_config("tiny")
    with config.unlocked():
        config.total_steps = 2
        config.compute_dtype = "bfloat16"
    train_and_evaluate(config, str(tmp_path), progress=False)
    rows = [json.loads(l) for l in open(os.path.join(tmp_path, "metrics.jsonl"))]
    assert all(np.isfinite(r["loss"]) for r in rows)
    flat, _ = _params(os.path.join(tmp_path, "recognition.npz"))
    assert all(v.dtype == np.float32 for v in flat.values())


def test_batch_size_must_divide_by_devices():
    from alpr_jax.train.loop import resolve_batch_size
    config = recognizer.get_config("tiny")
    with config.unlocked():
        config.data.per_device_batch_size = 3
    assert resolve_batch_size(config) == 3 * jax.device_count()
    with config.unlocked():
        config.compute_dtype = "float16"
    with pytest.raises(ValueError, match="compute_dtype"):
        from alpr_jax.train.loop import check_config
        check_config(config)


def test_plate_type_mix_is_configurable_and_checked():
    from alpr_jax.plates import NONE_INDEX
    from alpr_jax.train.recognition import RecognitionTask
    config = recognizer.get_config("tiny")
    with config.unlocked():
        config.data.type_probs = [0.0, 0.0, 1.0, 0.0]          # only green plates
    task = RecognitionTask(config)
    assert task.input_cfg.plate.type_probs == (0.0, 0.0, 1.0, 0.0)
    from alpr_jax import plates
    for batch in task.batches(0, 3):
        for labels in batch["labels"]:     # 8 characters each, but for the rarer kinds
            text = plates.decode_indices(labels)
            kind = (text[0] == plates.EMBASSY or text[1] == plates.POLICE_LETTER
                    or plates.tokens(text)[-1] in plates.SPECIAL_SUFFIXES)
            assert labels[7] != NONE_INDEX or kind, text
    with config.unlocked():
        config.data.type_probs = [1.0, 0.0]
    with pytest.raises(ValueError, match="type_probs"):
        RecognitionTask(config)


def test_real_plates_drawn_by_folder_weights(ccpd_dir, crops_dir):
    from alpr_jax import plates
    from alpr_jax.data.annotations import read_annotations, split_records
    from alpr_jax.train.recognition import RecognitionTask
    scene_texts = {p.text for r in split_records(read_annotations(ccpd_dir), "a") for p in r.plates}
    config = recognizer.get_config("tiny")
    with config.unlocked():
        config.data.real_dirs = [crops_dir, ccpd_dir]
        config.data.real_per_batch = 4
        config.data.real_weights = [0.0, 1.0]                   # every real draw from the scenes
    task = RecognitionTask(config)
    for batch in task.batches(0, 3):
        assert {plates.decode_indices(l) for l in batch["labels"][:4]} <= scene_texts
    with config.unlocked():
        config.data.real_weights = [1.0]
    with pytest.raises(ValueError, match="real_weights"):
        next(RecognitionTask(config).batches(0, 1))


def test_grayscale_share_turns_whole_rows_to_luma(crops_dir):
    """data.grayscale: that share of a batch's plates, synthetic and real, becomes luma in
    all three channels, the rest untouched; the rows depend only on seed and step, so a
    host's slice of the batch is the same as in the whole."""
    from alpr_jax.data import augment
    from alpr_jax.train.recognition import RecognitionTask
    config = recognizer.get_config("tiny")
    with config.unlocked():
        config.data.batch_size = 16
        config.data.real_dirs, config.data.real_per_batch = [crops_dir], 4
    colour = list(RecognitionTask(config).batches(0, 2))
    with config.unlocked():
        config.data.grayscale = 0.5
    task = RecognitionTask(config)
    grey = list(task.batches(0, 2))
    for plain, mixed in zip(colour, grey):
        np.testing.assert_array_equal(plain["labels"], mixed["labels"])
        same = np.all(plain["image"] == mixed["image"], axis=(1, 2, 3))
        lumas = np.all(mixed["image"] == augment.grayscale(plain["image"]), axis=(1, 2, 3))
        assert np.all(same | lumas) and 0 < (~same).sum() < 16
        assert np.all(mixed["image"][~same].max(-1) == mixed["image"][~same].min(-1))
    half = next(task.batches(1, 1, example_range=(8, 16)))
    np.testing.assert_array_equal(half["image"], grey[1]["image"][8:])
    with config.unlocked():
        config.data.grayscale = 1.5
    with pytest.raises(ValueError, match="grayscale"):
        RecognitionTask(config)


def test_grayscale_share_of_detector_photos():
    """data.grayscale in the detector families: the photos the crops are cut from (or the
    RPN's scene) become luma, the labels stay; checked at the boundary."""
    from alpr_jax.data import augment
    from alpr_jax.train.task import get_task
    from configs import detector_rpn, dsnt_refine
    for family, key in ((dsnt_refine, "full_image"), (detector_rpn, "image")):
        config = family.get_config("cpu,tiny" if family is dsnt_refine else "tiny")
        colour = next(get_task(config).batches(0, 1))
        with config.unlocked():
            config.data.grayscale = 1.0
        grey = next(get_task(config).batches(0, 1))
        np.testing.assert_array_equal(grey[key], augment.grayscale(colour[key]))
        assert np.ptp(colour[key].astype(int), axis=-1).max() > 0
        for k in set(colour) - {key}:
            np.testing.assert_array_equal(grey[k], colour[k])
        with config.unlocked():
            config.data.grayscale = -0.1
        with pytest.raises(ValueError, match="data.grayscale must be in"):
            get_task(config)


def test_warm_start_grows_classifier_heads(uninterrupted, tmp_path):
    # a recogniser exported with fewer classes (before plate kinds were added) warm-starts
    # the current model: its classes are copied as a prefix, the new ones start fresh
    from alpr_jax.train.loop import warm_start
    from alpr_jax.train.recognition import RecognitionTask
    path = os.path.join(uninterrupted, "recognition.npz")
    flat, meta = _params(path)
    from alpr_jax import plates
    key = next(k for k in flat if k.startswith("params/char_head/") and k.endswith("kernel")
               and flat[k].shape[-1] == len(plates.CHAR_CLASSES))
    bias = key[:-len("kernel")] + "bias"
    old = dict(flat)
    old[key], old[bias] = flat[key][:, :37], flat[bias][:37]
    older = str(tmp_path / "older.npz")
    weights.save_npz(older, weights.unflatten(old), meta)
    task = RecognitionTask(recognizer.get_config("tiny"))
    variables = task.init_variables(init_key(jax.random.PRNGKey(9)))
    grown = weights.flatten(warm_start(variables, older))
    np.testing.assert_array_equal(grown[key][:, :37], flat[key][:, :37])
    np.testing.assert_array_equal(grown[key][:, 37:], np.asarray(weights.flatten(variables)[key])[:, 37:])
    np.testing.assert_array_equal(grown["params/province_head/" + key.split("/", 2)[2]],
                                  flat["params/province_head/" + key.split("/", 2)[2]])
    # anything else that differs in shape is still an error
    old[key] = flat[key][:5]
    weights.save_npz(older, weights.unflatten(old), meta)
    with pytest.raises(ValueError, match="has shape"):
        warm_start(variables, older)


def test_real_plates_province_balance(ccpd_dir, crops_dir):
    from alpr_jax import plates
    from alpr_jax.data.real_plates import RealPlates
    plain = RealPlates.load([crops_dir, ccpd_dir], "a")
    fair = RealPlates.load([crops_dir, ccpd_dir], "a", province_balance=1.0)
    first = np.array([plates.tokens(t)[0] for t in fair.data.texts])
    assert (first == "皖").mean() > 0.8                  # the shared sets are ~96% 皖
    shares = {c: fair.probs[first == c].sum() for c in set(first)}
    np.testing.assert_allclose(list(shares.values()), 1 / len(shares))   # every province alike
    assert plain.probs is None
    half = RealPlates.load([crops_dir, ccpd_dir], "a", weights=[0.5, 0.5], province_balance=0.5)
    assert 0 < half.probs[first == "皖"].sum() < 0.9
    with pytest.raises(ValueError, match="province_balance"):
        RealPlates.load([crops_dir], "a", province_balance=2.0)
    # a folder may name its own half
    both = RealPlates.load([crops_dir, ccpd_dir + ":all"], "a")
    assert len(both.data.texts) > len(plain.data.texts)
