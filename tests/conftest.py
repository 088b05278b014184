import os

import pytest

SHARED = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data")
CCPD_DIR = os.path.join(SHARED, "ccpd_samples")
CROPS_DIR = os.path.join(SHARED, "plate_crops")


@pytest.fixture(scope="session")
def ccpd_dir():
    if not os.path.isdir(CCPD_DIR):
        pytest.fail(f"shared real data missing: {CCPD_DIR} (clone beside ../shared)")
    return CCPD_DIR


@pytest.fixture(scope="session")
def crops_dir():
    if not os.path.isdir(CROPS_DIR):
        pytest.fail(f"shared real data missing: {CROPS_DIR} (clone beside ../shared)")
    return CROPS_DIR


@pytest.fixture(scope="session", autouse=True)
def jax_compilation_cache(tmp_path_factory):
    """Share compiled programs between the tests' repeated training runs (same shapes)."""
    import jax
    jax.config.update("jax_compilation_cache_dir", str(tmp_path_factory.mktemp("jax_cache")))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
