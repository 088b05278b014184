"""ALPR: photo -> detector (RPN + R-CNN corners) -> rectification -> recogniser -> plates.

    from alpr_jax import ALPR
    alpr = ALPR.load()                        # the shipped weights
    result = alpr.predict("photo.jpg")        # or a uint8 RGB array [H, W, 3]
    for plate in result.plates:
        print(plate.text, plate.confidence, plate.corners)

Each stage is one jitted function with bucketed shapes (see pipeline.detector and
pipeline.reader), so a stream of differently sized photos compiles a bounded number of times.
"""
from __future__ import annotations

import dataclasses
import os
import time

import cv2
import numpy as np

from alpr_jax import plates
from alpr_jax.data.images import ImageReadError, read_image
from alpr_jax.data.preprocess import (AUTO_LEVELS_BELOW, auto_levels,
                                      check_auto_levels_below, colourless, plate_input)
from alpr_jax.geometry.boxes import box_corners, corner_bounds
from alpr_jax.geometry.rectify import (PLATE_HW, corner_aspect, rectify, rectify_plate,
                                      target_corners)
from alpr_jax.pipeline.detector import DEFAULT_CORNER_SOURCE, Detection, PlateDetector
from alpr_jax.pipeline.reader import PLATE_LEVELS_BELOW, REREAD_BELOW, PlateReader

# A plain plate is yellow when its most saturated quarter of pixels has an OpenCV hue
# (0..180) from 12 (orange) to 70 (nearer yellow's ~25 than blue's ~115) and a saturation of
# 64 or more; otherwise blue (dark and night-lit blue plates measure hue ~9 at saturation
# 40-60; real yellow plates of easypr_dev 15-32 at 79 or more, synthetic ones 15-47 at 100)
_YELLOW_HUES = (12, 70)
_YELLOW_MIN_SATURATION = 64
# A plate whose corners are less than this wide per unit of height may be a two-row plate
# (2.0 face on; one-row 3.1, ~2.4 at 40 degrees of yaw): it is read both ways.
TWO_ROW_MAX_ASPECT = 2.6
# ... and also with its top edge raised by each of these shares of its height: the corner
# stages saw few two-row plates and may stop inside the smaller top row, cutting off 20-40%
# of the plate (raises of 0.25-0.67 restore it); the most confident read wins. easypr_dev's
# 津A·D9823 (w/h 2.3 for a 1.7 plate) reads right raised 0.3-0.5, a synthetic plate cut by a
# fifth raised 0.2-0.3 (the two-row network; one raise of 0.4 until 2026-12-06, when the
# one-row network read the stitches: two raises cost a read more per squat plate)
TWO_ROW_RAISES = (0.3, 0.5)


@dataclasses.dataclass(frozen=True)
class Plate:
    text: str
    confidence: float                      # product of the character probabilities
    char_confidences: tuple[float, ...]
    corners: np.ndarray                    # float32 [4, 2] TL, TR, BR, BL, original px
    bbox: np.ndarray                       # float32 [4] x1, y1, x2, y2
    detection_score: float
    plate_type: str                        # "blue" | "yellow" | "green" | "white" | "black", with
                                           # "_two_row" appended for a two-row plate

    def to_json(self) -> dict:
        return {"text": self.text, "confidence": round(self.confidence, 4),
                "char_confidences": [round(c, 4) for c in self.char_confidences],
                "corners": np.round(self.corners, 1).tolist(),
                "bbox": np.round(self.bbox, 1).tolist(),
                "detection_score": round(self.detection_score, 4),
                "plate_type": self.plate_type}


@dataclasses.dataclass(frozen=True)
class Result:
    file: str | None
    image_size: tuple[int, int] | None     # (width, height)
    plates: tuple[Plate, ...]
    timing_ms: dict
    error: str | None = None               # set when the input could not be read

    def to_json(self) -> dict:
        out = {"file": self.file, "image_size": list(self.image_size) if self.image_size else None,
               "plates": [p.to_json() for p in self.plates],
               "timing_ms": {k: round(v, 2) for k, v in self.timing_ms.items()}}
        if self.error:
            out["error"] = self.error
        return out


