import pytest

from alpr_jax.evaluate.metrics import edit_distance, recognition_metrics


def test_edit_distance():
    assert edit_distance("皖AY339S", "皖AY339S") == 0
    assert edit_distance("皖AY339S", "皖AY338S") == 1
    assert edit_distance("皖AY339S", "皖AY39S") == 1
    assert edit_distance("", "abc") == 3
    assert edit_distance("皖AD12345", "皖AD1234") == 1


def test_recognition_metrics():
    targets = ["皖AY339S", "沪BD12345", "京A12345", "粤B77777"]
    preds = ["皖AY339S", "沪BD12346", "苏A12345", "粤B7777"]
    m = recognition_metrics(preds, targets)
    assert m["n"] == 4 and m["acc"] == 0.25
    assert m["acc_1e"] == 1.0 and m["acc_2e"] == 1.0
    assert m["acc_1"] == 0.75                     # province right on 3 of 4
    assert m["acc_2_7"] == 0.5                    # 皖AY339S and 京->苏 only differ at char 1
    assert m["cer"] == pytest.approx(3 / 29)     # 3 edits over 7 + 8 + 7 + 7 characters
    with pytest.raises(ValueError):
        recognition_metrics(["a"], [])
