"""Annotation readers: CCPD-named images, crops named by their text, labels.jsonl and EasyPR's
GroundTruth.xml.

One entry point, `read_annotations(path)`, recognises the four layouts and returns
`ImageRecord`s. Coordinates are pixels of the original image, x right, y down; corners are
[4, 2] float32 (x, y), clockwise from top-left: TL, TR, BR, BL. Boxes are [4] float32
(x1, y1, x2, y2).
"""
from __future__ import annotations

import dataclasses
import glob
import json
import os

import numpy as np

from alpr_jax import plates
from alpr_jax.data.images import IMAGE_EXTENSIONS, read_image

LABELS_FILE = "labels.jsonl"
EASYPR_FILE = "GroundTruth.xml"


class AnnotationError(ValueError):
    """A malformed annotation; the message names the file (and line) and the field."""


@dataclasses.dataclass(frozen=True)
class PlateLabel:
    text: str | None                  # None where only the location is known
    corners: np.ndarray | None        # [4, 2] float32, clockwise from top-left
    bbox: np.ndarray | None           # [4] float32 x1, y1, x2, y2
    colour: str | None = None         # the plate's colour where the labels say it (EasyPR's
                                      # words; CCPD: blue, or green for 8 characters), as
                                      # pipeline.alpr.plate_type names it; None: not said

    def box(self) -> np.ndarray | None:
        """The axis-aligned box: the given one, else the corners' bounds."""
        if self.bbox is not None:
            return self.bbox
        if self.corners is not None:
            return corners_to_bbox(self.corners)
        return None


@dataclasses.dataclass(frozen=True)
class ImageRecord:
    path: str
    plates: tuple[PlateLabel, ...]
    is_crop: bool = False             # the whole image is one plate (crop datasets)
    meta: dict = dataclasses.field(default_factory=dict)


def corners_to_bbox(corners: np.ndarray) -> np.ndarray:
    """[4, 2] corners -> [4] (x1, y1, x2, y2) bounds."""
    from alpr_jax.geometry.boxes import corner_bounds
    return corner_bounds(np.asarray(corners, np.float32))


def check_corners(corners, where: str) -> np.ndarray:
    """Validates [4, 2] finite corners ordered clockwise (in image coordinates, y down)."""
    try:
        c = np.asarray(corners, np.float32)
    except (TypeError, ValueError) as e:
        raise AnnotationError(f"{where}: corners are not numbers ({e})") from None
    if c.shape != (4, 2):
        raise AnnotationError(f"{where}: corners must be [[x, y] x 4], got shape {c.shape}")
    if not np.isfinite(c).all():
        raise AnnotationError(f"{where}: corners contain NaN or infinity")
    x, y = c[:, 0], c[:, 1]
    twice_area = np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y)  # > 0 is clockwise with y down
    if twice_area <= 0:
        raise AnnotationError(f"{where}: corners must be clockwise from top-left (TL, TR, BR, BL)")
    return c


def check_bbox(bbox, where: str) -> np.ndarray:
    try:
        b = np.asarray(bbox, np.float32)
    except (TypeError, ValueError) as e:
        raise AnnotationError(f"{where}: bbox is not numbers ({e})") from None
    if b.shape != (4,) or not np.isfinite(b).all() or b[2] <= b[0] or b[3] <= b[1]:
        raise AnnotationError(f"{where}: bbox must be [x1, y1, x2, y2] with x2 > x1, y2 > y1, got {bbox}")
    return b


# --- CCPD file names ------------------------------------------------------------------------

CCPD_FIELDS = ("area", "tilt", "bbox", "corners", "characters", "brightness", "blurriness")


def _ccpd_ints(text: str, sep: str, n: int, path: str, field: int) -> list[int]:
    parts = text.split(sep)
    if len(parts) != n or not all(p.lstrip("-").isdigit() for p in parts):
        raise AnnotationError(
            f"{path}: CCPD field {field} ({CCPD_FIELDS[field - 1]}) {text!r} is not {n} integers "
            f"separated by {sep!r}")
    return [int(p) for p in parts]


def _ccpd_points(text: str, n: int, path: str, field: int) -> np.ndarray:
    points = text.split("_")
    if len(points) != n:
        raise AnnotationError(
            f"{path}: CCPD field {field} ({CCPD_FIELDS[field - 1]}) {text!r} has {len(points)} "
            f"points, expected {n}")
    return np.array([_ccpd_ints(p, "&", 2, path, field) for p in points], np.float32)


