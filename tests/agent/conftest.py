"""Fixtures shared by the export and runtime tests: a seeded checkpoint, its bundle, an episode.

Exporting takes ~20 s per bundle (torch.export + onnxscript), so the default model's bundle is
made once per test session.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from bundle_helpers import Episode, export_with_cli, make_checkpoint, record_episode


@pytest.fixture(scope="session")
def fw_checkpoint(tmp_path_factory) -> Path:
    # A seed whose random policy navigates at its first decision in the episode the robot-agent
    # test drives (with seed 0, since the vocabulary grew, it stops at once and nothing moves).
    return make_checkpoint(tmp_path_factory.mktemp("ckpt") / "fast_weights.pt", seed=3)


@pytest.fixture(scope="session")
def fw_bundle(tmp_path_factory, fw_checkpoint) -> Path:
    """The default model (fast-weight memory) exported through `roomby export`."""
    out = tmp_path_factory.mktemp("bundle") / "fast_weights"
    export_with_cli(fw_checkpoint, out)
    return out


@pytest.fixture(scope="session")
def fw_episode(fw_checkpoint) -> Episode:
    return record_episode(fw_checkpoint)
