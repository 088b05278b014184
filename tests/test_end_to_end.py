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
