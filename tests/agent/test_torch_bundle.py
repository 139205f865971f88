"""The agent node's torch backend computes what the exported ONNX bundle computes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from agent.export.torch_bundle import TorchBundle
from agent.model.checkpoint import CheckpointError
from agent.runtime import RuntimePolicy


@pytest.mark.parametrize("script", [True, False], ids=["torchscript", "eager"])
def test_torch_backend_matches_the_onnx_bundle_over_an_episode(fw_checkpoint: Path,
                                                               fw_bundle: Path, fw_episode,
                                                               script: bool):
    bundle = TorchBundle.from_checkpoint(fw_checkpoint, script=script)
    assert bundle.providers == (["torchscript"] if script else ["torch"])
    if script:
        assert all(isinstance(s.module, torch.jit.ScriptModule)
                   for s in bundle._sessions.values())
    torch_policy = RuntimePolicy(bundle)
    onnx_policy = RuntimePolicy(fw_bundle)
    assert torch_policy.bundle.meta["camera"] == onnx_policy.bundle.meta["camera"]
    assert torch_policy.bundle.meta["checkpoint"]["sha256"] == \
        onnx_policy.bundle.meta["checkpoint"]["sha256"]
    a, b = torch_policy.reset(fw_episode.instruction), onnx_policy.reset(fw_episode.instruction)
    assert a.goal == b.goal and a.unknown == b.unknown
    for obs in fw_episode.obs:
        da, db = torch_policy.act(obs), onnx_policy.act(obs)
        assert (da.skill, da.cell) == (db.skill, db.cell)
        for k in da.outputs:
            np.testing.assert_allclose(da.outputs[k], db.outputs[k], atol=1e-4, err_msg=k)
        for k in da.state:
            np.testing.assert_allclose(da.state[k], db.state[k], atol=1e-4, err_msg=k)


def test_torch_backend_names_a_broken_checkpoint(tmp_path: Path):
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError, match="bad.pt"):
        TorchBundle.from_checkpoint(bad)
