"""Shared test fixtures: the external data folder and small generated media."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"


def shared_path(*parts: str) -> Path:
    """A path under ../shared/data; skips the test when it is absent."""
    p = SHARED.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"external test data not present: {p}")
    return p


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data, or skip."""
    return shared_path()
