"""Shared fixtures. ``shared_data`` finds ../shared/data (the project's real test data)."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data relative to the project root; tests needing it skip cleanly without it."""
    if not (SHARED_DATA / "README.md").is_file():
        pytest.skip(f"../shared/data not found: {SHARED_DATA}")
    return SHARED_DATA
