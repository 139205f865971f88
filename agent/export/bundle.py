"""Export a policy checkpoint to a self-contained ONNX bundle for the torch-free runtime.

    roomby export --checkpoint policy.pt --out bundle/ [--fp16]
    export_bundle(net, "bundle/", checkpoint="policy.pt")

A bundle is a folder (read by `agent.runtime.load_bundle`):

    perception.onnx   rgb uint8 [1,3,H,W] + depth metres [1,1,H,W] -> visual tokens and per-pixel
                      type / colour logits (scaling to 0..1 happens inside the graph)
    command.onnx      instruction token ids [1,32] -> queries, sentence, goal logits, attention
                      (once per command)
    decision.onnx     visual tokens + map + pose + queries + sentence + memory state ->
                      skill logits, pointer logits, value, motor logits, attention, new state
    roomby.json       the contract: vocabulary and tokenizer rule, camera, map and skill specs,
                      model config and version, source checkpoint and its sha256, every graph's
                      inputs and outputs, memory state names and shapes

Perception is its own graph so that it runs once per camera frame: its per-pixel classes feed the
map's semantic layer on every frame and its visual tokens feed the decision when one is due.
Shapes are static (batch 1): a robot decides for one robot, and TensorRT builds its fastest
engine for fixed shapes without optimisation profiles.

Exporter: the dynamo-based `torch.onnx.export(dynamo=True)` (torch.export + onnxscript). The
TorchScript exporter (`dynamo=False`) fails on this network under torch 2.13 (an internal shape
inference assertion on the Expand of perception's nearest-neighbour upsampling); the dynamo one
exports every part as is and folds constants. `--fp16` converts the fp32 graphs with
onnxconverter-common, keeping fp32 inputs and outputs, so the runtime feeds both alike.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as _dt
import hashlib
import io
import json
import logging
import warnings
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

from agent.export.graphs import (
    CommandGraph,
    DecisionGraph,
    PerceptionGraph,
    state_tensors,
)
from agent.model.calibration import confidence_power, type_given_room
from agent.model.checkpoint import load_checkpoint
from agent.model.language_encoder import TransformerLanguageEncoder
from agent.model.network import RoombyPolicyNet
from agent.runtime.bundle import BUNDLE_FORMAT, BUNDLE_VERSION, METADATA
from sim.actions import OBJECT_SNAP, SKILLS
from sim.camera import CameraSpec
from sim.catalog import CLEAN_RADIUS, COLOR_NAMES, FURNITURE_TYPES, ROBOT_RADIUS, ROOM_TYPES
from sim.grid import EXTENT, FINE_RES, MAP_RES, MAP_SIZE, PLAN_MARGIN
from sim.language import MAX_TOKENS, PAD, UNK, VOCAB
from sim.semantic_map import EVIDENCE_SCALE, MAP_CHANNELS
from sim.skills import PurePursuit

OPSET = 18
STATE_NAMES: dict[str, tuple[str, ...]] = {
    "fast_weights": ("memory_h", "memory_A"),
    "gru": ("memory_h",),
    "lstm": ("memory_h", "memory_c"),
    "none": (),
}
"""Memory state tensors per kind; the decision graph takes each and returns `new_<name>`."""


class ExportError(ValueError):
    """A model or request that cannot be exported; the message says why."""


def decision_names(net: RoombyPolicyNet) -> tuple[list[str], list[str]]:
    """(input names, output names) of the decision graph for this model."""
    states = list(STATE_NAMES[net.cfg.memory])
    inputs = ["visual_tokens", "map", "pose", "queries", "sentence",
              *(["goal_logits"] if net.cfg.grounding else []), *states]
    outputs = ["skill_logits", "pointer_logits", "value", "motor_logits"]
    if net.fusion_attn is not None:
        outputs.append("fusion_attention")
    outputs += ["pointer_attention", *(["goal_map"] if net.cfg.grounding else []),
                *(f"new_{s}" for s in states)]
    return inputs, outputs


COMMAND_OUTPUTS = ["queries", "sentence", "goal_logits", "words_attention", "language_attention"]
PERCEPTION_OUTPUTS = ["visual_tokens", "type_logits", "color_logits"]


def example_inputs(net: RoombyPolicyNet, camera: CameraSpec) -> dict[str, tuple[Tensor, ...]]:
    """Inputs of the right shapes and dtypes for each graph (values matter only for tracing)."""
    h, w = camera.height, camera.width
    g = torch.Generator().manual_seed(0)
    rgb = torch.randint(0, 256, (1, 3, h, w), dtype=torch.uint8, generator=g)
    depth = torch.rand(1, 1, h, w, generator=g) * 4.0
    instruction = torch.zeros(1, MAX_TOKENS, dtype=torch.int64)
    instruction[0, :5] = torch.arange(2, 7)
    with torch.no_grad():
        vis = net.perception(rgb, depth).tokens
        cmd = net.encode_command(instruction)
    state = net.initial_state(1)
    states = () if net.cfg.memory == "none" else state_tensors(net.cfg.memory, state)
    m = torch.rand(1, len(MAP_CHANNELS), MAP_SIZE, MAP_SIZE, generator=g)
    pose = torch.tensor([[3.0, 4.0, 1.0, 0.0]])
    return {"perception": (rgb, depth), "command": (instruction,),
            "decision": (vis, m, pose, cmd.queries, cmd.sentence,
                         *((cmd.goal_logits,) if net.cfg.grounding else ()), *states)}


def _export_graph(module: nn.Module, args: tuple[Tensor, ...], path: Path,
                  input_names: list[str], output_names: list[str]) -> None:
    module.eval()
    # The exporter reports progress on stdout and warns (warnings and logging) about torch.export
    # internals and absent torchvision ops: keep the CLI's output to what was written.
    quiet = logging.getLogger("torch.onnx")
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            torch.onnx.export(module, args, str(path), input_names=input_names,
                              output_names=output_names, opset_version=OPSET, dynamo=True,
                              external_data=False, verbose=False)
    finally:
        quiet.setLevel(level)


def _to_fp16(path: Path) -> None:
    import onnx
    from onnxconverter_common import float16

    model = onnx.load(str(path))
    _detach_outputs(model)
    # keep_io_types: fp32 in and out (state included), so one runtime feeds both bundles. The
    # converter warns about every constant it rounds to fp16's range: the test reports the effect.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = float16.convert_float_to_float16(model, keep_io_types=True)
    # The converter retypes every float tensor but leaves the target of Cast nodes that make
    # floats from other types (perception's uint8 -> float of the image) at float32.
    fp16 = {v.name for v in model.graph.value_info
            if v.type.tensor_type.elem_type == onnx.TensorProto.FLOAT16}
    for node in model.graph.node:
        if node.op_type == "Cast" and node.output[0] in fp16:
            for attr in node.attribute:
                if attr.name == "to" and attr.i == onnx.TensorProto.FLOAT:
                    attr.i = onnx.TensorProto.FLOAT16
    onnx.save(model, str(path))


def _detach_outputs(model: Any) -> None:
    """Give every graph output that other nodes also read its own Identity node.

    The fp16 converter casts a graph output back to fp32 under its name but leaves the nodes that
    read it inside the graph reading that fp32 tensor (the words attention feeds the query
    attention's next matmul), which onnxruntime rejects as a type mismatch.
    """
    from onnx import helper

    graph = model.graph
    outputs = {o.name for o in graph.output}
    used = {i for n in graph.node for i in n.input}
    for name in sorted(outputs & used):
        inner = f"{name}__inner"
        for n in graph.node:
            n.output[:] = [inner if o == name else o for o in n.output]
            n.input[:] = [inner if i == name else i for i in n.input]
        graph.node.append(helper.make_node("Identity", [inner], [name], name=f"{name}__out"))


def _io_spec(path: Path) -> dict[str, list[dict[str, Any]]]:
    import onnx
    from onnx import helper

    graph = onnx.load(str(path), load_external_data=False).graph

    def spec(v: Any) -> dict[str, Any]:
        t = v.type.tensor_type
        return {"name": v.name, "dtype": helper.tensor_dtype_to_np_dtype(t.elem_type).name,
                "shape": [d.dim_value if d.HasField("dim_value") else d.dim_param
                          for d in t.shape.dim]}

    return {"inputs": [spec(v) for v in graph.input],
            "outputs": [spec(v) for v in graph.output]}


def sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _package_version() -> str:
    try:
        from importlib.metadata import version

        return version("roomby")
    except Exception:  # running from a source tree that is not installed
        return "unknown"


def check_exportable(net: RoombyPolicyNet) -> None:
    if not isinstance(net.language, TransformerLanguageEncoder):
        raise ExportError(f"model.language={net.cfg.language!r} cannot be exported: the runtime "
                          "tokenizes with the bundle's vocabulary, which only the transformer "
                          "language encoder reads (MiniLM has its own tokenizer)")
    if net.cfg.memory not in STATE_NAMES:
        raise ExportError(f"memory kind {net.cfg.memory!r} has no export state names")


def _calibration(meta: dict[str, Any]) -> list | None:
    m = type_given_room(meta)
    return None if m is None else m.tolist()


def metadata(net: RoombyPolicyNet, camera: CameraSpec, fp16: bool, checkpoint: dict[str, Any]
             ) -> dict[str, Any]:
    states = STATE_NAMES[net.cfg.memory]
    init = net.initial_state(1)
    init = () if net.cfg.memory == "none" else state_tensors(net.cfg.memory, init)
    version = checkpoint["meta"].get("model_version") or (checkpoint["sha256"] or "")[:12] \
        or "unversioned"
    return {
        "format": BUNDLE_FORMAT,
        "format_version": BUNDLE_VERSION,
        "roomby_version": _package_version(),
        "exported": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "exporter": {"torch": torch.__version__, "opset": OPSET, "dynamo": True},
        "fp16": fp16,
        "model": {"version": version, "config": dataclasses.asdict(net.cfg),
                  "parameters": sum(p.numel() for p in net.parameters())},
        "checkpoint": checkpoint,
        "vocabulary": {"tokens": list(VOCAB), "pad": PAD, "unk": UNK, "max_tokens": MAX_TOKENS,
                       "word_pattern": "[a-z]+", "lowercase": True},
        # goal_logits [1, slots, sum(len(values) + 1)]: per field, "none" then the values.
        "goal": {"slots": net.codec.slots,
                 "fields": {k: list(v) for k, v in net.codec.fields.items()}},
        "camera": {**dataclasses.asdict(camera),
                   "rgb": "uint8 [1, 3, H, W] 0..255, channel-first, RGB",
                   "depth": "float32 [1, 1, H, W] metres along the optical axis"},
        "map": {"extent": EXTENT, "size": MAP_SIZE, "res": MAP_RES, "fine_res": FINE_RES,
                "channels": list(MAP_CHANNELS), "evidence_scale": EVIDENCE_SCALE,
                "evidence": "hits / most-hit class's hits * (1 - exp(-most hits / scale)), "
                            "per cell, types and colours apart; a pixel counts only where its "
                            "3x3 neighbours share its type (sim.semantic_map)",
                "types": list(FURNITURE_TYPES), "colors": list(COLOR_NAMES),
                "rooms": list(ROOM_TYPES), "cell": "row * size + col, row = y / res",
                # [room (last: none), true type, read type]: type hits are corrected with it
                # before the evidence (agent/train/calibration.py); null: taken as read.
                "type_given_room": _calibration(checkpoint["meta"]),
                # type hits count the type head's top probability ^ this (0: once each).
                "type_confidence_power": confidence_power(checkpoint["meta"])},
        "skills": {"names": list(SKILLS), "robot_radius": ROBOT_RADIUS,
                   "clean_radius": CLEAN_RADIUS, "plan_margin": PLAN_MARGIN,
                   "object_snap": OBJECT_SNAP,
                   "pursuit": dataclasses.asdict(PurePursuit())},
        "memory": {"kind": net.cfg.memory,
                   "state": [{"name": n, "shape": list(t.shape)}
                             for n, t in zip(states, init, strict=True)],
                   # fast weights: decay and write rate, for what it read back (memory_read)
                   **({"lam": net.cfg.fw_lam, "eta": net.cfg.fw_eta}
                      if net.cfg.memory == "fast_weights" else {})},
        "graphs": {},
    }


def export_bundle(net: RoombyPolicyNet, out: str | Path, *, fp16: bool = False,
                  checkpoint: str | Path | None = None, checkpoint_meta: dict | None = None,
                  camera: CameraSpec | None = None) -> dict[str, Any]:
    """Write the bundle into `out` (created; existing bundle files are replaced) and return its
    metadata (also written to `out/roomby.json`), with each file's size under "files"."""
    check_exportable(net)
    net = net.eval()
    camera = camera or CameraSpec()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    ck: dict[str, Any] = {"path": None, "sha256": None, "meta": dict(checkpoint_meta or {})}
    if checkpoint is not None:
        ck.update(path=str(Path(checkpoint).resolve()), sha256=sha256(checkpoint))
    meta = metadata(net, camera, fp16, ck)
    args = example_inputs(net, camera)
    dec_in, dec_out = decision_names(net)
    specs = {"perception": (PerceptionGraph(net), ["rgb", "depth"], PERCEPTION_OUTPUTS),
             "command": (CommandGraph(net), ["instruction"], COMMAND_OUTPUTS),
             "decision": (DecisionGraph(net), dec_in, dec_out)}
    files = {}
    for name, (module, ins, outs) in specs.items():
        path = out / f"{name}.onnx"
        _export_graph(module, args[name], path, ins, outs)
        if fp16:
            _to_fp16(path)
        meta["graphs"][name] = {"file": path.name, "sha256": sha256(path), **_io_spec(path)}
        files[path.name] = path.stat().st_size
    (out / METADATA).write_text(json.dumps(meta, indent=1, default=str))
    files[METADATA] = (out / METADATA).stat().st_size
    return {**meta, "files": files}


def export_checkpoint(checkpoint: str | Path, out: str | Path, fp16: bool = False
                      ) -> dict[str, Any]:
    """`roomby export`: load a checkpoint (CheckpointError names a bad one) and export it."""
    net, meta = load_checkpoint(checkpoint)
    return export_bundle(net, out, fp16=fp16, checkpoint=checkpoint, checkpoint_meta=meta)