def parse_ccpd_name(path: str) -> ImageRecord:
    """Parses a CCPD file name (all seven fields). Raises AnnotationError naming file and field.

    CCPD lists corners from bottom-right, clockwise (BR, BL, TL, TR); we return TL, TR, BR, BL."""
    stem = os.path.splitext(os.path.basename(path))[0]
    fields = stem.split("-")
    if len(fields) != 7:
        raise AnnotationError(f"{path}: a CCPD name has 7 fields separated by '-', found {len(fields)}")
    if not fields[0].isdigit():
        raise AnnotationError(f"{path}: CCPD field 1 (area) {fields[0]!r} is not a number")
    tilt = _ccpd_ints(fields[1], "_", 2, path, 2)
    box_pts = _ccpd_points(fields[2], 2, path, 3)
    ccpd_corners = _ccpd_points(fields[3], 4, path, 4)
    indices = _ccpd_ints(fields[4], "_", len(fields[4].split("_")), path, 5)
    try:
        text = plates.decode_ccpd_indices(indices)
    except ValueError as e:
        raise AnnotationError(f"{path}: CCPD field 5 (characters) {fields[4]!r}: {e}") from None
    brightness = _ccpd_ints(fields[5], "_", 1, path, 6)[0]
    blurriness = _ccpd_ints(fields[6], "_", 1, path, 7)[0]
    bbox = box_pts.reshape(4)
    if bbox[2] <= bbox[0] or bbox[3] <= bbox[1]:
        raise AnnotationError(f"{path}: CCPD field 3 (bbox) {fields[2]!r} is not top-left, bottom-right")
    corners = ccpd_corners[[2, 3, 0, 1]]
    corners = check_corners(corners, f"{path}: CCPD field 4 (corners)")
    meta = {"area_ratio": fields[0], "tilt": tuple(tilt), "brightness": brightness,
            "blurriness": blurriness}
    colour = "green" if len(plates.tokens(text)) == 8 else "blue"   # CCPD2019 / CCPD-Green
    return ImageRecord(path, (PlateLabel(text, corners, bbox, colour),), meta=meta)


def ccpd_name(corners: np.ndarray, text: str, image_hw: tuple[int, int], bbox=None,
              brightness: int = 100, blurriness: int = 0) -> str:
    """Writes a CCPD-style name for one plate (inverse of parse_ccpd_name, tilt set to 90_90)."""
    c = np.round(np.asarray(corners)).astype(int)
    b = np.round(corners_to_bbox(corners) if bbox is None else np.asarray(bbox)).astype(int)
    area = (b[2] - b[0]) * (b[3] - b[1]) / float(image_hw[0] * image_hw[1])
    pts = "_".join(f"{x}&{y}" for x, y in c[[2, 3, 0, 1]])
    idx = "_".join(str(i) for i in plates.encode_ccpd_indices(text))
    return (f"{int(area * 1000):03d}-90_90-{b[0]}&{b[1]}_{b[2]}&{b[3]}-{pts}-{idx}-"
            f"{brightness}-{blurriness}.jpg")


def looks_like_ccpd_name(path: str) -> bool:
    return len(os.path.splitext(os.path.basename(path))[0].split("-")) >= 5


# --- Crops named by their text --------------------------------------------------------------

def parse_crop_name(path: str) -> ImageRecord:
    """`京PL3N67.jpg` or `京PL3N67_2.jpg` -> a crop record whose whole image is the plate."""
    text = os.path.splitext(os.path.basename(path))[0].split("_")[0]
    try:
        plates.validate_text(text)
    except plates.PlateTextError as e:
        raise AnnotationError(f"{path}: file name is not a plate text: {e}") from None
    return ImageRecord(path, (PlateLabel(text, None, None),), is_crop=True)


# --- labels.jsonl -----------------------------------------------------------------------------

def _plate_from_json(obj: dict, where: str, require_location: bool = True) -> PlateLabel:
    if not isinstance(obj, dict):
        raise AnnotationError(f"{where}: a plate must be a JSON object, got {type(obj).__name__}")
    text = obj.get("text")
    if text is not None:
        try:
            plates.validate_text(text)
        except plates.PlateTextError as e:
            raise AnnotationError(f"{where}: field 'text': {e}") from None
    corners = obj.get("corners")
    bbox = obj.get("bbox")
    if corners is None and bbox is None and require_location:
        raise AnnotationError(f"{where}: a plate needs 'corners' or 'bbox'")
    corners = None if corners is None else check_corners(corners, f"{where}: field 'corners'")
    bbox = None if bbox is None else check_bbox(bbox, f"{where}: field 'bbox'")
    return PlateLabel(text, corners, bbox)


