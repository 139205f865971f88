"""The torch backend of the robot runtime: a checkpoint served through the bundle interface.

    policy = RuntimePolicy(TorchBundle.from_checkpoint("agent/checkpoints/roomby.pt"))

`RuntimePolicy` and `RobotAgent` call `bundle.session(name).run(None, feeds)`; here each
"session" runs the very modules `roomby export` traces (`agent.export.bundle`'s PerceptionGraph,
CommandGraph, DecisionGraph) as frozen TorchScript (`torch.jit.trace` + `freeze`: faster than
eager at batch 1, benchmarks/policy_speed.py) or, with `script=False`, in torch eager, and the
metadata is the one the export writes, so
both backends read commands, frames and memory state the same way (the export parity test holds
the graphs to the network). For desktops and the simulated robot; a robot without torch loads an
exported bundle instead.

TorchScript is deprecated as of torch 2.13 (still supported there); its successor, torch.compile,
needs a C++ toolchain on the robot and a compile step at every start, so the backend keeps
TorchScript while it works and runs eager where it does not.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch

from agent.export.bundle import (
    COMMAND_OUTPUTS,
    PERCEPTION_OUTPUTS,
    CommandGraph,
    DecisionGraph,
    PerceptionGraph,
    check_exportable,
    decision_names,
    example_inputs,
    metadata,
    sha256,
)
from agent.model.checkpoint import load_checkpoint
from agent.model.network import RoombyPolicyNet
from agent.runtime.bundle import Bundle
from sim.camera import CameraSpec


def frozen(module: torch.nn.Module, example: tuple[torch.Tensor, ...]) -> torch.nn.Module:
    """`module` traced on `example` (batch 1, the fixed shapes of a bundle's graphs) and frozen:
    weights inlined as constants, constants folded.

    Not `optimize_for_inference` on top: at batch 1 its oneDNN convolutions cost more in layout
    conversions (to_mkldnn / to_dense around every convolution) than they save
    (docs/deploy.md)."""
    with torch.no_grad(), warnings.catch_warnings():
        # The tracer warns about shapes read as Python numbers: a bundle's shapes are fixed.
        warnings.simplefilter("ignore", torch.jit.TracerWarning)
        # torch 2.13 marks trace/freeze deprecated (still supported) in favour of torch.compile,
        # which needs a C++ toolchain on the robot and compiles at start: see the module doc.
        warnings.simplefilter("ignore", DeprecationWarning)
        traced = torch.jit.trace(module.eval(), example, check_trace=False)
        return torch.jit.freeze(traced.eval())


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
                     checkpoint_meta: dict | None = None, script: bool = True) -> TorchBundle:
        """`script`: run the graphs as frozen TorchScript (see `frozen`); where tracing fails
        (an unusual torch build) they run in eager mode, with a warning."""
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
        examples = example_inputs(net, camera or CameraSpec())
        kind = "torch"
        if script:
            try:
                specs = {k: (frozen(m, examples[k]), ins, outs)
                         for k, (m, ins, outs) in specs.items()}
                kind = "torchscript"
            except Exception as e:  # noqa: BLE001 - any tracing failure leaves eager mode working
                warnings.warn(f"TorchScript tracing failed ({e}); running the graphs in eager "
                              "mode", RuntimeWarning, stacklevel=2)
        bundle = cls(Path(source) if source is not None else Path("<network>"), meta,
                     threads=threads, providers=[kind])
        for name, (module, ins, outs) in specs.items():
            meta["graphs"][name] = {"file": None, "inputs": [{"name": n} for n in ins],
                                    "outputs": [{"name": n} for n in outs]}
            bundle._sessions[name] = TorchSession(module, ins, outs)
        bundle.net = net
        return bundle

    @classmethod
    def from_checkpoint(cls, path: str | os.PathLike, threads: int = 1, script: bool = True
                        ) -> TorchBundle:
        """CheckpointError names a missing or broken checkpoint."""
        torch.set_num_threads(threads)
        net, meta = load_checkpoint(path)
        return cls.from_network(net, source=path, threads=threads, checkpoint_meta=meta,
                                script=script)

    def _open(self, name: str):
        raise KeyError(f"the torch backend has no graph {name!r}")
