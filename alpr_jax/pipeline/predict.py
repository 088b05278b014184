"""`alpr predict PATH...`: read the plates in photos, folders, globs and videos.

    alpr predict photo.jpg                      file: plate (confidence) lines
    alpr predict photos/ "more/*.png" --json    one JSON object per input (OpenALPR-like)
    alpr predict clip.mp4 --every 10            every 10th frame of a video
    alpr predict photos/ --annotate out/        also save pictures with quadrilaterals + text
    alpr predict crops/ --crops                 each file is one plate cut round it: read whole
                                                and straightened by the corners found in it

A file that cannot be read gives an error record naming it; the others go on; the exit code
is 1 when any input failed, else 0. Output stays in input order; --workers threads (default 2)
decode the next files while the current one is read, --parallel N predicts N photos at once
(throughput mode), and photos/s is printed at the end.
"""
from __future__ import annotations

import argparse
import dataclasses
import glob
import json
import os
import sys

import numpy as np
from tqdm import tqdm

from alpr_jax.data.images import IMAGE_EXTENSIONS, ImageReadError, read_image
from alpr_jax.pipeline import options, runtime

VIDEO_EXTENSIONS = (".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v")


def expand_inputs(paths: list[str]) -> list[str]:
    """Files as given, folders -> their images and videos (sorted), globs expanded. A path
    that matches nothing is kept so that it is reported as missing."""
    out = []
    for p in paths:
        if os.path.isdir(p):
            out += sorted(os.path.join(p, f) for f in os.listdir(p)
                          if f.lower().endswith(IMAGE_EXTENSIONS + VIDEO_EXTENSIONS))
        elif any(c in p for c in "*?[") and not os.path.exists(p):
            out += sorted(glob.glob(p)) or [p]
        else:
            out.append(p)
    return out


def video_frames(path: str, every: int):
    """Yields (frame index, uint8 RGB frame) for every `every`-th frame."""
    import cv2
    cap = cv2.VideoCapture(path)
    if not cap.isOpened():
        raise ValueError(f"{path}: not a readable video")
    index = 0
    try:
        while True:
            ok, frame = cap.read()
            if not ok:
                break
            if index % every == 0:
                yield index, cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
            index += 1
    finally:
        cap.release()