def plate_type(rectified: np.ndarray, text: str) -> str:
    """Plate colour: the one its text's format is printed in (8 tokens: green; 警 / 应急:
    white; 学 / 挂: yellow; 港 / 澳 / 领 / 使: black), else blue or yellow, the only colours
    of a plain 7-token plate, by the hue of the plate's most saturated quarter of pixels;
    "unknown" for such a plate without colour (a monochrome camera's).
    Why not the colour alone: dark, washed-out or tinted blue plates measure black or white
    (easypr_dev: 16 of its 81 blue plates), and black plates blue or green."""
    colour = plates.plate_type_of_text(text)
    if colour != "blue":                   # the default of a plain plate: look
        return colour
    if colourless(rectified[None])[0]:
        return "unknown"
    hsv = cv2.cvtColor(np.ascontiguousarray(rectified), cv2.COLOR_RGB2HSV)
    saturation = hsv[..., 1]
    floor = np.percentile(saturation, 75)
    hue = float(np.median(hsv[..., 0][saturation >= floor]))
    yellow = _YELLOW_HUES[0] <= hue < _YELLOW_HUES[1] and floor >= _YELLOW_MIN_SATURATION
    return "yellow" if yellow else "blue"


def photo_colourless(image: np.ndarray) -> bool:
    """image uint8 [H, W, 3] -> whether it has no colour (data.preprocess.colourless on
    about 64K of its pixels, evenly strided)."""
    step = max(1, int(np.sqrt(image.shape[0] * image.shape[1] / 65536)))
    return bool(colourless(image[None, ::step, ::step])[0])


def raise_top(corners: np.ndarray, share: float) -> np.ndarray:
    """corners [4, 2] TL, TR, BR, BL with TL and TR moved away from BL and BR by share of the
    left and right edges: the same plate with its top edge raised."""
    out = np.array(corners, np.float32)
    out[0] += share * (out[0] - out[3])
    out[1] += share * (out[1] - out[2])
    return out


@dataclasses.dataclass(frozen=True)
class ReadGate:
    """Which detections the recogniser confirms: a detection is kept when it scores at least
    min_score (also under the detector's score_threshold, which still decides which RPN
    passes run), its reading's confidence (product of the character probabilities) is
    min_confidence or more, and the reading's serial holds at most max_serial_letters
    letters (plates.serial_letters). min_confidence 0: no gate, the detector's answer as it is.

    Why: the detector's score alone cannot tell a two-row or dirty plate (score 0.6-0.7,
    readable) from a badge, grille or painted strip (score up to 0.89). Their readings
    mostly can: real plates read with confidence >= 0.15, most of the rest <= 0.04 (0.08 is
    the log-midpoint, chosen on easypr_dev); a chrome grille that reads 川WWWWWW (0.20) is
    not a plate number (real serials: at most 2 letters), nor is a serial of zeros (a
    camera's frame counter "0000/00001" read 鲁D00000 at 0.64: plates.zero_serial).
    In a photo without colour (a monochrome or infrared camera's: colourless) the detector
    runs with grey_min_score as its threshold (which passes run, which detections are
    read): trained on colour photos, it scores grey plates lower (ccpd_600/test turned
    grey, the detector alone: found 0.86 at 0.7, 0.96 at 0.3, no false box either way)."""
    min_confidence: float = 0.08
    min_score: float = 0.5
    max_serial_letters: int = 3
    grey_min_score: float = 0.3

    def __post_init__(self):
        for name in ("min_confidence", "min_score", "grey_min_score"):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"ReadGate.{name} must be in [0, 1], got {getattr(self, name)}")
        if not 0 <= self.max_serial_letters <= 6:
            raise ValueError(f"ReadGate.max_serial_letters must be in 0..6, got "
                             f"{self.max_serial_letters}")

    @property
    def on(self) -> bool:
        return self.min_confidence > 0

    def floor(self, threshold: float, grey: bool) -> float | None:
        """The lowest detection score read in a photo (grey: one without colour), the
        detector's own threshold `threshold` aside; None: the gate is off."""
        return min(self.grey_min_score if grey else self.min_score, threshold) if self.on \
            else None

    def keeps(self, reading) -> bool:
        """Whether a reading (PlateReading) confirms its detection."""
        return not self.on or (reading.confidence >= self.min_confidence and
                               plates.serial_letters(reading.text) <= self.max_serial_letters
                               and not plates.zero_serial(reading.text))


