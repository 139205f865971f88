"""A trained `RoombyPolicyNet` as an env policy: observation in, skill-level action out.

With `motor=True` it drives the motor-level env instead: the motor head's wheel action every
control period (the two-level design's ablation); the memory then runs once per period.

It keeps what an episode needs between decisions: the memory state, the encoded command
(computed once per instruction) and the cells that led nowhere (`agent.runtime.blocked`, which
the robot runtime shares). Call `reset()` at the start of every episode (`run_episode` does).
The last decision's attention is kept for pictures (`last_attention`; with fast weights its
"memory" entry is the weight the retrieval gave each earlier decision, `memory_read`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from agent.model.calibration import confidence_power, type_given_room
from agent.model.checkpoint import DEFAULT_CHECKPOINT, load_checkpoint
from agent.model.network import RoombyPolicyNet, obs_to_tensors
from agent.model.perception import LearnedPerception
from agent.runtime.blocked import BlockedCells
from agent.runtime.memory_read import ReadBack
from sim.actions import STOP


class LearnedPolicy:
    """Greedy (or sampled, with a generator) decisions of a policy network."""

    def __init__(self, net: RoombyPolicyNet, rng: np.random.Generator | None = None,
                 motor: bool = False):
        self.net = net.eval()
        self.rng = rng
        self.motor = motor
        self.meta: dict = {}
        self.reset()

    @classmethod
    def load(cls, path: str | Path = DEFAULT_CHECKPOINT, rng: np.random.Generator | None = None,
             motor: bool = False) -> LearnedPolicy:
        net, meta = load_checkpoint(path)
        policy = cls(net, rng, motor)
        policy.meta = meta
        return policy

    def perception(self) -> LearnedPerception:
        """The env's `perception=` callable from the same network (what the robot sees with),
        with the checkpoint's calibration when it has one."""
        return LearnedPerception(self.net.perception, type_given_room(self.meta),
                                 confidence_power(self.meta))

    @property
    def blocked(self) -> set[int]:
        """The cells masked out of the pointer for the rest of this episode."""
        return self._blocked.cells

    def reset(self) -> None:
        self.state = self.net.initial_state(1)
        self._tokens: np.ndarray | None = None
        self._command = None
        self._blocked = BlockedCells()
        # fast weights: what each decision read back of the earlier ones
        self._read_back = ReadBack(self.net.cfg.fw_lam, self.net.cfg.fw_eta) \
            if self.net.cfg.memory == "fast_weights" else None
        self.last_attention: dict[str, np.ndarray] = {}

    @torch.no_grad()
    def __call__(self, obs: dict[str, np.ndarray]) -> np.ndarray | int:
        t = obs_to_tensors(obs)
        tokens = np.asarray(obs["instruction"])
        if self._command is None or not np.array_equal(tokens, self._tokens):
            self._tokens = tokens.copy()
            self._command = self.net.encode_command(t["instruction"])
        out, self.state, attention = self.net.step(t, self.state, command=self._command)
        self.last_attention = {k: v[0].numpy() for k, v in attention.items()}
        if self._read_back is not None:
            self.last_attention["memory"] = self._read_back.step(self.state[0][0].numpy())
        if self.motor:
            logits = out.motor_logits[0]
            return int(logits.argmax()) if self.rng is None else _sample(logits, self.rng)
        x, y = (float(v) for v in np.asarray(obs["pose"]).reshape(-1)[:2])
        blocked = self._blocked.update(x, y)
        pointer = out.pointer_logits[0]
        if blocked:
            pointer = pointer.clone()
            pointer[list(blocked)] = float("-inf")
        if self.rng is None:
            skill = int(out.skill_logits[0].argmax())
            cell = int(pointer.argmax())
        else:
            skill = _sample(out.skill_logits[0], self.rng)
            cell = _sample(pointer, self.rng)
        self._blocked.chose(skill, cell, x, y)
        return np.array([skill, 0 if skill == STOP else cell], dtype=np.int64)


def _sample(logits: torch.Tensor, rng: np.random.Generator) -> int:
    p = torch.softmax(logits.double(), -1).numpy()
    return int(rng.choice(len(p), p=p / p.sum()))
