"""The detector and reader options every entry point shares (`alpr predict`, eval.py, the
scripts, `ALPR.load`): one dataclass, one set of command-line flags.

    p = argparse.ArgumentParser(); options.add_arguments(p)
    alpr = options.from_args(p.parse_args()).alpr()
"""
from __future__ import annotations

import argparse
import dataclasses

from alpr_jax.data.preprocess import AUTO_LEVELS_BELOW, check_auto_levels_below
from alpr_jax.pipeline.alpr import ReadGate
from alpr_jax.pipeline.reader import PLATE_LEVELS_BELOW, REREAD_BELOW, check_reread_below
from alpr_jax.pipeline.runtime import BACKENDS, DEFAULT_BACKEND
from alpr_jax.pipeline.detector import PlateDetector
from alpr_jax.pipeline.detector_options import (CORNER_SOURCES, DEFAULT_CORNER_SOURCE,
                                                MAX_ZOOMS, ZOOM_POLICIES, DetectorOptions)


# ModelOptions fields passed on as the DetectorOptions field of the same name when given
_DETECTOR_FIELDS = ("zoom", "zoom_windows", "windows_first_from", "score_threshold",
                    "parallelogram_below", "refine_threshold")


@dataclasses.dataclass(frozen=True)
class ModelOptions:
    """Which weights to load (None: the shipped file) and how the detector and reader run."""
    rpn: str | None = None
    rcnn: str | None = None
    dsnt: str | None = None
    mono_dsnt: str | None = None                  # the DSNT localiser of photos without
                                                  # colour (None: shipped where dsnt is);
                                                  # "none": dsnt's there too
    corner_patch: str | None = None
    recognizer: str | None = None
    two_row_recognizer: str | None = None         # reads stitched two-row plates; "none":
                                                  # the recogniser reads them too
    mono_recognizer: str | None = None            # ... one-row plates without colour
    corner_source: str = DEFAULT_CORNER_SOURCE    # "dsnt" (the localiser) or "rcnn"
    score_threshold: float | None = None          # None: DetectorOptions' default
    zoom: str | None = None                       # None: DetectorOptions' default ("auto")
    max_zoom: float | None = None                 # the highest pass (None: the default, 4x)
    zoom_windows: int | None = None               # a finer pass on this many windows
                                                  # (None: DetectorOptions' default, 4)
    windows_first_from: float | None = None       # passes from this scale up run on
                                                  # windows first (None: the default, 4; 0:
                                                  # never)
    single_scale: bool = False                    # the paper's cascade: one pass, no re-crop
    parallelogram_below: float | None = None      # near-parallelogram corners snapped
                                                  # (None: the default, 0.1; 0: never)
    refine_threshold: float | None = None         # candidates re-cropped from this first
                                                  # score (None: DetectorOptions' default)
    tta: bool = False                             # read each plate 3 times, shifted
    reread_below: float = REREAD_BELOW            # ... or only those read less surely
    backend: str = DEFAULT_BACKEND                # where the networks run: "auto" (the
                                                  # faster per network) | "jax" | "onnx"
    min_read_confidence: float = ReadGate.min_confidence   # the ReadGate; 0: off
    read_gate_score: float = ReadGate.min_score
    grey_read_gate_score: float = ReadGate.grey_min_score    # ... in photos without colour
    auto_levels_below: float = AUTO_LEVELS_BELOW  # dim / washed-out photos stretched first;
                                                  # 0: never (data.preprocess.auto_levels)
    plate_levels_below: float = PLATE_LEVELS_BELOW  # ... and dim plates before they are read

    def __post_init__(self):
        if self.corner_source not in CORNER_SOURCES:
            raise ValueError(f"corner_source must be one of {CORNER_SOURCES}, got "
                             f"{self.corner_source!r}")
        if (self.dsnt or self.mono_dsnt not in (None, "none")) and self.corner_source != "dsnt":
            raise ValueError("DSNT weights were given, but the corner source is "
                             f"{self.corner_source!r}: use corner source 'dsnt'")
        if self.backend not in BACKENDS:
            raise ValueError(f"backend must be one of {BACKENDS}, got {self.backend!r}")
        self.read_gate()        # checks its two values
        check_reread_below(self.reread_below)
        check_auto_levels_below(self.auto_levels_below)
        check_auto_levels_below(self.plate_levels_below, "plate_levels_below")
        if self.zoom is not None and self.zoom not in ZOOM_POLICIES:
            raise ValueError(f"zoom must be one of {ZOOM_POLICIES}, got {self.zoom!r}")
        if self.max_zoom is not None and self.max_zoom not in MAX_ZOOMS:
            raise ValueError(f"max_zoom must be one of {MAX_ZOOMS}, got {self.max_zoom!r}")
        if self.max_zoom is not None and self.single_scale:
            raise ValueError("max_zoom and single_scale (the paper's one pass) do not mix")
        if self.zoom_windows is not None and self.zoom_windows < 0:
            raise ValueError(f"zoom_windows must be >= 0 (0: never), got {self.zoom_windows}")
        self.detector_options()     # DetectorOptions checks the rest (windows_first_from)

    def detector_options(self) -> DetectorOptions:
        o = DetectorOptions.single_scale() if self.single_scale else DetectorOptions()
        if self.max_zoom is not None:
            o = o.with_max_zoom(self.max_zoom)
        # the fields of the same name that were given (None: DetectorOptions' default)
        given = {name: getattr(self, name) for name in _DETECTOR_FIELDS
                 if getattr(self, name) is not None}
        return dataclasses.replace(o, **given)

    def detector(self, mode: str = "cascade") -> PlateDetector:
        return PlateDetector.load(self.rpn, self.rcnn, mode, self.detector_options(),
                                  self.corner_source, self.dsnt, self.backend,
                                  self.corner_patch, self.mono_dsnt)

    def reader(self):
        from alpr_jax.pipeline.reader import PlateReader
        return PlateReader.load(self.recognizer, tta=self.tta, backend=self.backend,
                                reread_below=self.reread_below,
                                levels_below=self.plate_levels_below,
                                two_row=self.two_row_recognizer,
                                mono=self.mono_recognizer)

    def read_gate(self) -> ReadGate:
        return ReadGate(self.min_read_confidence, self.read_gate_score,
                        grey_min_score=self.grey_read_gate_score)

    def alpr(self):
        from alpr_jax.pipeline.alpr import ALPR
        return ALPR(self.detector(), self.reader(), self.read_gate(), self.auto_levels_below)


