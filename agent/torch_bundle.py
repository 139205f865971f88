"""The torch backend of the robot runtime: a checkpoint served through the bundle interface.

    policy = RuntimePolicy(TorchBundle.from_checkpoint("agent/checkpoints/roomby.pt"))

`RuntimePolicy` and `RobotAgent` call `bundle.session(name).run(None, feeds)`; here each
"session" runs the very modules `roomby export` traces (`agent.export`'s PerceptionGraph,
CommandGraph, DecisionGraph) in torch eager, and the metadata is the one the export writes, so
both backends read commands, frames and memory state the same way (the export parity test holds
the graphs to the network). For desktops and the simulated robot; a robot without torch loads an
exported bundle instead.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import torch

from agent.checkpoint import load_checkpoint
from agent.export import (
    COMMAND_OUTPUTS,
    PERCEPTION_OUTPUTS,
    CommandGraph,
    DecisionGraph,
    PerceptionGraph,
    check_exportable,
    decision_names,
    metadata,
    sha256,
)
from agent.policy import RoombyPolicyNet
from agent.runtime.bundle import Bundle
from sim.camera import CameraSpec


class TorchSession:
    """onnxruntime's `InferenceSession.run` over a torch module (no gradients)."""

    def __init__(self, module: torch.nn.Module, inputs: list[str], outputs: list[str]):
        self.module, self.inputs, self.outputs = module.eval(), inputs, outputs

    @torch.no_grad()
    def run(self, names: list[str] | None, feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
        missing = [n for n in self.inputs if n not in feeds]
        if missing:
            raise ValueError(f"missing input(s) {missing}")
        out = self.module(*(torch.from_numpy(np.ascontiguousarray(feeds[n]))
                            for n in self.inputs))
        values = [t.numpy() for t in out]
        if names is None:
            return values
        return [values[self.outputs.index(n)] for n in names]


class TorchBundle(Bundle):
    """A Bundle whose graphs are torch modules of one network."""

    net: RoombyPolicyNet

    @classmethod
    def from_network(cls, net: RoombyPolicyNet, camera: CameraSpec | None = None,
                     source: str | os.PathLike | None = None, threads: int = 1,
                     checkpoint_meta: dict | None = None) -> TorchBundle:
        check_exportable(net)
        net = net.eval()
        ck: dict[str, Any] = {"path": None, "sha256": None, "meta": dict(checkpoint_meta or {})}
        if source is not None:
            ck.update(path=str(Path(source).resolve()), sha256=sha256(Path(source)))
        meta = metadata(net, camera or CameraSpec(), False, ck)
        dec_in, dec_out = decision_names(net)
        specs = {"perception": (PerceptionGraph(net), ["rgb", "depth"], PERCEPTION_OUTPUTS),
                 "command": (CommandGraph(net), ["instruction"], COMMAND_OUTPUTS),
                 "decision": (DecisionGraph(net), dec_in, dec_out)}
        bundle = cls(Path(source) if source is not None else Path("<network>"), meta,
                     threads=threads, providers=["torch"])
        for name, (module, ins, outs) in specs.items():
            meta["graphs"][name] = {"file": None, "inputs": [{"name": n} for n in ins],
                                    "outputs": [{"name": n} for n in outs]}
            bundle._sessions[name] = TorchSession(module, ins, outs)
        bundle.net = net
        return bundle

    @classmethod
    def from_checkpoint(cls, path: str | os.PathLike, threads: int = 1) -> TorchBundle:
        """CheckpointError names a missing or broken checkpoint."""
        torch.set_num_threads(threads)
        net, meta = load_checkpoint(path)
        return cls.from_network(net, source=path, threads=threads, checkpoint_meta=meta)

    def _open(self, name: str):
        raise KeyError(f"the torch backend has no graph {name!r}")
