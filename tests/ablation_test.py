"""The Table 6/7 ablation script end to end on a tiny config: each cut trains on its own
frozen set and the tables come out with one row per variant."""
import os

import numpy as np

from alpr_jax import weights
from alpr_jax.data import frozen, input_pipeline

from conftest import ROOT, load_script


def test_ablation_trains_each_cut_on_its_frozen_set_and_prints_tables(tmp_path, ccpd_dir, capsys):
    config = os.path.join(ROOT, "configs", "recognizer.py") + ":ablation,tiny"
    load_script("ablate_recognition").main([
        "--workdir", str(tmp_path), "--config", config,
        "--variants", "rect_shared,norect_shared,holistic", "--frozen", "24",
        "--synthetic-val", "0", "--eval", ccpd_dir])
    out = capsys.readouterr().out
    table6 = out.split("Table 6")[1].split("Table 7")[0]
    assert "| yes | yes |" in table6 and "| no | yes |" in table6
    table7 = out.split("Table 7")[1]
    assert "ours (STN + shared head)" in table7 and "[12] holistic CNN" in table7
    # the variant without rectification trained on box cuts and is evaluated on box cuts
    frozen.load_frozen(str(tmp_path / "frozen_box_24.npz"),
                       input_pipeline.RecognitionInputConfig(p_box_crop=1.0))
    frozen.load_frozen(str(tmp_path / "frozen_rect_24.npz"), input_pipeline.RecognitionInputConfig())
    _, meta = weights.load_npz(str(tmp_path / "norect_shared" / "recognition.npz"))
    assert meta["rectify"] is False or meta["rectify"] == np.False_
    _, meta = weights.load_npz(str(tmp_path / "rect_shared" / "recognition.npz"))
    assert bool(meta["rectify"])
    assert (tmp_path / "results.json").is_file()
