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


@pytest.fixture
def whole_file_scans(monkeypatch):
    """The outcome of each whole-file scan (True: the file was validated by it)."""
    from did.validate import whole_file

    outcomes = []
    real = whole_file.validate_whole

    def spy(*args, **kwargs):
        outcomes.append(real(*args, **kwargs))
        return outcomes[-1]

    monkeypatch.setattr(whole_file, "validate_whole", spy)
    return outcomes
