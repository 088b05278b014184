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
