import collections

import numpy as np
import pytest

from alpr_jax import plates


def test_round_trip_every_class_7_and_8_chars():
    for i, prov in enumerate(plates.PROVINCES):
        letter = plates.LETTERS[i % len(plates.LETTERS)]
        for tail in ("12345", "A9Z0B", "D12345", "12345F"):
            text = prov + letter + tail
            idx = plates.encode_text(text)
            assert idx.shape == (8,) and idx.dtype == np.int32
            assert plates.decode_indices(idx) == text
    # every char class that may appear, at every position that allows it
    for ch in plates.LETTERS + plates.DIGITS:
        text = "京A" + ch * 5
        assert plates.decode_indices(plates.encode_text(text)) == text
    for suffix in plates.SPECIAL_SUFFIXES:
        assert plates.decode_indices(plates.encode_text("粤B1234" + suffix)) == "粤B1234" + suffix


def test_seven_char_plate_has_none_at_position_8():
    idx = plates.encode_text("皖AY339S")
    assert idx[7] == plates.NONE_INDEX
    assert plates.encode_text("皖AD12345")[7] != plates.NONE_INDEX


@pytest.mark.parametrize("text, fragment", [
    ("皖AY339", "7 or 8"), ("皖AY339S12", "7 or 8"), ("XAY339S", "character 1"),
    ("皖1Y339S", "character 2"), ("皖AI339S", "character 3"), ("皖AY33OS", "character 6"),
    ("皖A警339S", "character 3"), ("皖AD1234警", "character 8"), ("皖a12345", "character 2"),
])
def test_validation_names_the_position(text, fragment):
    with pytest.raises(plates.PlateTextError, match=fragment):
        plates.encode_text(text)


def test_priors():
    priors = plates.char_priors()
    assert priors.shape == (7, len(plates.CHAR_CLASSES))
    letters = [plates.CHAR_CLASSES.index(c) for c in plates.LETTERS + (plates.POLICE_LETTER,)]
    assert priors[0, letters].all() and priors[0].sum() == len(letters)          # char 2: letter
    embassy = plates.char_priors(plates.EMBASSY)
    digits = [plates.CHAR_CLASSES.index(c) for c in plates.DIGITS]
    assert embassy[:6, digits].all() and embassy[:6].sum() == 60                 # 使 + 6 digits
    assert embassy[6, plates.NONE_INDEX] and embassy[6].sum() == 1
    assert priors[:6, plates.NONE_INDEX].sum() == 0 and priors[6, plates.NONE_INDEX]
    rng = np.random.default_rng(0)
    for plate_type in plates.PLATE_TYPES:
        for _ in range(50):
            idx = plates.encode_text(plates.sample_text(rng, plate_type))
            assert priors[np.arange(7), idx[1:]].all()


def test_every_drawn_text_fits_a_format_and_formats_lie_within_the_priors():
    rng = np.random.default_rng(3)
    texts = [plates.sample_text(rng, t) for t in plates.PLATE_TYPES for _ in range(100)]
    texts += [plates.sample_kind_text(rng, k) for k in plates.PLATE_KINDS for _ in range(30)]
    texts += ["皖AD12345", "皖AA12345", "粤BK0001", "京A12345F", "粤Z1234港"]
    for text in texts:
        idx = plates.encode_text(text)
        formats = plates.format_priors(plates.EMBASSY if text[0] == plates.EMBASSY else "")
        assert formats[:, np.arange(7), idx[1:]].all(1).any(), text
    formats = plates.format_priors()
    assert formats.shape == (len(plates.FORMATS), 7, len(plates.CHAR_CLASSES))
    assert not (formats.any(0) & ~plates.char_priors()).any()
    # an 8-token serial with a letter among its last 4, or a 7-token one ending in 港 after
    # a letter other than Z, fits none
    for text in ("皖AD12B45", "皖A1234B5", "皖M1234港"):
        idx = plates.encode_text(text)
        assert not formats[:, np.arange(7), idx[1:]].all(1).any(), text


