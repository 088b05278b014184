"""Chinese licence-plate formats: character tables, text <-> class indices, validation, priors.

Text layout (GA 36-2018), index 0 is the leftmost token (a token is one character, except
the two-character suffix 应急 which is printed, and read, as one):
  blue / yellow / white(police): province, letter, 5 characters        (7 tokens)
  the last of those 5 may be a kind suffix: 警 police, 学 driving school, 挂 trailer,
  港 / 澳 cross-border (letter Z), 领 consulate, 应急 emergency rescue (8 characters)
  embassy:                       使, 6 digits                          (7 tokens)
  green new-energy:              province, letter, 6 characters        (8 tokens)
Police plates of some provinces use the letter O at position 2 (e.g. 粤O); no other plate
position uses O. Two-row plates (large yellow vehicles, trailers: province and letter above,
5 characters below) have the same text; see geometry.rectify.stitch_two_row.
The recogniser predicts K = 8 positions: position 0 from PROVINCE_CLASSES (its own head),
positions 1..7 from CHAR_CLASSES (one shared head). A 7-token plate has NONE at position 7.
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
# kind suffixes, the last token of a 7-token plate: police, driving school, trailer,
# Hong Kong / Macau cross-border, consulate, emergency rescue
SPECIAL_SUFFIXES = ("警", "学", "挂", "港", "澳", "领", "应急")
EMBASSY = "使"                           # first token of an embassy plate (使 + 6 digits)
POLICE_LETTER = "O"                      # position 2 of some police plates only

PROVINCE_CLASSES = PROVINCES + (EMBASSY,)
NONE = "_"                               # the "no character" class (8th position of 7-char plates)
# Classes added later are appended, so an older recogniser's head is a prefix of this one
# (train.loop.warm_start copies it and starts only the new classes fresh).
CHAR_CLASSES = (LETTERS + DIGITS + SPECIAL_SUFFIXES[:2] + (NONE,) + (POLICE_LETTER,)
                + SPECIAL_SUFFIXES[2:])
NUM_POSITIONS = 8
NONE_INDEX = CHAR_CLASSES.index(NONE)

PLATE_TYPES = ("blue", "yellow", "green", "white")
# the rarer kinds the data engine draws besides sample_text's (sample_kind_text), and the
# colour each is printed in
PLATE_KINDS = ("police_o", "trailer", "hongkong", "macau", "consulate", "embassy", "emergency")

_PROVINCE_INDEX = {c: i for i, c in enumerate(PROVINCE_CLASSES)}
_CHAR_INDEX = {c: i for i, c in enumerate(CHAR_CLASSES)}


class PlateTextError(ValueError):
    """A plate string that no supported format allows."""


def _allowed_chars(position: int, length: int, first: str = "") -> tuple[str, ...]:
    """Tokens allowed at `position` of a `length`-token plate whose first token is `first`
    ("": any first token)."""
    if first == EMBASSY:
        return DIGITS
    if position == 1:
        return LETTERS + (POLICE_LETTER,)
    if length == 7 and position == 6:
        return LETTERS + DIGITS + SPECIAL_SUFFIXES
    return LETTERS + DIGITS


def tokens(text: str) -> list[str]:
    """Plate text -> its tokens (characters; a trailing 应急 is one token)."""
    multi = [s for s in SPECIAL_SUFFIXES if len(s) > 1 and text.endswith(s)]
    return list(text[:-len(multi[0])]) + multi[:1] if multi else list(text)


def validate_text(text: str) -> str:
    """Returns `text` if it is a valid 7- or 8-token plate, else raises PlateTextError
    naming the offending position and character."""
    if not isinstance(text, str):
        raise PlateTextError(f"plate text must be a string, got {type(text).__name__}")
    toks = tokens(text)
    if len(toks) not in (7, 8):
        raise PlateTextError(f"plate text {text!r} has {len(toks)} characters; expected 7 or 8")
    if toks[0] not in _PROVINCE_INDEX:
        raise PlateTextError(f"plate text {text!r}: character 1 {toks[0]!r} is not a province")
    if toks[0] == EMBASSY and len(toks) != 7:
        raise PlateTextError(f"plate text {text!r}: an embassy plate is 使 and 6 digits")
    for pos in range(1, len(toks)):
        if toks[pos] not in _allowed_chars(pos, len(toks), toks[0]):
            raise PlateTextError(
                f"plate text {text!r}: character {pos + 1} {toks[pos]!r} is not allowed there")
    return text


def serial_letters(text: str) -> int:
    """How many letters the serial (the tokens after province and letter) of text holds. On
    real plates it is at most 2 (all 1207 labelled plates of the shared data; GA 36 allows
    few letters so that plates read unambiguously); a reading with many more is most often
    not a plate (a grille read as 川WWWWWW)."""
    return sum(t in LETTERS for t in tokens(text)[2:])


def zero_serial(text: str) -> bool:
    """Whether the serial of text is only zeros (粤A00000): no plate is issued that number,
    but a camera's caption (a frame counter 0000/00001) reads that way."""
    serial = tokens(text)[2:]
    return bool(serial) and all(t == "0" for t in serial)


