"""Run by multidevice_test.py in a subprocess whose XLA_FLAGS fix the CPU device count.

    python tests/multidevice_worker.py OUT_DIR JOB [JOB ...]
JOB = name:family:steps[:key=value,...] — train configs/<family>.py:tiny to `steps` in
OUT_DIR/name with the given config overrides (values parsed as Python literals or kept as
strings), resuming from whatever checkpoints are there (written by another device count or not).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main():
    import ast
    import importlib
    import time

    import jax
    from alpr_jax.train.loop import train_and_evaluate
    out = sys.argv[1]
    # the jobs repeat programs (one config on both device counts, resumed runs): a compilation
    # cache shared by the test's worker processes compiles each program once
    jax.config.update("jax_compilation_cache_dir", os.path.join(out, "xla_cache"))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", -1)
    for job in sys.argv[2:]:
        t0 = time.perf_counter()
        name, config_name, steps, *overrides = job.split(":")
        config = importlib.import_module(f"configs.{config_name}").get_config("tiny")
        with config.unlocked():
            for item in ",".join(overrides).split(",") if overrides else []:
                key, value = item.split("=", 1)
                try:
                    value = ast.literal_eval(value)
                except (ValueError, SyntaxError):
                    pass
                parent = config
                *path, leaf = key.split(".")
                for part in path:
                    parent = parent[part]
                parent[leaf] = value
            config.total_steps = int(steps)
            config.data.batch_size = 4              # divides by 1 and 4 devices
            config.checkpoint_every = 1
            # plain SGD: the comparison tests the data-parallel arithmetic; Adam would turn
            # float32 reduction-order noise in near-zero gradients into lr-sized steps
            config.optimizer.name = "sgd"
            config.optimizer.weight_decay = 0.0
            config.optimizer.lr = 0.05
        train_and_evaluate(config, os.path.join(out, name), progress=False)
        print(f"{name}: {jax.device_count()} devices, {steps} steps, "
              f"{time.perf_counter() - t0:.0f} s", flush=True)


if __name__ == "__main__":
    main()
