"""Training throughput of a config on the local devices: samples/s and ms per step of the
jitted data-parallel step, on one fixed batch (so the input pipeline is not measured), after
compilation. Use XLA_FLAGS=--xla_force_host_platform_device_count=N to split a CPU.

    python benchmarks/train_throughput.py --config configs/recognizer.py:paper [--steps 20]
    python benchmarks/train_throughput.py --config configs/detector_rpn.py:paper \\
        --config.compute_dtype=bfloat16 --config.data.batch_size=64
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from absl import app, flags  # noqa: E402
from ml_collections import config_flags  # noqa: E402

_CONFIG = config_flags.DEFINE_config_file("config", None, "config file", lock_config=False)
_STEPS = flags.DEFINE_integer("steps", 20, "timed steps")
flags.mark_flags_as_required(["config"])


def main(argv):
    del argv
    import jax
    import numpy as np
    from alpr_jax.train.loop import global_batch, host_example_range, setup
    config = _CONFIG.value
    with config.unlocked():
        config.data.workers = 0
        config.eval_dirs = ()
    config, task, state, step_fn, sharding = setup(config)
    rows = host_example_range(config.data.batch_size)
    host_batch = next(task.batches(0, 1, example_range=rows))
    t0 = time.perf_counter()
    state, metrics = step_fn(state, global_batch(host_batch, sharding))
    jax.block_until_ready(metrics)
    compile_s = time.perf_counter() - t0
    times = []
    for _ in range(_STEPS.value):
        batch = global_batch(host_batch, sharding)
        t0 = time.perf_counter()
        state, metrics = step_fn(state, batch)
        jax.block_until_ready(metrics)
        times.append(time.perf_counter() - t0)
    ms = 1e3 * float(np.median(times))
    n_params = sum(x.size for x in jax.tree_util.tree_leaves(state.params))
    print("| task | model | dtype | devices | global batch | ms/step | samples/s | params |")
    print("|---|---|---|---|---|---|---|---|")
    print(f"| {config.task} | {dict(config.model)} | {config.get('compute_dtype', 'float32')} | "
          f"{jax.device_count()} ({jax.devices()[0].platform}) | {config.data.batch_size} | "
          f"{ms:.1f} | {config.data.batch_size / ms * 1e3:.1f} | {n_params / 1e6:.2f} M |")
    print(f"(first step incl. compilation: {compile_s:.1f} s)")


if __name__ == "__main__":
    app.run(main)