def encode_text(text: str) -> np.ndarray:
    """Plate text -> int32 [8]: index 0 into PROVINCE_CLASSES, 1..7 into CHAR_CLASSES."""
    validate_text(text)
    toks = tokens(text)
    out = np.full((NUM_POSITIONS,), NONE_INDEX, np.int32)
    out[0] = _PROVINCE_INDEX[toks[0]]
    for pos, ch in enumerate(toks[1:], start=1):
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


def char_priors(first: str = "") -> np.ndarray:
    """bool [7, len(CHAR_CLASSES)]: which CHAR_CLASSES may appear at text positions 1..7 of
    a plate whose first token is `first` (EMBASSY: the embassy format; otherwise a province).

    Positions where the plate length is unknown admit the union of the 7- and 8-char formats;
    NONE is only possible at position 7."""
    mask = np.zeros((NUM_POSITIONS - 1, len(CHAR_CLASSES)), bool)
    lengths = (7,) if first == EMBASSY else (7, 8)
    for pos in range(1, NUM_POSITIONS):
        allowed = set()
        for length in lengths:
            if pos < length:
                allowed |= set(_allowed_chars(pos, length, first))
        if pos == 7:
            allowed.add(NONE)
        for ch in allowed:
            mask[pos - 1, _CHAR_INDEX[ch]] = True
    return mask


# New-energy (green, 8-token) plates: a small vehicle's serial is the energy letter, a letter
# or digit, 4 digits; a large vehicle's is 5 digits, the letter. The letter is D (battery
# electric) or F (other) in GA 36-2018; A-K are allowed, the letters of the series' 2022
# extension, so a newer plate's letter is not forced to D or F.
ENERGY_LETTERS = tuple("ABCDEFGHJK")
# Hong Kong / Macau cross-border plates are 粤Z and 4 characters before 港 / 澳
CROSS_BORDER_LETTER = "Z"
CROSS_BORDER_SUFFIXES = ("港", "澳")
FORMATS = ("standard", "cross_border", "energy_small", "energy_large")