def read_labels_jsonl(jsonl_path: str) -> list[ImageRecord]:
    """Reads labels.jsonl. Each line: {"path", "corners" | "bbox", "text"} for one plate, or
    {"path", "plates": [...]} for any number (an empty list marks an image without plates);
    `path` is relative to the file's folder. Lines with the same path are merged."""
    root = os.path.dirname(os.path.abspath(jsonl_path))
    by_path: dict[str, list[PlateLabel]] = {}
    crops: dict[str, bool] = {}
    with open(jsonl_path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, start=1):
            if not line.strip():
                continue
            where = f"{jsonl_path}:{lineno}"
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                raise AnnotationError(f"{where}: not valid JSON ({e.msg})") from None
            if not isinstance(obj, dict) or not isinstance(obj.get("path"), str):
                raise AnnotationError(f"{where}: field 'path' is missing or not a string")
            path = os.path.join(root, obj["path"])
            entries = by_path.setdefault(path, [])
            if "plates" in obj:
                if not isinstance(obj["plates"], list):
                    raise AnnotationError(f"{where}: field 'plates' must be a list")
                entries += [_plate_from_json(p, f"{where}: plates[{i}]")
                            for i, p in enumerate(obj["plates"])]
            elif obj.get("corners") is None and obj.get("bbox") is None and "text" in obj:
                entries.append(_plate_from_json(obj, where, require_location=False))
                crops[path] = True   # text only: the whole image is the plate
            else:
                entries.append(_plate_from_json(obj, where))
    return [ImageRecord(p, tuple(v), is_crop=crops.get(p, False)) for p, v in sorted(by_path.items())]


# --- EasyPR's GroundTruth.xml ---------------------------------------------------------------

def rotated_rect_bounds(cx: float, cy: float, w: float, h: float, angle_deg: float) -> np.ndarray:
    """[4] bounds (x1, y1, x2, y2) of an OpenCV RotatedRect (centre, size, angle in degrees)."""
    a = np.deg2rad(angle_deg)
    half_x = abs(w / 2 * np.cos(a)) + abs(h / 2 * np.sin(a))
    half_y = abs(w / 2 * np.sin(a)) + abs(h / 2 * np.cos(a))
    return np.array([cx - half_x, cy - half_y, cx + half_x, cy + half_y], np.float32)


# EasyPR's colour words -> the colours pipeline.alpr.plate_type returns
EASYPR_COLOURS = {"蓝牌": "blue", "黄牌": "yellow", "绿牌": "green", "白牌": "white",
                  "黑牌": "black"}


def read_easypr_xml(xml_path: str) -> list[ImageRecord]:
    """EasyPR's GroundTruth.xml: <image><imageName>NAME</imageName><taggedRectangles>
    <taggedRectangle x y width height rotation ...>COLOUR:TEXT</taggedRectangle>... per photo,
    each rectangle an OpenCV RotatedRect (x, y its centre). Its labels are approximate boxes,
    so plates get bbox = the rectangle's bounds and no corners (match them by box IoU);
    meta["rotated_rects"] keeps (x, y, w, h, angle) and meta["colours"] the colour words
    (each label's `colour` is the word's meaning, EASYPR_COLOURS; None for another word).
    A digit 0 at position 2 is read as the police letter O (EasyPR's labels write it so).
    A text our formats cannot hold is kept as given (no reader can produce it, so it counts
    as unread) and listed in meta["unreadable_texts"]. Images named in the file but absent
    from its folder are skipped: the file may describe a larger set than the folder holds."""
    import xml.etree.ElementTree as ET
    root_dir = os.path.dirname(os.path.abspath(xml_path))
    try:
        tree = ET.parse(xml_path)
    except ET.ParseError as e:
        raise AnnotationError(f"{xml_path}: not well-formed XML ({e})") from None
    on_disk = {os.path.splitext(os.path.basename(p))[0]: p for p in list_images(root_dir)}
    records = []
    for n, image in enumerate(tree.getroot().iter("image"), start=1):
        name_el = image.find("imageName")
        if name_el is None or not (name_el.text or "").strip():
            raise AnnotationError(f"{xml_path}: <image> number {n} has no <imageName>")
        name = name_el.text.strip()
        if name not in on_disk:
            continue
        where = f"{xml_path}: image {name}"
        labels, rects, colours, unreadable = [], [], [], []
        for k, rect in enumerate(image.iter("taggedRectangle"), start=1):
            try:
                x, y, w, h, angle = (float(rect.attrib[key]) for key in
                                     ("x", "y", "width", "height", "rotation"))
            except KeyError as e:
                raise AnnotationError(f"{where}: rectangle {k} lacks attribute {e}") from None
            except ValueError as e:
                raise AnnotationError(f"{where}: rectangle {k}: {e}") from None
            if not (w > 0 and h > 0):
                raise AnnotationError(f"{where}: rectangle {k} has size {w} x {h}")
            colour, _, text = (rect.text or "").strip().rpartition(":")
            text = text.strip() or None
            if text is not None and text[1:2] == "0":
                # EasyPR writes the police letter O of plates such as 粤O·A2160 as the digit
                # 0; position 2 of a plate is always a letter
                text = text[0] + plates.POLICE_LETTER + text[2:]
            if text is not None:
                try:
                    plates.validate_text(text)
                except plates.PlateTextError:
                    unreadable.append(text)
            labels.append(PlateLabel(text, None, rotated_rect_bounds(x, y, w, h, angle),
                                     EASYPR_COLOURS.get(colour.strip())))
            rects.append((x, y, w, h, angle))
            colours.append(colour)
        records.append(ImageRecord(on_disk[name], tuple(labels),
                                   meta={"rotated_rects": rects, "colours": colours,
                                         "unreadable_texts": unreadable}))
    if not records:
        raise AnnotationError(f"{xml_path}: names none of the images in its folder")
    return sorted(records, key=lambda r: r.path)


