"""The `alpr` command: one entry point for the project's tools.

    alpr predict PATH... [--json] [--annotate DIR]         read plates (shipped weights)
    alpr export --checkpoint WORKDIR --out FILE.npz         checkpoint -> numpy weights
    alpr synth --kind plates|scenes --count N --out DIR     synthetic data with labels.jsonl
    alpr preview --out preview.png                          contact sheet of synthetic data
    alpr stn-figure --data DIR --out stn.png                the paper's Fig. 5 for real plates
"""
from __future__ import annotations

import sys

COMMANDS = {
    "predict": ("alpr_jax.pipeline.predict", "read the plates in photos, folders, globs, videos"),
    "export": ("alpr_jax.train.export", "write a training checkpoint's params to .npz"),
    "synth": ("alpr_jax.data.synth", "write synthetic plates or scenes with labels"),
    "preview": ("alpr_jax.data.preview", "write a contact sheet of synthetic data"),
    "pipeline-speed": ("alpr_jax.data.input_pipeline", "print input-pipeline throughput"),
    "stn-figure": ("alpr_jax.evaluate.stn_figure", "draw plates, rectified plates and STN segments"),
}


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help") or argv[0] not in COMMANDS:
        lines = [f"  {name:<15} {help_}" for name, (_, help_) in COMMANDS.items()]
        print("usage: alpr COMMAND [ARGS]\n\ncommands:\n" + "\n".join(lines))
        return 0 if argv and argv[0] in ("-h", "--help") else 2
    import importlib
    module = importlib.import_module(COMMANDS[argv[0]][0])
    return module.main(argv[1:]) or 0


if __name__ == "__main__":
    sys.exit(main())
