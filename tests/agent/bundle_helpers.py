"""Helpers of the export and runtime tests: seeded checkpoints, `roomby export`, recorded
episodes of the torch policy (imported by conftest.py and the tests)."""

from __future__ import annotations

import contextlib
import io
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch


@dataclass
class Episode:
    """A real env episode driven by the torch policy's argmax decisions, recorded per decision."""

    instruction: str
    obs: list[dict[str, np.ndarray]]
    outputs: list[dict[str, np.ndarray]]
    """Torch's PolicyOutput fields, attention (prefixed "att_") and state ("state_<i>")."""
    actions: list[tuple[int, int]]


def make_checkpoint(path: Path, seed: int = 0, **cfg) -> Path:
    from agent.model.checkpoint import save_checkpoint
    from agent.model.config import ModelConfig
    from agent.model.network import RoombyPolicyNet

    torch.manual_seed(seed)
    save_checkpoint(path, RoombyPolicyNet(ModelConfig(**cfg)), meta={"note": "seeded random init"})
    return path


def export_with_cli(checkpoint: Path, out: Path, *extra: str) -> dict:
    from agent.cli import main

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = main(["export", "--checkpoint", str(checkpoint), "--out", str(out), "--json",
                     *extra])
    assert code == 0
    return json.loads(buf.getvalue())


def record_episode(checkpoint: Path, env_id: str = "Roomby/GoToObject-OneRoom-v0",
                   seed: int = 3, max_decisions: int = 16) -> Episode:
    """Run the torch policy (argmax skill and cell) over a whole episode with its memory."""
    import gymnasium as gym

    import sim  # noqa: F401
    from agent.model.checkpoint import load_checkpoint
    from agent.model.network import obs_to_tensors

    net, _ = load_checkpoint(checkpoint)
    env = gym.make(env_id)
    try:
        obs, info = env.reset(seed=seed)
        state = net.initial_state(1)
        with torch.no_grad():
            command = net.encode_command(obs_to_tensors(obs)["instruction"])
        ep = Episode(info["instruction"], [], [], [])
        for _ in range(max_decisions):
            with torch.no_grad():
                out, state, att = net.step(obs_to_tensors(obs), state, command=command)
            states = state if isinstance(state, tuple) else (state,)
            rec = {k: v.numpy().copy() for k, v in out._asdict().items()}
            rec.update({f"att_{k}": v.numpy().copy() for k, v in att.items()})
            rec.update({f"state_{i}": s.numpy().copy() for i, s in enumerate(states)})
            action = (int(out.skill_logits.argmax()), int(out.pointer_logits.argmax()))
            ep.obs.append({k: np.array(v) for k, v in obs.items()})
            ep.outputs.append(rec)
            ep.actions.append(action)
            obs, _, terminated, truncated, _ = env.step(np.array(action))
            if terminated or truncated:
                break
    finally:
        env.close()
    return ep