# --- Entry point ---------------------------------------------------------------------------

def list_images(folder: str) -> list[str]:
    return sorted(p for p in glob.glob(os.path.join(glob.escape(folder), "*"))
                  if p.lower().endswith(IMAGE_EXTENSIONS) and os.path.isfile(p))


def read_annotations(path: str) -> list[ImageRecord]:
    """Reads any supported annotation layout; records are sorted by path.

    `path` may be a labels.jsonl file, a folder holding labels.jsonl, a folder holding EasyPR's
    GroundTruth.xml (or that file), a folder of CCPD-named images, or a folder of plate crops
    named by their text."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise AnnotationError(f"{path}: no such file or folder")
    if os.path.isfile(path):
        if path.endswith(".jsonl"):
            return read_labels_jsonl(path)
        if path.endswith(".xml"):
            return read_easypr_xml(path)
        raise AnnotationError(f"{path}: expected a folder, a .jsonl or an EasyPR .xml file")
    if os.path.isfile(os.path.join(path, LABELS_FILE)):
        return read_labels_jsonl(os.path.join(path, LABELS_FILE))
    if os.path.isfile(os.path.join(path, EASYPR_FILE)):
        return read_easypr_xml(os.path.join(path, EASYPR_FILE))
    images = list_images(path)
    if not images:
        raise AnnotationError(f"{path}: folder holds no images and no {LABELS_FILE}")
    if any(looks_like_ccpd_name(p) for p in images):
        return [parse_ccpd_name(p) for p in images]
    return [parse_crop_name(p) for p in images]


def one_plate_records(records: list[ImageRecord]) -> list[ImageRecord]:
    """The records of photos holding one plate with corner labels (the sweeps redraw those)."""
    return [r for r in records if len(r.plates) == 1 and r.plates[0].corners is not None]


def one_plate_scenes(records: list[ImageRecord]) -> list[tuple[np.ndarray, np.ndarray, str]]:
    """one_plate_records read: [(photo uint8 [H, W, 3], its plate's corners [4, 2], text)];
    a ValueError when there are none."""
    scenes = [(read_image(r.path), r.plates[0].corners, r.plates[0].text)
              for r in one_plate_records(records)]
    if not scenes:
        raise ValueError("no one-plate scenes with corner labels")
    return scenes


def split_records(records: list[ImageRecord], split: str) -> list[ImageRecord]:
    """A stable half of a dataset by file name: "a" or "b" (crc32 of the base name, even or
    odd), or "all". Used to fine-tune on one half of the real data and report on the other."""
    import zlib
    if split == "all":
        return list(records)
    if split not in ("a", "b"):
        raise ValueError(f"split must be 'all', 'a' or 'b', got {split!r}")
    want = 0 if split == "a" else 1
    return [r for r in records
            if zlib.crc32(os.path.basename(r.path).encode("utf-8")) % 2 == want]


def read_split(spec: str, default: str = "all") -> list[ImageRecord]:
    """"DIR" or "DIR:a" / "DIR:b" (a stable half, split_records) -> its records; a spec
    naming no half takes `default`."""
    path, _, split = spec.partition(":")
    return split_records(read_annotations(path), split or default)
