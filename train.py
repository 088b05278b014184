"""Train a model from a config file; any config field can be overridden on the command line.

    python train.py --config configs/recognizer_cpu.py --workdir runs/rec_cpu
    python train.py --config configs/recognizer_cpu.py --config.total_steps=2000 --config.data.batch_size=32

Rerunning with the same --workdir resumes from its latest checkpoint.
"""
from absl import app, flags, logging
from ml_collections import config_flags

_CONFIG = config_flags.DEFINE_config_file("config", None, "config file (get_config())",
                                          lock_config=True)
_WORKDIR = flags.DEFINE_string("workdir", None, "where checkpoints, logs and weights go")
flags.mark_flags_as_required(["config", "workdir"])


def main(argv):
    del argv
    logging.set_verbosity(logging.WARNING)   # orbax logs every checkpoint step at INFO
    from alpr_jax.train.loop import train_and_evaluate
    train_and_evaluate(_CONFIG.value, _WORKDIR.value)


if __name__ == "__main__":
    app.run(main)
