"""Hypothesis profiles for every property test: `ci` (the default) draws the same examples on
every run, so a red CI run is a change in the code, not a new draw; `explore` draws new ones
(`pytest tests/agent/test_cli_fuzz.py --hypothesis-profile=explore`, docs/reliability.md)."""

from __future__ import annotations

from hypothesis import settings

settings.register_profile("ci", derandomize=True, database=None)
settings.register_profile("explore", derandomize=False)
settings.load_profile("ci")
