"""Train a model from a config file; any config field can be overridden on the command line.

    python train.py --config configs/recognizer.py:cpu --workdir runs/rec_cpu
    python train.py --config configs/recognizer.py:cpu --config.total_steps=2000 --config.data.batch_size=32
    python train.py --config configs/recognizer.py:finetune --config.init_from=runs/rec_gpu/recognition.npz --workdir runs/rec_ft

Rerunning with the same --workdir resumes from its latest checkpoint.

Several hosts (one process per host, each seeing its local GPUs): add --distributed. On SLURM,
Open MPI and Cloud TPU the coordinator is found from the environment
(`srun python train.py --config ... --workdir /shared/run --distributed`); elsewhere pass
--coordinator HOST:PORT --num_processes N --process_id I on each host. Each host builds only
its rows of every global batch; host 0 writes logs and the exported weights; orbax
coordinates the checkpoints (the workdir must be on a filesystem all hosts share).
"""
from absl import app, flags, logging
from ml_collections import config_flags

_CONFIG = config_flags.DEFINE_config_file("config", None, "config file (get_config())",
                                          lock_config=True)
_WORKDIR = flags.DEFINE_string("workdir", None, "where checkpoints, logs and weights go")
_DISTRIBUTED = flags.DEFINE_bool("distributed", False, "multi-host: jax.distributed.initialize()")
_COORDINATOR = flags.DEFINE_string("coordinator", None, "multi-host: coordinator HOST:PORT")
_NUM_PROCESSES = flags.DEFINE_integer("num_processes", None, "multi-host: number of processes")
_PROCESS_ID = flags.DEFINE_integer("process_id", None, "multi-host: this process's index")
flags.mark_flags_as_required(["config", "workdir"])


def main(argv):
    del argv
    logging.set_verbosity(logging.WARNING)   # orbax logs every checkpoint step at INFO
    if _DISTRIBUTED.value or _COORDINATOR.value:
        import jax
        jax.distributed.initialize(coordinator_address=_COORDINATOR.value,
                                   num_processes=_NUM_PROCESSES.value,
                                   process_id=_PROCESS_ID.value)
    from alpr_jax.train.loop import train_and_evaluate
    train_and_evaluate(_CONFIG.value, _WORKDIR.value)


if __name__ == "__main__":
    app.run(main)
