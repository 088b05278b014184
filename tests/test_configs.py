"""Every config family and variant builds and passes the loop's checks; the variant argument
is parsed strictly; fine-tuning variants refuse to start without the earlier stage."""
import os

import pytest

from alpr_jax.train.loop import check_config, resolved
from configs import common

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FAMILIES = ("recognizer", "detector_rpn", "detector_rcnn", "dsnt_refine", "dsnt_image",
            "faster_rcnn", "corner_patch")


def _family(name):
    import importlib
    return importlib.import_module(f"configs.{name}")


def test_configs_folder_holds_one_file_per_family():
    files = sorted(f for f in os.listdir(os.path.join(ROOT, "configs")) if f.endswith(".py"))
    assert files == sorted(["__init__.py", "common.py"] + [f"{f}.py" for f in FAMILIES])


@pytest.mark.parametrize("family", FAMILIES)
def test_every_variant_builds_and_checks(family):
    module = _family(family)
    for variant in module.VARIANTS:
        for arg in (variant, f"{variant},tiny"):
            c = module.get_config(arg)
            if c.requires_init:
                with pytest.raises(ValueError, match="init_from"):
                    check_config(c)
                with c.unlocked():
                    c.init_from = "some/earlier/stage.npz"
            check_config(c)
            assert c.task == module.get_config().task
    tiny = module.get_config("tiny")
    assert tiny.total_steps <= 6 and tiny.eval_every == 0 and tiny.data.workers == 0
    assert common.load(os.path.join(ROOT, "configs", f"{family}.py") + ":tiny") == tiny


def test_parse_arg_is_strict():
    arg = common.parse_arg("gpu,steps=40000,tiny", variant="paper", tiny=False, steps=0)
    assert (arg.variant, arg.tiny, arg.steps) == ("gpu", True, 40000)
    assert common.parse_arg("", variant="paper", tiny=False).variant == "paper"
    with pytest.raises(ValueError, match="unknown"):
        common.parse_arg("wide=2", variant="paper")
    with pytest.raises(ValueError, match="twice"):
        common.parse_arg("cpu,gpu", variant="paper")
    with pytest.raises(ValueError, match="unknown variant"):
        _family("recognizer").get_config("stage3")
    with pytest.raises(ValueError, match="true or false"):
        common.parse_arg("tiny=maybe", variant="paper", tiny=False)


def test_schedule_option_and_global_batch():
    c = _family("recognizer").get_config("gpu,steps=40000,drop=20000")
    assert c.total_steps == 40000 and tuple(c.optimizer.boundaries) == (20000,)
    with c.unlocked():
        c.data.per_device_batch_size = 3
    import jax
    r = resolved(c)
    # the global batch is written into a copy; the config given is left as it was
    assert r.data.batch_size == 3 * jax.device_count() and c.data.batch_size == 64