def hw_arg(text: str, multiple: int = 1) -> tuple[int, int]:
    """An argparse type: "HxW" (e.g. 1080x1920) -> (H, W), positive multiples of `multiple`
    (functools.partial for another multiple)."""
    try:
        h, w = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected HxW, e.g. 1080x1920") from None
    if h <= 0 or w <= 0 or h % multiple or w % multiple:
        raise argparse.ArgumentTypeError(
            f"{text}: H and W must be positive" + (f" multiples of {multiple}" if multiple > 1
                                                   else ""))
    return h, w


def add_arguments(parser: argparse.ArgumentParser, detector: bool = True,
                  reader: bool = True) -> None:
    """The flags of ModelOptions (old names kept as aliases)."""
    parser.add_argument("--backend", default=DEFAULT_BACKEND, choices=BACKENDS,
                        help="where the networks run: auto (default: onnxruntime for the "
                             "detector's networks where requirements-onnx.txt is installed, "
                             "XLA for the recogniser), jax (XLA for all, the reference), "
                             "onnx (onnxruntime for all)")
    if detector:
        g = parser.add_argument_group("detector")
        g.add_argument("--rpn", "--rpn-weights", default=None, help="RPN .npz (default: shipped)")
        g.add_argument("--rcnn", "--rcnn-weights", default=None,
                       help="R-CNN .npz (default: shipped)")
        g.add_argument("--dsnt", "--dsnt-weights", default=None,
                       help="DSNT refinement localiser .npz (default: shipped); needs corner "
                            "source dsnt")
        g.add_argument("--mono-dsnt", default=None,
                       help="the DSNT localiser .npz of photos without colour (a monochrome "
                            "or infrared camera's; default: the shipped one where --dsnt is "
                            "the shipped one; none: --dsnt's there too)")
        g.add_argument("--corner-source", default=DEFAULT_CORNER_SOURCE, choices=CORNER_SOURCES,
                       help="plate corners from the DSNT localiser (default) or the R-CNN")
        g.add_argument("--corner-patch", default=None,
                       help="a corner-patch refiner .npz (configs/corner_patch.py) run on the "
                            "re-crops' corners (default: none; none is shipped)")
        g.add_argument("--score-threshold", "--threshold", type=float, default=None,
                       help=f"minimum plate score (default {DetectorOptions.score_threshold})")
        g.add_argument("--zoom", default=None, choices=ZOOM_POLICIES,
                       help="when the RPN passes above 1x (2x, 4x: 4x and 16x the 1x "
                            "pass's time) run, for small plates: auto (default) when the "
                            "passes so far find nothing, a narrow plate or a doubtful narrow "
                            "candidate; always; off")
        g.add_argument("--max-zoom", type=float, default=None, choices=MAX_ZOOMS,
                       help="the highest RPN pass (default 4): 8 adds a pass that reads "
                            "photos 1920 px or more across at up to 2x their resolution, for "
                            "plates 20-34 px wide there (~1 s more a 1920x1080 photo when it "
                            "runs); 1: none above 1x")
        g.add_argument("--zoom-windows", type=int, default=None,
                       help="past the highest pass, a finer one (2x finer, or as fine "
                            "as 2x the photo's resolution allows, if that is 1.25x finer "
                            "or more) runs on at most this many windows round the doubtful "
                            "narrow candidates, ~15 ms each "
                            f"(default {DetectorOptions.zoom_windows}; 0: never)")
        g.add_argument("--windows-first-from", type=float, default=None,
                       help="a pass of the zoom ladder at this scale or above first runs on "
                            "those windows round the last pass's narrow candidates, the "
                            "whole pass only if nothing or a small plate was found "
                            f"(default {DetectorOptions.windows_first_from:g}; 0: never)")
        g.add_argument("--single-scale", action="store_true",
                       help="the paper's cascade: one RPN pass at 480x320, no re-crops")
        g.add_argument("--parallelogram-below", type=float, default=None,
                       help="plates whose corners are this close to a parallelogram (share "
                            "of the plate's size) are returned as their nearest one; the "
                            "reading is the same either way "
                            f"(default {DetectorOptions.parallelogram_below:g}; 0: never)")
        g.add_argument("--refine-threshold", type=float, default=None,
                       help="candidates whose first R-CNN score is at least this are "
                            "re-cropped round their corners and scored again (default "
                            f"{DetectorOptions.refine_threshold:g}; lower finds a few more "
                            "plates whose proposal cut them badly, for more time)")
    parser.add_argument("--auto-levels-below", type=float,
                        default=ModelOptions.auto_levels_below,
                        help="a photo whose brightness spans fewer levels than this (0.5-99.5 "
                             "percentile of 255; dusk, night, haze), or whose black point is "
                             "lifted (haze, over-exposure), is stretched to the full range "
                             f"first (default {ModelOptions.auto_levels_below:g}; 0: never)")
    if reader:
        g = parser.add_argument_group("reader")
        g.add_argument("--recognizer", "--recognizer-weights", default=None,
                       help="recogniser .npz (default: shipped)")
        g.add_argument("--two-row-recognizer", default=None,
                       help="the .npz of the network that reads two-row plates, their rows "
                            "stitched side by side (default: shipped; none: the recogniser "
                            "reads them too)")
        g.add_argument("--mono-recognizer", default=None,
                       help="the .npz of the network that reads plates without colour (a "
                            "monochrome or infrared camera's; default: shipped; none: the "
                            "recogniser reads them too)")
        g.add_argument("--min-read-confidence", type=float,
                       default=ModelOptions.min_read_confidence,
                       help="drop a detection whose reading's confidence is under this "
                            f"(default {ModelOptions.min_read_confidence}; 0: keep every "
                            "detection, the detector alone)")
        g.add_argument("--read-gate-score", type=float, default=ModelOptions.read_gate_score,
                       help="detections scoring this much under the detector's threshold are "
                            "read too and kept when confidently read (default "
                            f"{ModelOptions.read_gate_score})")
        g.add_argument("--grey-read-gate-score", type=float,
                       default=ModelOptions.grey_read_gate_score,
                       help="in a photo without colour (a monochrome or infrared camera's), "
                            "whose plates the detector scores lower: its threshold, for the "
                            "passes and the detections read (default "
                            f"{ModelOptions.grey_read_gate_score}; with the read gate on)")
        g.add_argument("--tta", action="store_true",
                       help="also read every plate shifted 2 px left and right and scaled 5%% "
                            "in and out, and average (five reads of each plate)")
        g.add_argument("--plate-levels-below", type=float,
                       default=ModelOptions.plate_levels_below,
                       help="a plate whose brightness spans fewer levels than this (dim: "
                            "shade, night, a tinted cover) is stretched to the full range "
                            f"before it is read (default {ModelOptions.plate_levels_below:g}; "
                            "0: never)")
        g.add_argument("--reread-below", type=float, default=ModelOptions.reread_below,
                       help="without --tta: read again that way only the plates read with "
                            f"confidence under this (default {ModelOptions.reread_below}; "
                            "0: never)")


def from_args(args: argparse.Namespace, **overrides) -> ModelOptions:
    """ModelOptions from parsed add_arguments flags (those not defined keep their default)."""
    fields = {f.name for f in dataclasses.fields(ModelOptions)}
    values = {k: v for k, v in vars(args).items() if k in fields}
    values.update(overrides)
    return ModelOptions(**values)