def test_sampling_is_province_balanced_and_typed():
    rng = np.random.default_rng(1)
    texts = [plates.sample_text(rng, "blue") for _ in range(3100)]
    counts = collections.Counter(t[0] for t in texts)
    assert set(counts) == set(plates.PROVINCES)
    assert min(counts.values()) > 60   # expectation 100 each
    assert all(len(plates.sample_text(rng, "green")) == 8 for _ in range(20))
    assert all(plates.sample_text(rng, "white").endswith("警") for _ in range(20))
    with pytest.raises(ValueError, match="unknown plate type"):
        plates.sample_text(rng, "purple")


def test_serial_letters_counts_the_serial_only():
    assert plates.serial_letters("皖AD12345") == 1          # A is the issuing letter
    assert plates.serial_letters("粤AAD348") == 2
    assert plates.serial_letters("川WWWWWW") == 5
    assert plates.serial_letters("粤Z1234港") == 0
    # the synthetic engine's serials stay within what the ReadGate accepts (3)
    rng = np.random.default_rng(2)
    assert max(plates.serial_letters(plates.sample_text(rng, t))
               for t in plates.PLATE_TYPES for _ in range(300)) == 3


def test_ccpd_index_tables():
    assert len(plates.CCPD_PROVINCES) == 34 and len(plates.CCPD_ALPHABETS) == 25
    assert len(plates.CCPD_ADS) == 35
    assert plates.decode_ccpd_indices([0, 0, 22, 27, 27, 33, 16]) == "皖AY339S"
    for text in ("皖AY339S", "沪BD12345"):
        assert plates.decode_ccpd_indices(plates.encode_ccpd_indices(text)) == text
    with pytest.raises(plates.PlateTextError, match="CCPD's tables"):   # 警 is not in ADS
        plates.encode_ccpd_indices("京A1234警")
    with pytest.raises(ValueError, match="character 3 index 35"):
        plates.decode_ccpd_indices([0, 0, 35, 1, 1, 1, 1])
    with pytest.raises(ValueError, match="no-character"):
        plates.decode_ccpd_indices([0, 24, 1, 1, 1, 1, 1])


def test_plate_kinds_round_trip_and_colours():
    rng = np.random.default_rng(2)
    colours = {"police_o": "blue", "trailer": "yellow", "hongkong": "black", "macau": "black",
               "consulate": "black", "embassy": "black", "emergency": "white"}
    for kind in plates.PLATE_KINDS:
        for _ in range(20):
            text = plates.sample_kind_text(rng, kind)
            idx = plates.encode_text(text)
            assert plates.decode_indices(idx) == text
            assert plates.plate_type_of_text(text) == colours[kind]
            first = plates.EMBASSY if text[0] == plates.EMBASSY else ""
            assert plates.char_priors(first)[np.arange(7), idx[1:]].all()
    # 应急 is one token: 7 tokens, 8 characters
    assert plates.tokens("京A1234应急") == list("京A1234") + ["应急"]
    assert plates.encode_text("京A1234应急")[7] == plates.NONE_INDEX
    assert plates.decode_indices(plates.encode_text("使014578")) == "使014578"
    for bad, fragment in [("使A14578", "character 2"), ("京AO2345", "character 3"),
                          ("京A12应急45", "character 5"), ("使0145789", "embassy")]:
        with pytest.raises(plates.PlateTextError, match=fragment):
            plates.encode_text(bad)


def test_class_tables_only_append():
    # warm starts copy an older head's classes as a prefix (train.loop.warm_start)
    older_chars = plates.LETTERS + plates.DIGITS + ("警", "学", plates.NONE)
    assert plates.CHAR_CLASSES[:len(older_chars)] == older_chars
    assert plates.PROVINCE_CLASSES[:31] == plates.PROVINCES
    assert len(set(plates.CHAR_CLASSES)) == len(plates.CHAR_CLASSES)
