"""Side by side on the shared real photos: alpr_jax (each backend) and the peer ALPR packages
that install offline from PyPI with their weights inside the wheel, each peer in its own venv
(created here on first use), in one run. Prints one table: plates read exactly, found and
false detections per photo (all matched by box IoU >= 0.3, as some peers return boxes only;
evaluate.end_to_end.score_readings, the pipeline evaluation's scorer), ms per photo median and
mean (warm: every photo is read once untimed, then timed; file read included).

    python benchmarks/peers.py [--sets easypr_dev,ccpd_600/test,ccpd_samples]
        [--peers agentclpr,hyperlpr2] [--backends jax,onnx,auto] [--venvs runs/peers]
        [--count N] [--condition dusk]

--condition: every system reads the photos degraded first (alpr_jax.evaluate.conditions:
dusk, haze, jpeg_10, ...), written as PNG to a temporary folder (so no system's time then
includes JPEG decoding, and the times are not comparable with those of the photos as taken).

Peers: agentclpr 1.1.0 (onnxruntime: a plate corner detector + PaddleOCR-style recogniser),
hyperlpr2 2.0.0 (OpenCV dnn: SSD detector, fine-mapping, a segmentation-free recogniser;
needs OpenCV < 5). hyperlpr3 is left out: it downloads its models at run time.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from alpr_jax.data.images import read_image, write_image  # noqa: E402
from alpr_jax.evaluate.conditions import CONDITIONS, check_conditions  # noqa: E402
from alpr_jax.evaluate.end_to_end import scene_records, score_readings  # noqa: E402
from alpr_jax.pipeline import runtime  # noqa: E402
from alpr_jax.pipeline.options import ModelOptions  # noqa: E402
from folder_speed import warm_timed  # noqa: E402  (benchmarks/, this script's folder)

# What each peer's venv gets, and its reader: read(path) -> [(4 corner points, score, text)].
_AGENTCLPR = '''
import cv2, numpy as np
from agentclpr import CLPSystem
_clp = CLPSystem()
def read(path):
    image = cv2.imdecode(np.fromfile(path, np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        return None
    return [(points, float(score), text) for points, (text, score) in _clp(image)]
'''
_HYPERLPR2 = '''
import cv2, numpy as np
import hyperlpr2
def read(path):
    image = cv2.imdecode(np.fromfile(path, np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        return None
    out = []
    for text, score, (x1, y1, x2, y2) in hyperlpr2.HyperLPR_plate_recognition(image):
        out.append(([[x1, y1], [x2, y1], [x2, y2], [x1, y2]], float(score), text))
    return out
'''
PEERS = {
    "agentclpr": {"pip": ["agentclpr==1.1.0", "onnxruntime==1.32.0"], "reader": _AGENTCLPR},
    "hyperlpr2": {"pip": ["hyperlpr2==2.0.0", "opencv-python<5"], "reader": _HYPERLPR2},
}
# Runs in the peer's venv: paths (JSON file) -> one "@@"-marked JSON line per photo of the
# timed pass.
_RUNNER = '''
import json, sys, time
exec(open(sys.argv[1]).read())
paths = json.load(open(sys.argv[2]))
def safe_read(p):
    try:
        return read(p), None
    except Exception as e:      # a peer that crashes on a photo has read nothing on it
        return [], f"{type(e).__name__}: {e}"[:200]
for p in paths:
    safe_read(p)
for p in paths:
    t = time.perf_counter()
    plates, error = safe_read(p)
    ms = (time.perf_counter() - t) * 1e3
    if plates is not None:
        plates = [([[float(v) for v in xy] for xy in q], s, t_) for q, s, t_ in plates]
    print("@@" + json.dumps({"file": p, "plates": plates, "ms": ms, "error": error},
                            ensure_ascii=False), flush=True)
'''


def peer_python(name: str, venvs: str) -> str:
    """The peer's venv python, the venv made and its packages installed on first use."""
    venv = os.path.join(venvs, name)
    python = os.path.join(venv, "bin", "python")
    if not os.path.isfile(os.path.join(venv, ".installed")):
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
        subprocess.run([python, "-m", "pip", "install", "-q", *PEERS[name]["pip"]], check=True)
        open(os.path.join(venv, ".installed"), "w").close()
    return python


