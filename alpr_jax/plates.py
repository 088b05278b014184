"""Chinese licence-plate formats: character tables, text <-> class indices, validation, priors.

Text layout (GA 36-2018), index 0 is the leftmost character:
  blue / yellow / white(police): province, letter, 5 characters        (7 chars)
  green new-energy:              province, letter, 6 characters        (8 chars)
The recogniser predicts K = 8 positions: position 0 from PROVINCE_CLASSES (its own head),
positions 1..7 from CHAR_CLASSES (one shared head). A 7-character plate has NONE at position 7.
"""
from __future__ import annotations

import numpy as np

# CCPD's index tables, verbatim ('O' is CCPD's "no character" sign; real plates never use O).
CCPD_PROVINCES = tuple("皖沪津渝冀晋蒙辽吉黑苏浙京闽赣鲁豫鄂湘粤桂琼川贵云藏陕甘青宁新警学O")
CCPD_ALPHABETS = tuple("ABCDEFGHJKLMNPQRSTUVWXYZO")
CCPD_ADS = tuple("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789O")
CCPD_NO_CHAR = "O"

PROVINCES = CCPD_PROVINCES[:31]          # the 31 mainland provincial abbreviations
LETTERS = CCPD_ALPHABETS[:24]            # A-Z without I and O
DIGITS = tuple("0123456789")
SPECIAL_SUFFIXES = ("警", "学")          # police, driving-school: last char of a 7-char plate

PROVINCE_CLASSES = PROVINCES
NONE = "_"                               # the "no character" class (8th position of 7-char plates)
CHAR_CLASSES = LETTERS + DIGITS + SPECIAL_SUFFIXES + (NONE,)
NUM_POSITIONS = 8
NONE_INDEX = CHAR_CLASSES.index(NONE)

PLATE_TYPES = ("blue", "yellow", "green", "white")

_PROVINCE_INDEX = {c: i for i, c in enumerate(PROVINCE_CLASSES)}
_CHAR_INDEX = {c: i for i, c in enumerate(CHAR_CLASSES)}


class PlateTextError(ValueError):
    """A plate string that no supported format allows."""


def _allowed_chars(position: int, length: int) -> tuple[str, ...]:
    if position == 1:
        return LETTERS
    if length == 7 and position == 6:
        return LETTERS + DIGITS + SPECIAL_SUFFIXES
    return LETTERS + DIGITS


def validate_text(text: str) -> str:
    """Returns `text` if it is a valid 7- or 8-character plate, else raises PlateTextError
    naming the offending position and character."""
    if not isinstance(text, str):
        raise PlateTextError(f"plate text must be a string, got {type(text).__name__}")
    if len(text) not in (7, 8):
        raise PlateTextError(f"plate text {text!r} has {len(text)} characters; expected 7 or 8")
    if text[0] not in _PROVINCE_INDEX:
        raise PlateTextError(f"plate text {text!r}: character 1 {text[0]!r} is not a province")
    for pos in range(1, len(text)):
        if text[pos] not in _allowed_chars(pos, len(text)):
            raise PlateTextError(
                f"plate text {text!r}: character {pos + 1} {text[pos]!r} is not allowed there")
    return text


def encode_text(text: str) -> np.ndarray:
    """Plate text -> int32 [8]: index 0 into PROVINCE_CLASSES, 1..7 into CHAR_CLASSES."""
    validate_text(text)
    out = np.full((NUM_POSITIONS,), NONE_INDEX, np.int32)
    out[0] = _PROVINCE_INDEX[text[0]]
    for pos, ch in enumerate(text[1:], start=1):
        out[pos] = _CHAR_INDEX[ch]
    return out


def decode_indices(indices) -> str:
    """int [8] class indices -> plate text; NONE positions are dropped."""
    indices = np.asarray(indices)
    if indices.shape != (NUM_POSITIONS,):
        raise ValueError(f"expected {NUM_POSITIONS} class indices, got shape {indices.shape}")
    chars = [PROVINCE_CLASSES[int(indices[0])]]
    chars += [CHAR_CLASSES[int(i)] for i in indices[1:]]
    return "".join(c for c in chars if c != NONE)