def _loaded(image_or_path) -> tuple[str | None, np.ndarray]:
    """A path (read, ImageReadError naming it when it cannot be) or a uint8 RGB array [H, W, 3]
    (checked) -> (the path or None, the image)."""
    if isinstance(image_or_path, (str, os.PathLike)):
        name = os.fspath(image_or_path)
        return name, read_image(name)
    image = np.asarray(image_or_path)
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError(f"image must be uint8 RGB [H, W, 3], got {image.dtype} {image.shape}")
    return None, image


def _plates(read: list[tuple]) -> tuple[Plate, ...]:
    """ALPR._read's items -> Plates."""
    return tuple(Plate(r.text, r.confidence, r.char_confidences, d.corners, d.box, d.score,
                       plate_type(p, r.text) + ("_two_row" if rows2 else ""))
                 for d, r, p, rows2 in read)


class ALPR:
    def __init__(self, detector: PlateDetector, reader: PlateReader,
                 gate: ReadGate = ReadGate(), auto_levels_below: float = AUTO_LEVELS_BELOW):
        """auto_levels_below: a photo whose brightness spans fewer levels (a dusk, night or
        hazy one; or whose black point is lifted, data.preprocess.AUTO_LEVELS_BLACK_ABOVE)
        is stretched to the full range before predict, detect or read_boxes read it
        (data.preprocess.auto_levels; 0: never); read_plate's crops are read as given."""
        self.detector, self.reader, self.gate = detector, reader, gate
        self.auto_levels_below = check_auto_levels_below(auto_levels_below)

    @classmethod
    def load(cls, rpn: str | None = None, rcnn: str | None = None,
             recognizer: str | None = None, two_row_recognizer: str | None = None,
             mono_recognizer: str | None = None,
             score_threshold: float | None = None,
             corner_source: str = DEFAULT_CORNER_SOURCE, dsnt: str | None = None,
             mono_dsnt: str | None = None, tta: bool = False, zoom: str | None = None,
             max_zoom: float | None = None,
             single_scale: bool = False, backend: str = "auto",
             corner_patch: str | None = None,
             min_read_confidence: float = ReadGate.min_confidence,
             read_gate_score: float = ReadGate.min_score,
             grey_read_gate_score: float = ReadGate.grey_min_score,
             reread_below: float = REREAD_BELOW,
             auto_levels_below: float = AUTO_LEVELS_BELOW,
             plate_levels_below: float = PLATE_LEVELS_BELOW) -> "ALPR":
        """The shipped weights unless paths to other exported .npz files are given
        (two_row_recognizer: the network reading two-row plates, mono_recognizer: the one
        reading plates without colour, "none" to read them with the recogniser);
        corner_source "dsnt" (default) takes the plate corners from the DSNT localiser in
        `dsnt` (default: shipped; in photos without colour from `mono_dsnt`, default: the
        shipped dsnt_mono where `dsnt` is the shipped one, "none": `dsnt`'s), "rcnn" from
        the R-CNN's regression; tta reads each plate also shifted and scaled
        (PlateReader, pipeline.reader.TTA_VIEWS: five reads of each plate); zoom: when the
        detector's RPN passes above 1x (for small plates) run, "auto" (default), "always",
        "off"; max_zoom: the highest pass (None: 4; 8 adds a pass for photos 1920 px or more
        across); single_scale: the paper's one-pass cascade without re-crops; corner_patch: a
        corner-patch refiner .npz that moves the re-crops' corners last (none is shipped);
        min_read_confidence / read_gate_score / grey_read_gate_score: the ReadGate (0: off);
        reread_below: plates read less surely are read again with tta's views (0: never);
        auto_levels_below: photos spanning fewer brightness levels are stretched first
        (data.preprocess.auto_levels; 0: never); plate_levels_below: so are dim plates
        before they are read (PlateReader; 0: never); backend: where the networks run, "jax"
        (XLA, the reference), "onnx" (onnxruntime, the optional extra) or "auto" (per
        network the faster where installed: pipeline.runtime)."""
        from alpr_jax.pipeline.options import ModelOptions
        return ModelOptions(rpn=rpn, rcnn=rcnn, dsnt=dsnt, mono_dsnt=mono_dsnt,
                            recognizer=recognizer,
                            two_row_recognizer=two_row_recognizer,
                            mono_recognizer=mono_recognizer,
                            corner_source=corner_source, score_threshold=score_threshold,
                            zoom=zoom, max_zoom=max_zoom, single_scale=single_scale, tta=tta,
                            backend=backend, corner_patch=corner_patch,
                            min_read_confidence=min_read_confidence,
                            read_gate_score=read_gate_score,
                            grey_read_gate_score=grey_read_gate_score,
                            reread_below=reread_below,
                            auto_levels_below=auto_levels_below,
                            plate_levels_below=plate_levels_below).alpr()

    def predict(self, image_or_path) -> Result:
        """A path (str / PathLike) or a uint8 RGB array [H, W, 3] -> Result.

        A path that cannot be read raises ImageReadError naming the file; predict_many
        turns that into an error record and goes on."""
        t0 = time.perf_counter()
        name, image = self._photo(image_or_path)
        timing = {"read": (time.perf_counter() - t0) * 1e3}
        found = _plates(self._read_detections(image, timing))
        timing["total"] = (time.perf_counter() - t0) * 1e3
        return Result(name, (image.shape[1], image.shape[0]), found, timing)

    def read_plate(self, image_or_path) -> Result:
        """A photo that is one plate cut round it (as the shared plate_crops; what
        recognise-only readers such as LPRNet take), path or uint8 RGB [H, W, 3] -> Result
        holding that plate, without the RPN: read whole (corners the photo's own, from the
        input the recognition evaluator reads crops from) and, with a cascade detector, also
        straightened by the corners its re-crops find round the photo's own (_read_given;
        the corners may lie past the photo's edge where the cut went through the plate)."""
        t0 = time.perf_counter()
        # not auto_levels: a crop's black point and span are its plate's, not a scene's light
        # (on the shared crops it moved 1 of half b's 255 readings the wrong way)
        name, image = _loaded(image_or_path)
        timing = {"read": (time.perf_counter() - t0) * 1e3}
        h, w = image.shape[:2]
        found = self._read_given(image, target_corners((h, w))[None],
                                 plate_input(image, None)[None], timing)
        timing["total"] = (time.perf_counter() - t0) * 1e3
        return Result(name, (w, h), found, timing)

    def read_boxes(self, image_or_path, boxes) -> Result:
        """Plates another detector found in a photo (a YOLO-style box model), path or uint8
        RGB [H, W, 3], and their boxes float [N, 4] x1, y1, x2, y2 (or quadrilaterals
        [N, 4, 2] TL, TR, BR, BL) in the photo's px -> Result with a Plate per box, in their
        order, without the RPN: each read as given (rectified by its own corners) and, with a
        cascade detector, straightened by the corners the re-crops find round them, from the
        photo round the box (_read_given)."""
        t0 = time.perf_counter()
        name, image = self._photo(image_or_path)
        timing = {"read": (time.perf_counter() - t0) * 1e3}
        quads = np.asarray(boxes, np.float32)
        if quads.ndim == 2 and quads.shape[1:] == (4,):
            # an inverted box (x2 < x1) would come out of box_corners as a valid one
            bad = ~np.isfinite(quads).all(1) | (quads[:, 2] <= quads[:, 0]) | (
                quads[:, 3] <= quads[:, 1])
            quads = np.stack([box_corners(b) for b in quads]) if len(quads) else \
                np.zeros((0, 4, 2), np.float32)
        elif quads.ndim == 3 and quads.shape[1:] == (4, 2):
            bounds = corner_bounds(quads)
            bad = ~np.isfinite(quads).all((1, 2)) | (bounds[:, 2] <= bounds[:, 0]) | (
                bounds[:, 3] <= bounds[:, 1])
        else:
            raise ValueError(f"boxes must be [N, 4] (x1, y1, x2, y2) or [N, 4, 2] corners, "
                             f"got {np.shape(boxes)}")
        if bad.any():
            i = int(np.argmax(bad))
            raise ValueError(f"box {i} is empty, inverted or not finite (x2 > x1 and y2 > y1 "
                             f"needed): {np.asarray(boxes, np.float32)[i].tolist()}")
        found = self._read_given(image, quads, None, timing) if len(quads) else ()
        timing["total"] = (time.perf_counter() - t0) * 1e3
        return Result(name, (image.shape[1], image.shape[0]), found, timing)

    def _read_given(self, image: np.ndarray, quads: np.ndarray, inputs: np.ndarray | None,
                    timing: dict) -> tuple[Plate, ...]:
        """Plates at given quadrilaterals [N, 4, 2] (original px) of image uint8 [H, W, 3]:
        each read from inputs [N, 48, 120, 3] (None: rectified by its quadrilateral) and,
        with a cascade detector, rectified by the corners PlateDetector.refine finds round
        it (an axis-aligned cut of a tilted plate gets the plate's own corners); squat ones
        also as two rows (_read); per plate the most confident reading wins, the given
        corners' on a tie. detection_score 1 and no read gate: the caller says these are
        plates."""
        given = [Detection(q, corner_bounds(q), 1.0) for q in quads]
        candidates = [given]
        if self.detector is not None and self.detector.mode == "cascade":
            t1 = time.perf_counter()
            candidates.append([dataclasses.replace(d, score=1.0)
                               for d in self._detector_for(image)[0].refine(image, quads)])
            timing["locate"] = (time.perf_counter() - t1) * 1e3
        t1 = time.perf_counter()
        if inputs is None:
            inputs = np.stack([rectify(image, q) for q in quads])
        inputs = np.concatenate([inputs] + [np.stack([rectify(image, d.read_corners) for d in c])
                                            for c in candidates[1:]])
        timing["rectify"] = (time.perf_counter() - t1) * 1e3
        read = self._read(image, [d for c in candidates for d in c], inputs, timing,
                          raised=False)
        n = len(quads)
        return _plates([max(read[i::n], key=lambda item: item[1].confidence)
                        for i in range(n)])

    def detect(self, image: np.ndarray) -> tuple[list[Detection], dict]:
        """The detections predict returns (the ReadGate applied), as PlateDetector.detect
        gives them: image uint8 [H, W, 3] -> (detections best first, timing in ms)."""
        timing = {}
        return [d for d, *_ in self._read_detections(self._photo(image)[1], timing)], timing

    def _photo(self, image_or_path) -> tuple[str | None, np.ndarray]:
        """_loaded, then stretched when dim or washed out (auto_levels): a scene as the
        detector and reader see it."""
        name, image = _loaded(image_or_path)
        return name, auto_levels(image, self.auto_levels_below)

    def size_mb(self) -> float:
        return self.detector.size_mb() + self.reader.size_mb()

    def _detector_for(self, image: np.ndarray):
        """(the detector for image uint8 [H, W, 3], whether the photo has no colour): for
        such a photo the detector's colourless twin (its localiser of grey photos and, with
        the gate on, the grey floor as its threshold, which decides the passes run and the
        detections read)."""
        if not photo_colourless(image):
            return self.detector, False
        threshold = self.detector.options.score_threshold
        if self.gate.on:
            threshold = min(threshold, self.gate.grey_min_score)
        return self.detector.colourless_twin(threshold), True

    def _read_detections(self, image: np.ndarray, timing: dict) -> list[tuple]:
        """Detects and reads every plate of image, uint8 [H, W, 3]: [(Detection,
        PlateReading, rectified uint8 [48, 120, 3], two_row)] of the detections the gate
        keeps, best score first; the stages' ms go into timing."""
        detector, grey = self._detector_for(image)
        detections, det_timing = detector.detect(image, floor=self.gate.floor(
            detector.options.score_threshold, grey))
        timing.update(det_timing)
        t1 = time.perf_counter()
        rectified = (np.stack([rectify(image, d.read_corners) for d in detections])
                     if detections else np.zeros((0, *PLATE_HW, 3), np.uint8))
        timing["rectify"] = (time.perf_counter() - t1) * 1e3
        return [item for item in self._read(image, detections, rectified, timing)
                if self.gate.keeps(item[1])]

    def _read(self, image: np.ndarray, detections: list[Detection], rectified: np.ndarray,
              timing: dict, raised: bool = True) -> list[tuple]:
        """Reads detections of image uint8 [H, W, 3] from their one-row inputs rectified
        [N, 48, 120, 3]; squat plates are also read as two-row plates (rows stitched side by
        side), as found and, with raised, with the top edge raised (TWO_ROW_RAISES): the most
        confident reading wins. -> [(Detection, PlateReading, rectified, two_row)]; ms added
        to timing."""
        t1 = time.perf_counter()
        quads = [d.read_corners for d in detections]
        squat = [i for i, q in enumerate(quads) if corner_aspect(q) < TWO_ROW_MAX_ASPECT]
        shares = TWO_ROW_RAISES if raised else ()
        views = 1 + len(shares)
        stitched = [rectify_plate(image, c, two_row=True) for i in squat
                    for c in [quads[i]] + [raise_top(quads[i], s) for s in shares]]
        timing["rectify"] = timing.get("rectify", 0.0) + (time.perf_counter() - t1) * 1e3
        t2 = time.perf_counter()
        readings = list(self.reader.read(rectified))
        # per squat plate: as found (, raised), by the reader's two-row network
        as_two_rows = self.reader.read(np.stack(stitched), two_row=True) if squat else []
        timing["recognize"] = (time.perf_counter() - t2) * 1e3
        two_row = [False] * len(detections)
        for k, i in enumerate(squat):
            for r in as_two_rows[views * k:views * (k + 1)]:
                if r.confidence > readings[i].confidence:
                    readings[i], two_row[i] = r, True
        return list(zip(detections, readings, rectified, two_row))

    def export_onnx(self, out_dir: str) -> list[str]:
        """Writes every network of the pipeline as ONNX to out_dir (the RPN once per pass
        input shape of both orientations, the others with a symbolic batch); the file names
        are those the onnx backend looks for in its cache (pipeline.runtime). Returns the
        paths."""
        runs = self.detector.onnx_inputs() + self.reader.onnx_inputs()
        return [runner.export(key, os.path.join(out_dir, os.path.basename(runner.onnx_path(key))))
                for runner, key in runs]

    def predict_many(self, inputs):
        """Yields a Result per input; an unreadable input gives a Result with `error` set and
        the rest go on."""
        for item in inputs:
            try:
                yield self.predict(item)
            except ImageReadError as e:
                yield Result(e.path, None, (), {}, error=e.problem)
