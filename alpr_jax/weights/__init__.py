"""Shipped weights (.npz) and their reader/writer. Loading needs only numpy: no orbax, no
training code. Each file holds the model variables flattened to "collection/module/.../name"
keys and a JSON "__meta__" entry (model config, training summary). A file may store its
float32 arrays as float16 (half the size on disk; a shipped network whose readings are the
same either way): they load as float32, so every computation stays in float32."""
from __future__ import annotations

import json
import os

import numpy as np

WEIGHTS_DIR = os.path.dirname(os.path.abspath(__file__))
META_KEY = "__meta__"


def flatten(tree: dict, prefix: str = "") -> dict[str, np.ndarray]:
    out = {}
    for key, value in tree.items():
        if "/" in str(key):
            raise ValueError(f"variable name {key!r} contains '/'")
        path = f"{prefix}{key}"
        if isinstance(value, dict) or hasattr(value, "items"):
            out.update(flatten(dict(value), path + "/"))
        else:
            out[path] = np.asarray(value)
    return out


def unflatten(flat: dict[str, np.ndarray]) -> dict:
    tree: dict = {}
    for path, value in flat.items():
        node = tree
        *parents, leaf = path.split("/")
        for p in parents:
            node = node.setdefault(p, {})
        node[leaf] = value
    return tree


def save_npz(path: str, variables: dict, meta: dict, float16: bool = False) -> None:
    """Writes variables (e.g. {"params": ..., "batch_stats": ...}) and meta to `path`;
    float16: float32 arrays stored as float16 (meta says so)."""
    flat = flatten(variables)
    if float16:
        flat = {k: v.astype(np.float16) if v.dtype == np.float32 else v for k, v in flat.items()}
        meta = {**meta, "stored_as": "float16"}
    flat[META_KEY] = np.frombuffer(json.dumps(meta, ensure_ascii=False).encode("utf-8"), np.uint8)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = path + ".tmp.npz"
    np.savez_compressed(tmp, **flat)
    os.replace(tmp, path)


def load_npz(path: str) -> tuple[dict, dict]:
    """(variables, meta) from a file written by save_npz. Errors name the file."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path}: weights file not found")
    try:
        with np.load(path, allow_pickle=False) as f:
            flat = {k: f[k] for k in f.files}
    except (ValueError, OSError) as e:
        raise ValueError(f"{path}: not a readable .npz weights file ({e})") from None
    if META_KEY not in flat:
        raise ValueError(f"{path}: no {META_KEY} entry; not an alpr_jax weights file")
    meta = json.loads(flat.pop(META_KEY).tobytes().decode("utf-8"))
    flat = {k: v.astype(np.float32) if v.dtype == np.float16 else v for k, v in flat.items()}
    return unflatten(flat), meta


def shipped(name: str) -> str:
    """Path of a shipped weights file, e.g. shipped("recognizer")."""
    return os.path.join(WEIGHTS_DIR, f"{name}.npz")