def annotate(image: np.ndarray, plates, out_path: str) -> None:
    """Saves the photo with each plate's quadrilateral and text (CJK font) drawn on it."""
    from PIL import Image, ImageDraw
    from alpr_jax.data.fonts import cjk_font
    from alpr_jax.data.images import write_image
    pil = Image.fromarray(image)
    draw = ImageDraw.Draw(pil)
    size = max(14, image.shape[0] // 40)
    font = cjk_font(size)
    for p in plates:
        pts = [tuple(map(float, c)) for c in p.corners]
        draw.line(pts + [pts[0]], fill=(0, 255, 0), width=max(2, size // 8))
        x, y = float(p.corners[:, 0].min()), float(p.corners[:, 1].min()) - size - 4
        label = f"{p.text} {p.confidence:.2f}"
        box = draw.textbbox((x, y), label, font=font)
        draw.rectangle(box, fill=(0, 0, 0))
        draw.text((x, y), label, fill=(255, 255, 0), font=font)
    write_image(out_path, np.asarray(pil))


def _items(inputs: list[str], every: int):
    """Yields (input index, path, name, source) for every photo and every every-th frame of
    every video, in input order and lazily: a video's frames are decoded one after another as
    they are asked for, never the whole video at once (a minute of 1080p is 11 GB of
    frames). source: a decoded frame, None for a photo still to be read (_loaded, by the
    thread that takes it), or the exception that made the input unreadable."""
    for k, path in enumerate(inputs):
        if not path.lower().endswith(VIDEO_EXTENSIONS):
            yield k, path, path, None
            continue
        try:
            for i, frame in video_frames(path, every):
                yield k, path, f"{path}#frame={i}", frame
        except ValueError as e:
            yield k, path, path, e


def _loaded(item):
    """An _items item with its photo read (or the ImageReadError it raised)."""
    k, path, name, source = item
    if source is None:
        try:
            source = read_image(path)
        except ImageReadError as e:
            source = e
    return k, path, name, source


def _ahead(fn, inputs, threads: int, name: str):
    """Yields fn(x) for each of the inputs (any iterable, consumed as it goes), in input
    order; with threads > 0, computed by that many threads up to 2 x threads inputs ahead of
    the one being yielded."""
    if threads <= 0:
        yield from (fn(x) for x in inputs)
        return
    from collections import deque
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(threads, thread_name_prefix=name) as pool:
        ahead = deque()
        for x in inputs:
            ahead.append(pool.submit(fn, x))
            if len(ahead) > 2 * threads:
                yield ahead.popleft().result()
        while ahead:
            yield ahead.popleft().result()


def _result(alpr, name: str, source, crops: bool = False):
    from alpr_jax.pipeline.alpr import Result
    if isinstance(source, Exception):
        problem = getattr(source, "problem", None) or str(source).split(": ", 1)[-1]
        return Result(name, None, (), {}, error=problem)
    return dataclasses.replace((alpr.read_plate if crops else alpr.predict)(source), file=name)


def _predicted(alpr, inputs: list[str], every: int, workers: int, parallel: int,
               crops: bool = False):
    """Yields (input index, name, source, Result) per photo or video frame, in input order.
    workers > 0: photos are read by that many threads ahead of the one being predicted
    (image decoding releases the GIL), so reading overlaps inference; parallel > 1: that
    many threads each read and predict whole photos or frames (the networks release the
    GIL, and one photo's small convolutions leave cores idle), up to 2 x parallel ahead."""
    def predicted(item):
        k, _, name, source = _loaded(item)
        return k, name, source, _result(alpr, name, source, crops)
    if parallel <= 1:
        for k, _, name, source in _ahead(_loaded, _items(inputs, every), workers, "alpr-read"):
            yield k, name, source, _result(alpr, name, source, crops)
    else:
        yield from _ahead(predicted, _items(inputs, every), parallel, "alpr-predict")


def run(alpr, inputs: list[str], every: int = 1, as_json: bool = False,
        annotate_dir: str | None = None, progress: bool = True, out=None,
        workers: int = 0, parallel: int = 1, crops: bool = False) -> int:
    """Predicts every input, printing as it goes in input order (workers > 0: files decoded
    ahead by that many threads; parallel > 1: that many photos predicted at once; crops: each
    input is one plate cut round it, read by ALPR.read_plate); returns
    the number of failed inputs. Prints photos/s to stderr at the end when there was more
    than one input."""
    import time
    out = out or sys.stdout
    failed = photos = 0
    if annotate_dir:
        os.makedirs(annotate_dir, exist_ok=True)
    t0 = time.perf_counter()
    bar = tqdm(total=len(inputs), desc="alpr predict", unit="file", file=sys.stderr,
               disable=not progress or len(inputs) < 2)
    current = None
    for k, name, source, result in _predicted(alpr, inputs, every, workers, parallel, crops):
        if k != current:             # the bar counts files; a video's frames are one file
            bar.update(current is not None)
            current = k
        if result.error:
            failed += 1
        else:
            photos += 1
        _print(result, as_json, out, hint_crops=not crops)
        if annotate_dir and not result.error:
            stem = os.path.splitext(os.path.basename(name.replace("#frame=", "_")))[0]
            annotate(source, result.plates, os.path.join(annotate_dir, stem + ".jpg"))
    bar.update(current is not None)
    bar.close()
    seconds = time.perf_counter() - t0
    if progress and len(inputs) > 1:
        print(f"{photos} photos in {seconds:.1f} s: {photos / max(seconds, 1e-9):.2f} photos/s "
              f"(compilation included; {failed} failed)", file=sys.stderr)
    return failed


def looks_like_a_crop(image_size) -> bool:
    """(width, height) of a photo the size and shape of one plate cut round it: under 400 px
    wide and 2 to 6 times as wide as high (the shared crops are 94x24)."""
    w, h = image_size
    return w < 400 and 2 * h <= w <= 6 * h


def _print(result, as_json: bool, out, hint_crops: bool = False) -> None:
    if as_json:
        print(json.dumps(result.to_json(), ensure_ascii=False), file=out, flush=True)
    elif result.error:
        print(f"{result.file}: ERROR {result.error}", file=out, flush=True)
    elif not result.plates:
        # the commonest way to get nothing from a plate: a cut plate read as a scene
        hint = (" (it is the size and shape of one plate cut round it: --crops reads it so)"
                if hint_crops and looks_like_a_crop(result.image_size) else "")
        print(f"{result.file}: no plate found{hint}", file=out, flush=True)
    else:
        for p in result.plates:
            print(f"{result.file}: {p.text} ({p.confidence:.2f})", file=out, flush=True)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="alpr predict", description=__doc__.split("\n")[0])
    p.add_argument("paths", nargs="+", help="image files, folders, globs, video files")
    p.add_argument("--json", action="store_true", help="one JSON object per input")
    p.add_argument("--annotate", default=None, metavar="DIR",
                   help="save annotated pictures to DIR")
    p.add_argument("--every", type=int, default=1, help="videos: every Nth frame")
    p.add_argument("--workers", type=int, default=2,
                   help="threads decoding files ahead of inference (0: one after another)")
    p.add_argument("--parallel", type=int, default=1,
                   help="photos predicted at once, each in its own thread (throughput mode "
                        "for folders; 2 on a 2-core CPU); output stays in input order")
    p.add_argument("--crops", action="store_true",
                   help="each input is one plate cut round it (as LPRNet-style readers take, "
                        "or another detector's box): read whole and straightened by the "
                        "corners the re-crops find in it, without the RPN")
    options.add_arguments(p)
    p.add_argument("--no-progress", action="store_true")
    args = p.parse_args(argv)
    if args.every < 1:
        p.error("--every must be at least 1")
    if args.workers < 0:
        p.error("--workers must be at least 0")
    if args.parallel < 1:
        p.error("--parallel must be at least 1")
    try:
        model_options = options.from_args(args)
    except ValueError as e:
        p.error(str(e))
    runtime.enable_compilation_cache()
    alpr = model_options.alpr()
    inputs = expand_inputs(args.paths)
    failed = run(alpr, inputs, args.every, args.json, args.annotate, not args.no_progress,
                 workers=args.workers, parallel=args.parallel, crops=args.crops)
    if failed:
        print(f"{failed} input(s) failed", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
