"""The detector's options and what it returns: DetectorOptions (every setting of
pipeline.detector.PlateDetector's passes, zoom policy, RoI caps, re-crops; checked where it is
built) and Detection. The design they set out is in pipeline.detector's docstring."""
from __future__ import annotations

import dataclasses

import numpy as np

MODES = ("cascade", "rpn_box", "rpn_corner")
CORNER_SOURCES = ("rcnn", "dsnt")
# The shipped DSNT localiser has 2.5x lower corner error than the R-CNN on the shared real
# scenes (README, scripts/compare_corners.py), so it is the default corner source.
DEFAULT_CORNER_SOURCE = "dsnt"
ZOOM_POLICIES = ("auto", "always", "off")
# why "auto" runs the next pass up: nothing found yet; a plate found that narrow; a RoI that
# narrow the R-CNN half-believed (scripts/zoom_ablation.py measures what each one finds)
ZOOM_TRIGGERS = ("none", "small", "doubt")
# the pyramid's scales (DetectorOptions.scales: those up to 4x by default)
PYRAMID = (0.5, 1.0, 2.0, 4.0, 8.0)
MAX_ZOOMS = tuple(s for s in PYRAMID if s >= 1.0)     # the highest pass a user may ask for
# RoI counts are padded to these sizes for the networks, finely: their cost grows with the
# padded count, and they compile once per size (the crops' coarser CUT_BUCKETS: detector)
ROI_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256)
# the windows above the top pass (DetectorOptions.zoom_windows) run only where they read the
# photo at least this much finer than that pass: a 720x1160 photo's cap (4.8x) is not
WINDOW_MIN_STEP = 1.25


@dataclasses.dataclass(frozen=True)
class Detection:
    corners: np.ndarray        # float32 [4, 2] TL, TR, BR, BL in original px
    box: np.ndarray            # float32 [4] x1, y1, x2, y2 (bounds of the corners)
    score: float               # plate probability
    # the localiser's own corners where `corners` snapped them to a parallelogram
    # (DetectorOptions.parallelogram_below), else None
    localised: np.ndarray | None = None

    @property
    def read_corners(self) -> np.ndarray:
        """float32 [4, 2]: the corners a reader rectifies the plate by, the localiser's own
        four (the one-row affine fit drops a corner that disagrees, the two-row perspective
        map needs all four): readings are the same whether or not corners were snapped."""
        return self.corners if self.localised is None else self.localised


