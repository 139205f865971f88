"""Checkpoints round-trip; damaged or foreign files are named errors."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from agent.model.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from agent.model.config import ModelConfig
from agent.model.network import RoombyPolicyNet


def test_round_trip_keeps_config_weights_and_meta(tmp_path: Path) -> None:
    torch.manual_seed(0)
    net = RoombyPolicyNet(ModelConfig(memory="gru", dim=32))
    save_checkpoint(tmp_path / "p.pt", net, meta={"command": "roomby train", "steps": 3})
    loaded, meta = load_checkpoint(tmp_path / "p.pt")
    assert loaded.cfg == net.cfg and meta == {"command": "roomby train", "steps": 3}
    for (n, a), (_, b) in zip(net.state_dict().items(), loaded.state_dict().items(), strict=True):
        assert torch.equal(a, b), n
    assert not (tmp_path / "p.pt.tmp").exists()


def test_bad_files_are_named(tmp_path: Path) -> None:
    net = RoombyPolicyNet(ModelConfig(dim=32))
    good = tmp_path / "good.pt"
    save_checkpoint(good, net)
    with pytest.raises(CheckpointError, match="no checkpoint at"):
        load_checkpoint(tmp_path / "missing.pt")
    truncated = tmp_path / "truncated.pt"
    truncated.write_bytes(good.read_bytes()[:1000])
    with pytest.raises(CheckpointError, match="cannot read checkpoint .*truncated.pt"):
        load_checkpoint(truncated)
    foreign = tmp_path / "foreign.pt"
    torch.save({"weights": torch.zeros(3)}, foreign)
    with pytest.raises(CheckpointError, match="not a Roomby policy checkpoint"):
        load_checkpoint(foreign)
    data = torch.load(good, weights_only=True)
    data["model_config"]["dim"] = 64  # weights are for dim 32
    mismatch = tmp_path / "mismatch.pt"
    torch.save(data, mismatch)
    with pytest.raises(CheckpointError, match="do not fit"):
        load_checkpoint(mismatch)
    data["model_config"]["flux"] = 1
    torch.save(data, mismatch)
    with pytest.raises(CheckpointError, match=r"unknown model config key\(s\) \['flux'\]"):
        load_checkpoint(mismatch)