def run_peer(name: str, venvs: str, paths: list[str]) -> tuple[list, list[float]]:
    """(readings per path, or None where the peer could not read it; ms per photo)."""
    python = peer_python(name, venvs)
    with tempfile.TemporaryDirectory() as tmp:
        files = {k: os.path.join(tmp, k) for k in ("reader.py", "runner.py", "paths.json")}
        open(files["reader.py"], "w").write(PEERS[name]["reader"])
        open(files["runner.py"], "w").write(_RUNNER)
        json.dump(paths, open(files["paths.json"], "w"))
        proc = subprocess.run([python, files["runner.py"], files["reader.py"],
                               files["paths.json"]], capture_output=True, text=True)
    if proc.returncode:
        raise RuntimeError(f"{name} failed:\n{proc.stderr[-2000:]}")
    # the peers print their own lines too: ours are marked
    rows = {r["file"]: r for r in (json.loads(line[2:]) for line in proc.stdout.splitlines()
                                   if line.startswith("@@"))}
    readings = [None if rows[p]["plates"] is None else
                [(q, score, _plain(text)) for q, score, text in rows[p]["plates"]] for p in paths]
    crashed = sum(rows[p]["error"] is not None for p in paths)
    if crashed:
        print(f"{name}: raised an error on {crashed} of {len(paths)} photos (counted as "
              f"nothing read), e.g. {next(rows[p]['error'] for p in paths if rows[p]['error'])}",
              file=sys.stderr)
    return readings, [rows[p]["ms"] for p in paths if rows[p]["plates"] is not None]


def _plain(text: str) -> str:
    """A peer's text without the separators some print (皖A·12345, 皖A 12345)."""
    return "".join(c for c in text if c not in "·•. -_")


def run_ours(backend: str, paths: list[str]) -> tuple[list, list[float]]:
    results, ms = warm_timed(ModelOptions(backend=backend).alpr(), paths)
    return [[(q.corners, q.detection_score, q.text) for q in r.plates] for r in results], ms


def degraded_copies(paths: list[str], condition: str, folder: str) -> list[str]:
    """Each photo under condition (evaluate.conditions), written losslessly to folder, in
    order -> their paths."""
    degrade = CONDITIONS[condition][1]
    out = []
    for i, path in enumerate(paths):
        out.append(os.path.join(folder, f"{i:05d}.png"))
        write_image(out[-1], degrade(read_image(path)))
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", default="../shared/data")
    p.add_argument("--sets", default="easypr_dev,ccpd_600/test,ccpd_samples")
    p.add_argument("--peers", default=",".join(PEERS))
    p.add_argument("--venvs", default="runs/peers", help="where the peers' venvs are made")
    p.add_argument("--count", type=int, default=0, help="the first N photos of each set (0: all)")
    p.add_argument("--backends", default="jax,onnx,auto",
                   help="alpr_jax's backends to run (auto: the default, onnxruntime for the "
                        "detector's networks and XLA for the recogniser)")
    p.add_argument("--condition", default="as_taken",
                   help="read the photos degraded first: " + ", ".join(CONDITIONS))
    args = p.parse_args(argv)
    peers = [x for x in args.peers.split(",") if x]
    unknown = [x for x in peers if x not in PEERS]
    if unknown:
        p.error(f"unknown peers {unknown}; known: {sorted(PEERS)}")
    backends = [b for b in args.backends.split(",") if b]
    if any(b not in runtime.BACKENDS for b in backends):
        p.error(f"--backends must be of {', '.join(runtime.BACKENDS)}; got {args.backends!r}")
    try:
        check_conditions([args.condition])
    except ValueError as e:
        p.error(str(e))
    systems = [f"alpr_jax ({b})" for b in backends
               if b == "jax" or runtime.onnx_available()] + peers
    print(("" if args.condition == "as_taken" else
           f"Photos {args.condition}: {CONDITIONS[args.condition][0]} (PNG copies)\n\n") +
          "| system | set | photos | read exactly | found | false / photo | ms median | ms mean |\n"
          "|---|---|---|---|---|---|---|---|")
    for name in args.sets.split(","):
        records = scene_records(os.path.join(args.data, name))
        records = records[:args.count] if args.count else records
        with tempfile.TemporaryDirectory() as tmp:
            paths = [r.path for r in records]
            if args.condition != "as_taken":
                paths = degraded_copies(paths, args.condition, tmp)
            for system in systems:
                if system.startswith("alpr_jax"):
                    readings, ms = run_ours(system.split("(")[1].rstrip(")"), paths)
                else:
                    readings, ms = run_peer(system, args.venvs, paths)
                m = score_readings(records, readings, boxes=True)
                print(f"| {system} | {name} | {len(paths)} | {m['acc']:.3f} | "
                      f"{m['detected']:.3f} | {m['false_per_image']:.3f} | {np.median(ms):.0f} | "
                      f"{np.mean(ms):.0f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
