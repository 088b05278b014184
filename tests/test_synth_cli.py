import json
import os

import numpy as np

from alpr_jax import cli
from alpr_jax.data import annotations, images


def test_synth_writes_readable_labels_deterministically(tmp_path):
    for kind, count in (("plates", 4), ("scenes", 2)):
        out_a, out_b = tmp_path / f"{kind}_a", tmp_path / f"{kind}_b"
        for out in (out_a, out_b):
            assert cli.main(["synth", "--kind", kind, "--count", str(count), "--out", str(out),
                             "--seed", "11"]) == 0
        records = annotations.read_annotations(str(out_a))
        assert len(records) == count
        for r in records:
            image = images.read_image(r.path)
            for p in r.plates:
                assert len(p.text) in (7, 8) and p.corners.shape == (4, 2)
                assert (p.corners.min(0) >= -1).all()
                assert (p.corners.max(0) <= np.array(image.shape[1::-1]) + 1).all()
        for name in os.listdir(out_a):
            assert (out_a / name).read_bytes() == (out_b / name).read_bytes(), name
        if kind == "plates":
            assert all(len(r.plates) == 1 for r in records)


def test_synth_extends_an_interrupted_run(tmp_path):
    out = tmp_path / "plates"
    cli.main(["synth", "--kind", "plates", "--count", "2", "--out", str(out), "--seed", "3"])
    cli.main(["synth", "--kind", "plates", "--count", "1", "--out", str(out), "--seed", "3",
              "--start", "2"])
    lines = [json.loads(l) for l in (out / "labels.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [l["path"] for l in lines] == ["plate_0000000.png", "plate_0000001.png", "plate_0000002.png"]


def test_preview_writes_png(tmp_path, crops_dir):
    out = tmp_path / "sheet.png"
    assert cli.main(["preview", "--out", str(out), "--real-crops", crops_dir]) == 0
    sheet = images.read_image(str(out))
    assert sheet.shape[0] > 500 and sheet.shape[1] > 500


def test_cli_usage(capsys):
    assert cli.main(["nonsense"]) == 2
    assert "synth" in capsys.readouterr().out


def test_scenes_on_plain_photo_backgrounds(tmp_path, ccpd_dir):
    # a plate-free "photo": the top of a real scene, above its plate
    record = annotations.read_annotations(ccpd_dir)[0]
    top = images.read_image(record.path)[:int(record.plates[0].bbox[1]) - 10]
    (tmp_path / "photos").mkdir()
    images.write_image(str(tmp_path / "photos" / "street.jpg"), top)
    from alpr_jax.data import synth
    bg = synth.background_records(plain=str(tmp_path / "photos"))
    assert len(bg) == 1 and bg[0].plates == ()
    assert cli.main(["synth", "--kind", "scenes", "--count", "2", "--out", str(tmp_path / "s"),
                     "--plain-backgrounds", str(tmp_path / "photos")]) == 0
    assert len(annotations.read_annotations(str(tmp_path / "s"))) == 2
