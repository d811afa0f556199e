from pathlib import Path

import pytest

from did.reference import load_codes, load_reference

DATA = Path(__file__).resolve().parents[1] / "data" / "did"


@pytest.fixture(scope="session")
def reference():
    return load_reference(DATA / "reference")


@pytest.fixture(scope="session")
def codes():
    return load_codes(DATA / "codes.csv")
