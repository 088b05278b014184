"""eval.py --task pipeline on the bundled examples: both plates found and read."""
import os

from alpr_jax.evaluate.end_to_end import evaluate_alpr
from alpr_jax.pipeline.alpr import ALPR

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples")


def test_evaluate_alpr_on_examples():
    result = evaluate_alpr(ALPR.load(), EXAMPLES)
    assert result["n"] == 2 and result["detected"] == 1.0 and result["errors"] == []
    rows = {r["target"]: r["prediction"] for r in result["predictions"]}
    assert rows["皖A158Y2"] == "皖A158Y2"
    assert rows["皖AD12777"] == "皖AD12777"       # the green plate, all 8 characters
    assert result["ms_total"] > 0 and result["false_positives"] >= 0


def test_score_readings_by_box_and_quadrilateral():
    # the scorer that eval.py and benchmarks/peers.py share: a reading counts where it
    # overlaps a labelled plate and has its text; the rest are false detections
    import numpy as np
    from alpr_jax.data.annotations import ImageRecord, PlateLabel
    from alpr_jax.evaluate.end_to_end import score_readings
    quad = np.array([[100, 100], [220, 104], [220, 140], [100, 136]], np.float32)
    records = [ImageRecord("a.jpg", (PlateLabel("皖A12345", quad, None),)),
               ImageRecord("b.jpg", (PlateLabel("沪B54321", None, np.array([10, 10, 130, 50],
                                                                           np.float32)),)),
               ImageRecord("c.jpg", (PlateLabel("京C00001", quad, None),))]
    far = quad + 400
    readings = [[(quad + 2, 0.9, "皖A12345"), (far, 0.8, "皖A99999")],      # read + 1 false
                [([[12, 8], [128, 8], [128, 52], [12, 52]], 0.9, "沪B54320")],  # found, misread
                None]                                                     # unreadable photo
    m = score_readings(records, readings, boxes=True)
    assert m["n"] == 2 and m["acc"] == 0.5 and m["detected"] == 1.0
    assert m["false_positives"] == 1 and m["false_per_image"] == 0.5
    assert m["match"] == "box IoU >= 0.3"
    # by quadrilateral (the labels of a and c have corners); a box-shaped reading of a still
    # overlaps it at IoU > 0.5
    m = score_readings(records[:1], [[(quad + 2, 0.9, "皖A12345")]])
    assert m["acc"] == 1.0 and m["match"].startswith("quadrilateral")
    # the per-photo matching that the scorer and scripts/misses_sheet.py share: a box-only
    # label is matched as its box's corners
    from alpr_jax.evaluate.end_to_end import match_readings
    gt_quads, tp, which = match_readings(records[1], readings[1], boxes=True)
    np.testing.assert_array_equal(gt_quads[0], [[10, 10], [130, 10], [130, 50], [10, 50]])
    assert tp.tolist() == [True] and which.tolist() == [0]
    _, tp, which = match_readings(records[0], readings[0], boxes=False)
    assert tp.tolist() == [True, False] and which.tolist() == [0, -1]


def test_score_readings_plate_type():
    # where the labels say a colour and the readings carry a plate type, the found plates'
    # types are scored ("_two_row" aside); a label without a colour is not counted
    import numpy as np
    from alpr_jax.data.annotations import ImageRecord, PlateLabel
    from alpr_jax.evaluate.end_to_end import score_readings
    quad = np.array([[100, 100], [220, 104], [220, 140], [100, 136]], np.float32)
    records = [ImageRecord("a.jpg", (PlateLabel("皖A12345", quad, None, "yellow"),)),
               ImageRecord("b.jpg", (PlateLabel("皖A12346", quad, None, "blue"),)),
               ImageRecord("c.jpg", (PlateLabel("皖A12347", quad, None),))]
    readings = [[(quad, 0.9, "皖A12345", "yellow_two_row")], [(quad, 0.9, "皖A12346", "black")],
                [(quad, 0.9, "皖A12347", "blue")]]
    m = score_readings(records, readings)
    assert m["plate_type_right"] == 0.5 and m["plate_type_n"] == 2
    assert "plate_type_right" not in score_readings(records, [[r[0][:3]] for r in readings])


def test_confidence_table_on_examples(capsys):
    # scripts/confidence_table.py: the found plates' (confidence, read exactly) and the table
    from conftest import load_script
    script = load_script("confidence_table")
    rows = script.found_readings(ALPR.load(), EXAMPLES)
    assert len(rows) == 2 and all(right and 0 < conf <= 1 for conf, right in rows)
    assert script.main(["--data", EXAMPLES, "--thresholds", "0", "1"]) == 0
    out = capsys.readouterr().out
    assert "2 plates found, 2 read exactly" in out and "| 0 | 2 | 1.000 | 1.000 | 0 |" in out
    assert "| 1 | 0 | 0.000 | nan | 0 |" in out
