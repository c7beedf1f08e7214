"""Example counts of the fuzz tests as shares of the loaded Hypothesis profile (conftest):
a test says how much of the profile its examples are worth, the profile says how many."""

from __future__ import annotations

from hypothesis import settings


def examples(share: float = 1.0) -> settings:
    """``@examples(0.3)``: 30 % of the profile's ``max_examples`` (at least one)."""
    return settings(max_examples=max(1, round(settings().max_examples * share)))