def format_priors(first: str = "") -> np.ndarray:
    """bool [F, 7, len(CHAR_CLASSES)]: for each plate format, which CHAR_CLASSES it allows at
    text positions 1..7 of a plate whose first token is `first` (NONE at position 7 of a
    7-token format). Formats: FORMATS (7 tokens, possibly ending in a kind suffix; Z and 4
    characters before 港 / 澳; the two new-energy serials), or the embassy one alone for
    first == EMBASSY. A reading takes the format its characters are likeliest under
    (decoding.decode_classifier), so a green plate's digits stay digits. char_priors is
    looser: their union at each position, and any letter or digit anywhere in an 8-token
    serial (labels are checked as loosely: validate_text)."""
    index = lambda chars: [_CHAR_INDEX[c] for c in chars]
    alnum = LETTERS + DIGITS
    if first == EMBASSY:
        shapes = [[DIGITS] * 6 + [(NONE,)]]
    else:
        head = [LETTERS + (POLICE_LETTER,)]
        suffixes = tuple(c for c in SPECIAL_SUFFIXES if c not in CROSS_BORDER_SUFFIXES)
        shapes = [head + [alnum] * 4 + [alnum + suffixes] + [(NONE,)],
                  [(CROSS_BORDER_LETTER,)] + [alnum] * 4 + [CROSS_BORDER_SUFFIXES, (NONE,)],
                  head + [ENERGY_LETTERS, alnum] + [DIGITS] * 4,
                  head + [DIGITS] * 5 + [ENERGY_LETTERS]]
    out = np.zeros((len(shapes), NUM_POSITIONS - 1, len(CHAR_CLASSES)), bool)
    for f, rows in enumerate(shapes):
        for pos, chars in enumerate(rows):
            out[f, pos, index(chars)] = True
    return out


# plate colour of each kind suffix (and of embassy plates)
_KIND_COLOURS = {"警": "white", "应急": "white", "学": "yellow", "挂": "yellow",
                 "港": "black", "澳": "black", "领": "black"}


def plate_type_of_text(text: str) -> str:
    """Best guess of the plate colour from the text alone (8 tokens -> green, 警 -> white,
    使 / 港 / 澳 / 领 -> black, ...)."""
    toks = tokens(text)
    if len(toks) == 8:
        return "green"
    if toks[0] == EMBASSY:
        return "black"
    return _KIND_COLOURS.get(toks[-1], "blue")


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

    Serial characters follow the issuing practice: mostly digits, up to 3 letters, letters
    most often first (real plates, ccpd_600 and easypr_dev: 1.2-1.6 letters per 5-character
    serial, the first a letter on 52-73% of them). Fewer letters than that left the
    recogniser reading rare letters as digits (M -> 1, T -> 7, G -> 6)."""
    if plate_type not in PLATE_TYPES:
        raise ValueError(f"unknown plate type {plate_type!r}; expected one of {PLATE_TYPES}")
    prov = province if province is not None else PROVINCES[rng.integers(len(PROVINCES))]
    letter = LETTERS[rng.integers(len(LETTERS))]

    def serial(n: int, max_letters: int) -> list[str]:
        chars = [DIGITS[i] for i in rng.integers(10, size=n)]
        k = min(max_letters, int(rng.choice(4, p=[0.15, 0.35, 0.35, 0.15])))
        where = np.array([3.0] + [1.0] * (n - 1))
        for pos in rng.choice(n, size=k, replace=False, p=where / where.sum()):
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


def sample_kind_text(rng: np.random.Generator, kind: str) -> str:
    """A random text of one of PLATE_KINDS (its colour: plate_type_of_text)."""
    prov = PROVINCES[rng.integers(len(PROVINCES))]
    letter = LETTERS[rng.integers(len(LETTERS))]
    digits = lambda n: "".join(DIGITS[i] for i in rng.integers(10, size=n))
    if kind == "police_o":     # e.g. 粤O·A2160: a blue plate, an ordinary serial
        return validate_text(prov + POLICE_LETTER + sample_text(rng, "blue")[2:])
    if kind == "trailer":
        return validate_text(prov + letter + digits(4) + "挂")
    if kind in ("hongkong", "macau"):
        return validate_text("粤Z" + digits(4) + ("港" if kind == "hongkong" else "澳"))
    if kind == "consulate":
        return validate_text(prov + letter + digits(4) + "领")
    if kind == "embassy":
        return validate_text(EMBASSY + digits(6))
    if kind == "emergency":
        return validate_text(prov + letter + digits(4) + "应急")
    raise ValueError(f"unknown plate kind {kind!r}; expected one of {PLATE_KINDS}")