def char_priors() -> np.ndarray:
    """bool [7, len(CHAR_CLASSES)]: which CHAR_CLASSES may appear at text positions 1..7.

    Positions where the plate length is unknown admit the union of the 7- and 8-char formats;
    NONE is only possible at position 7."""
    mask = np.zeros((NUM_POSITIONS - 1, len(CHAR_CLASSES)), bool)
    for pos in range(1, NUM_POSITIONS):
        allowed = set(_allowed_chars(pos, 8))
        if pos < 7:
            allowed |= set(_allowed_chars(pos, 7))
        else:
            allowed.add(NONE)
        for ch in allowed:
            mask[pos - 1, _CHAR_INDEX[ch]] = True
    return mask


def plate_type_of_text(text: str) -> str:
    """Best guess of the plate colour from the text alone (8 chars -> green, 警 -> white)."""
    if len(text) == 8:
        return "green"
    if text.endswith("警"):
        return "white"
    if text.endswith("学"):
        return "yellow"
    return "blue"


def decode_ccpd_indices(indices: list[int]) -> str:
    """CCPD field-5 indices -> text, by CCPD's three tables. Raises ValueError on a bad index."""
    if len(indices) not in (7, 8):
        raise ValueError(f"expected 7 or 8 character indices, got {len(indices)}")
    tables = [CCPD_PROVINCES, CCPD_ALPHABETS] + [CCPD_ADS] * (len(indices) - 2)
    chars = []
    for pos, (idx, table) in enumerate(zip(indices, tables)):
        if not 0 <= idx < len(table):
            raise ValueError(f"character {pos + 1} index {idx} outside its table (0..{len(table) - 1})")
        if table[idx] == CCPD_NO_CHAR:
            raise ValueError(f"character {pos + 1} index {idx} is CCPD's no-character sign")
        chars.append(table[idx])
    return "".join(chars)


def encode_ccpd_indices(text: str) -> list[int]:
    """Plate text -> CCPD field-5 indices (the inverse of decode_ccpd_indices)."""
    tables = [CCPD_PROVINCES, CCPD_ALPHABETS] + [CCPD_ADS] * (len(text) - 2)
    try:
        return [table.index(ch) for ch, table in zip(text, tables)]
    except ValueError as e:
        raise PlateTextError(f"plate text {text!r} cannot be written in CCPD's tables") from e


# --- Text sampling for the synthetic data engine ------------------------------------------

def sample_text(rng: np.random.Generator, plate_type: str, province: str | None = None) -> str:
    """A random plausible plate text of the given type; provinces uniform unless given.

    Serial characters follow the issuing practice: mostly digits, up to 3 letters."""
    if plate_type not in PLATE_TYPES:
        raise ValueError(f"unknown plate type {plate_type!r}; expected one of {PLATE_TYPES}")
    prov = province if province is not None else PROVINCES[rng.integers(len(PROVINCES))]
    letter = LETTERS[rng.integers(len(LETTERS))]

    def serial(n: int, max_letters: int) -> list[str]:
        chars = [DIGITS[i] for i in rng.integers(10, size=n)]
        k = min(max_letters, int(rng.choice(4, p=[0.35, 0.35, 0.22, 0.08])))
        for pos in rng.choice(n, size=k, replace=False):
            chars[pos] = LETTERS[rng.integers(len(LETTERS))]
        return chars

    if plate_type == "green":
        if rng.random() < 0.75:   # small new-energy car: D/F, letter-or-digit, 4 digits
            tail = [("D", "F")[rng.integers(2)]]
            tail += serial(1, 1) + [DIGITS[i] for i in rng.integers(10, size=4)]
        else:                     # large new-energy vehicle: 5 digits, D/F
            tail = [DIGITS[i] for i in rng.integers(10, size=5)] + [("D", "F")[rng.integers(2)]]
        return validate_text(prov + letter + "".join(tail))
    if plate_type == "white":
        return validate_text(prov + letter + "".join(serial(4, 1)) + "警")
    if plate_type == "yellow" and rng.random() < 0.1:
        return validate_text(prov + letter + "".join(serial(4, 1)) + "学")
    return validate_text(prov + letter + "".join(serial(5, 3)))
