"""The network a `roomby train` run starts from: its own last stage (resume), a checkpoint
(`train.init`, taken whole, widened or partly copied into the model: section), or fresh weights
with another run's perception (`train.init_perception`).

The perception calibration travels with the weights it describes
(agent/train/calibration.py): it is carried from where the perception came from; the
trainer drops it when the perception changes shape (`perception_changed`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent.config import RoombyConfig
from agent.model.checkpoint import copy_matching, load_checkpoint, widen_into
from agent.model.network import RoombyPolicyNet


def dagger_rounds_of(meta: dict[str, Any]) -> int:
    """DAgger rounds behind a checkpoint: its `dagger_rounds` (counted along `train.init`
    chains), or for checkpoints from before that was recorded, its own run's rounds."""
    if "dagger_rounds" in meta:
        return int(meta["dagger_rounds"])
    return sum(1 for s in meta.get("stages", []) if str(s.get("name", "")).startswith("dagger-"))


@dataclass
class RunStart:
    net: RoombyPolicyNet
    calibration: dict[str, Any] | None = None
    """The perception calibration that describes `net`'s perception, if any."""
    init_meta: dict[str, Any] = field(default_factory=dict)
    """`train.init`'s metadata, when the run starts from it."""
    dagger_rounds_before: int | None = None
    """DAgger rounds behind `train.init` (None: not started from a checkpoint now)."""
    perception_changed: bool = False
    """`net`'s perception differs in shape from the one `calibration` describes."""


def start_network(cfg: RoombyConfig, out: Path, done: list[str],
                  say: Callable[[str], None]) -> RunStart:
    """The network to train on, for the run in `out` that has finished stages `done`. A
    `train.init` taken whole sets `cfg.model` to the checkpoint's model."""
    tc = cfg.train
    if done:
        net, meta = load_checkpoint(out / f"{done[-1]}.pt")
        say(f"resuming after stage {done[-1]}")
        return RunStart(net, meta.get("perception_calibration"))
    if tc.init:
        net, meta = load_checkpoint(tc.init)
        start = RunStart(net, meta.get("perception_calibration"), meta, dagger_rounds_of(meta))
        if tc.init_partial:
            start.net = RoombyPolicyNet(cfg.model)
            fresh, unused = copy_matching(start.net, net)
            say(f"starting from {tc.init}, partly: fresh {', '.join(fresh) or 'none'}; not used "
                f"{', '.join(unused) or 'none'}")
            start.perception_changed = any(n.startswith("perception.") for n in fresh + unused)
        elif tc.init_widen:
            start.net = RoombyPolicyNet(cfg.model)
            grown = widen_into(start.net, net)
            say(f"starting from {tc.init}, widened: {', '.join(grown) or 'none'}")
        else:
            cfg.model = net.cfg
            say(f"starting from {tc.init}")
        return start
    start = RunStart(RoombyPolicyNet(cfg.model))
    if tc.init_perception:
        src, meta = load_checkpoint(tc.init_perception)
        start.calibration = meta.get("perception_calibration")
        start.net.perception.load_state_dict(src.perception.state_dict())
        say(f"perception from {tc.init_perception}")
    return start