@dataclasses.dataclass(frozen=True)
class DetectorOptions:
    input_hw: tuple[int, int] = (480, 320)    # portrait; landscape photos use it transposed
                                              # (data.preprocess.oriented_input_hw)
    pre_nms: int = 300                        # best anchors kept before each pass's NMS
    rpn_nms: float = 0.7
    num_rois: int = 10                        # the paper's top-10 RoIs, per pass
    max_rois: int = 16                        # RoIs the R-CNN scores after merging passes
    # A photo of many plates (a car park, queues of traffic): once the RoIs give crowd_plates
    # plates (0: never), they are merged again under these caps (num_rois, max_rois), so the
    # paper's top-10 does not cap how many plates a photo holds (scripts/crowd_sweep.py);
    # photos of fewer plates pay nothing. The RPN's pre_nms anchors per pass still bound it.
    crowd_plates: int = 8
    crowd_rois: tuple[int, int] = (40, 64)
    final_nms: float = 0.3
    score_threshold: float = 0.7               # chosen on easypr_dev (README "Detection")
    # RPN passes at these multiples of input_hw; from auto_from up they follow the zoom
    # policy, in ascending order: "auto" runs the next one only when the passes so far found nothing,
    # a plate under small_plate_px wide in the last pass's input, or a RoI that narrow the
    # R-CNN scored at least near_miss but under score_threshold; before the first above 1x,
    # also when the photo is shrunk below large_photo_scale at 1x (default 0: never; on
    # easypr_dev 0.3 found no more plates, cost 25% more time and added false detections).
    # "always" runs them all, "off" none above 1x. No pass reads
    # the photo at more than max_upscale x its own resolution.
    scales: tuple[float, ...] = PYRAMID[:4]     # up to 4x; with_max_zoom for others
    zoom: str = "auto"
    zoom_triggers: tuple[str, ...] = ZOOM_TRIGGERS   # which of the auto policy's reasons count
    # under "auto", the passes below this scale (and always the lowest) run first, the rest
    # by the policy: 1.0 leaves the 1x pass to it too, so a photo whose plate the 0.5x pass
    # finds wide (a CCPD close-up) pays a fifth of 0.5x + 1x; 2.0: the 1x pass always runs
    auto_from: float = 1.0
    band_px: tuple[float, float] = (34.0, 136.0)   # box widths (pass-input px) a pass keeps
    small_plate_px: float = 48.0              # ~116 px of a 720x1160 photo at 1x
    near_miss: float = 0.1
    large_photo_scale: float = 0.0            # 1x letterbox scale under which 2x always runs
    max_upscale: float = 2.0
    # once the auto policy still asks for more after the highest pass of `scales`, a pass
    # above it (2x its scale, or less where max_upscale caps it, but at least
    # WINDOW_MIN_STEP x: 8x for photos 1920 px or more across, ~7.3x for 1584 px ones,
    # never for 720x1160 ones) runs on at most this many windows of input_hw's size, each
    # centred on one of the last pass's narrow RoIs the R-CNN half-believed (near_miss <=
    # score < score_threshold) or believed where no detection is (the merge's RoI caps left
    # it out); its window_candidates best narrow RoIs are scored for this; not on the whole
    # photo: the 1920x1080 sweep's 30 px plates 12 -> 13 of 13 for ~15 ms a window, where
    # the whole 8x pass (with_max_zoom(8)) costs ~1 s. 0: never
    zoom_windows: int = 4
    window_candidates: int = 16
    # a pass of the auto ladder at this scale or above (and at least WINDOW_MIN_STEP x the
    # last) first runs on such windows round the last pass's narrow RoIs; the whole pass
    # runs only when the policy still asks because nothing was found or a small plate was
    # (other plates of the photo may be as small and unproposed); a doubt the windows leave
    # goes up the ladder to finer windows. easypr_dev: the whole 4x pass on 13 -> 3 photos,
    # mean time 8-24% less, one fragile reading lost (README "Every plate size"). 0: never
    windows_first_from: float = 4.0
    min_width_px: float = 18.0                # narrower detections (original px) are dropped:
                                              # under the 20 px plates the detector is for,
                                              # and unreadable; background blobs at 4x
    refine_steps: int = 2                     # re-crops around each detection's corners
    refine_threshold: float = 0.03            # with re-crops, the candidates scoring this
                                              # much (or score_threshold if lower) are re-read;
                                              # score_threshold applies to the re-read score.
    # Low because a proposal that cuts a plate badly can score 0.05-0.2 at first and 0.8-0.95
    # re-cropped (easypr_dev re-saved or noisier: 0.902 -> 0.909 read; photos rolled 40-45
    # degrees), while the re-read score keeps the false ones out; ~6% more time (README)
    refine_margin: float = 0.15               # each re-crop's RoI: the corners' bounds grown by
                                              # this share of their width and height per side
    # a plate whose corners' top and bottom edges are turned more than this (degrees) from
    # level is re-cropped in its own frame, turned level by the sampler, so the R-CNN and
    # DSNT see it as they trained (a photo rolled 20-30 degrees); >= 60: never
    level_above_deg: float = 10.0
    level_first_read: bool = True             # the RoIs' first R-CNN read too, by the angle
                                              # of their RPN corners
    rescore: str = "max"                      # a re-cropped plate's score: "last" re-crop's,
                                              # or the "max" / "mean" of all its scores
    # the last re-crop's DSNT corners: the mean of reads of the plate with these margins
    # (one batch; several views average out some of the heatmaps' noise)
    dsnt_margins: tuple[float, ...] = (0.05, 0.1, 0.15)
    patch_steps: int = 1                      # corner-patch refinements after the re-crops
                                              # (when a refiner is loaded; 0: none)
    patch_min_height_px: float = 20.0         # lower plates keep their DSNT corners (the
                                              # refiner trained on plates this high or more)
    # re-cropped plates whose corners are this close to a parallelogram (geometry.rectify
    # .parallelogram_gap; the localiser's gap on 100 ccpd_600/train plates, all labelled as
    # parallelograms: 0.029 median, 0.101 at the 99th percentile) are returned as their
    # nearest parallelogram; those further off keep their perspective (the synthetic
    # scenes' steep views: 0.17-0.24 median, 0.09-0.11 at the 10th percentile). 0: never
    parallelogram_below: float = 0.1

    def __post_init__(self):
        if self.zoom not in ZOOM_POLICIES:
            raise ValueError(f"zoom must be one of {ZOOM_POLICIES}, got {self.zoom!r}")
        if not set(self.zoom_triggers) <= set(ZOOM_TRIGGERS):
            raise ValueError(f"zoom_triggers must be among {ZOOM_TRIGGERS}, got "
                             f"{tuple(self.zoom_triggers)}")
        if not self.scales or 1.0 not in self.scales or any(s <= 0 for s in self.scales):
            raise ValueError(f"scales must be positive and include 1.0, got {self.scales}")
        if self.input_hw[0] % 8 or self.input_hw[1] % 8:
            raise ValueError(f"input_hw {tuple(self.input_hw)} must be multiples of 8 (RPN stride)")
        if not 0 < self.band_px[0] < self.band_px[1]:
            raise ValueError(f"band_px must be (low, high) with 0 < low < high, got {self.band_px}")
        if self.auto_from <= 0:
            raise ValueError(f"auto_from must be > 0, got {self.auto_from}")
        if self.crowd_plates < 0:
            raise ValueError(f"crowd_plates must be >= 0 (0: never), got {self.crowd_plates}")
        if not (self.num_rois <= self.crowd_rois[0] and self.max_rois <= self.crowd_rois[1]
                <= ROI_BUCKETS[-1]):
            raise ValueError(f"crowd_rois {tuple(self.crowd_rois)} must be at least (num_rois, "
                             f"max_rois) = ({self.num_rois}, {self.max_rois}), max_rois at most "
                             f"{ROI_BUCKETS[-1]}")
        if self.level_above_deg < 0:
            raise ValueError(f"level_above_deg must be >= 0, got {self.level_above_deg}")
        if self.refine_steps < 0:
            raise ValueError(f"refine_steps must be >= 0, got {self.refine_steps}")
        if not 0 <= self.refine_threshold <= 1:
            raise ValueError(f"refine_threshold must be in [0, 1], got {self.refine_threshold}")
        if self.windows_first_from and self.windows_first_from <= 1.0:
            raise ValueError(f"windows_first_from must be above 1 (0: never), got "
                             f"{self.windows_first_from}")
        if self.zoom_windows < 0 or self.window_candidates < 0:
            raise ValueError(f"zoom_windows and window_candidates must be >= 0, got "
                             f"{self.zoom_windows}, {self.window_candidates}")
        if self.patch_steps < 0:
            raise ValueError(f"patch_steps must be >= 0, got {self.patch_steps}")
        if self.parallelogram_below < 0:
            raise ValueError(f"parallelogram_below must be >= 0 (0: never), got "
                             f"{self.parallelogram_below}")
        if self.rescore not in ("last", "max", "mean"):
            raise ValueError(f"rescore must be 'last', 'max' or 'mean', got {self.rescore!r}")

    @classmethod
    def single_scale(cls, **overrides) -> "DetectorOptions":
        """The paper's cascade: one RPN pass on the 480x320 input, no re-crops."""
        return cls(**{"scales": (1.0,), "zoom": "off", "refine_steps": 0, **overrides})

    def passes(self, zoom_in: bool) -> tuple[float, ...]:
        """The scales up to 1x, and with zoom_in those above (the most that may run)."""
        return tuple(sorted(s for s in self.scales if s <= 1.0 or zoom_in))

    def with_max_zoom(self, max_zoom: float) -> "DetectorOptions":
        """These options with the pyramid's passes 0.5x, 1x, 2x, ... up to max_zoom (one of
        MAX_ZOOMS). 8: photos 1920 px or more across (where 8x stays within max_upscale) get
        a pass at up to 2x their resolution, for plates 20-34 px wide there: ~1 s more a
        1920x1080 photo when it runs (README "Every plate size")."""
        if max_zoom not in MAX_ZOOMS:
            raise ValueError(f"max_zoom must be one of {MAX_ZOOMS}, got {max_zoom!r}")
        return dataclasses.replace(self, scales=tuple(s for s in PYRAMID if s <= max_zoom))
