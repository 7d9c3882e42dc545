"""Shared fixtures: the shipped sample corpus, read once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_DIR = ROOT / "src" / "lawgov" / "resources" / "samples"


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    return SAMPLE_DIR


@pytest.fixture(scope="session")
def sample_paths() -> list[Path]:
    return sorted(SAMPLE_DIR.glob("*.txt"))


@pytest.fixture(scope="session")
def reports():
    """The reports table of the five samples (lawgov.load_sample_reports()), read once."""
    import lawgov as lg

    return lg.load_sample_reports()
