"""The exported policy under onnxruntime: a command in, one decision per call, memory carried.

    policy = RuntimePolicy("bundle/")
    policy.reset("vacuum under the red couch")     # tokenizes, encodes the command, zeroes memory
    seen = policy.perceive(rgb, depth)             # once per camera frame: tokens + pixel classes
    d = policy.decide(map, pose, seen)             # d.skill, d.cell, d.outputs, d.attention
    d = policy.act(obs)                            # or both at once from an env-style observation

Numpy and onnxruntime only. Decisions are the argmax of the skill and pointer logits (the
deterministic policy a robot runs); the logits come back for anyone who samples instead.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

from agent.runtime.bundle import Bundle, BundleError, Vocabulary, load_bundle
from agent.runtime.memory_read import ReadBack
from sim.semantic_map import type_confidence


@dataclass
class Percept:
    """What perception made of one camera frame."""

    tokens: np.ndarray
    """[1, 80, D] visual tokens (the decision graph's input)."""
    type_logits: np.ndarray
    """[1, types + 1, H/2, W/2]."""
    color_logits: np.ndarray
    """[1, colours + 1, H/2, W/2]."""

    def classes(self) -> tuple[np.ndarray, np.ndarray]:
        """Per-pixel (type, colour) index + 1 (0 = none) at full resolution, uint8 [H, W]: what
        the semantic map projects (each half-resolution prediction covers a 2 x 2 block)."""
        t = self.type_logits[0].argmax(0).astype(np.uint8)
        c = self.color_logits[0].argmax(0).astype(np.uint8)
        return _up2(t), _up2(c)

    def type_weight(self, power: float) -> np.ndarray:
        """Per-pixel weight of the type reading at full resolution, float32 [H, W]: the top
        type probability ^ `power` (`sim.semantic_map.type_confidence`)."""
        return _up2(type_confidence(self.type_logits[0].astype(np.float32), power))


def _up2(x: np.ndarray) -> np.ndarray:
    return np.repeat(np.repeat(x, 2, axis=0), 2, axis=1)


@dataclass
class Command:
    text: str | None
    ids: np.ndarray
    """int64 [max_tokens] token ids."""
    unknown: list[str]
    """Words outside the vocabulary (encoded as <unk>)."""
    outputs: dict[str, np.ndarray]
    """queries, sentence, goal_logits, words_attention, language_attention."""
    goal: dict | None
    """The goal the model reads from the command (its auxiliary head), in the sim's schema."""


@dataclass
class Decision:
    skill: int
    """0 stop, 1 navigate, 2 clean (argmax of skill_logits)."""
    cell: int
    """Map cell, row * 48 + col (argmax of pointer_logits)."""
    skill_name: str
    outputs: dict[str, np.ndarray]
    """skill_logits [1, 3], pointer_logits [1, 2304], value [1], motor_logits [1, 4],
    goal_logits [1, 2, G] (from the command)."""
    attention: dict[str, np.ndarray] = field(default_factory=dict)
    """words, language (from the command), fusion [1, heads, K, 80 + 144], pointer [1, 2304]."""
    state: dict[str, np.ndarray] = field(default_factory=dict)
    """The memory state after this decision, by name."""


class RuntimePolicy:
    """One robot's policy: the bundle's three graphs and the memory state between decisions."""

    def __init__(self, bundle: Bundle | str | os.PathLike, threads: int = 1,
                 providers: list[str] | None = None):
        self.bundle = bundle if isinstance(bundle, Bundle) else load_bundle(
            bundle, threads=threads, providers=providers)
        meta = self.bundle.meta
        self.vocab = Vocabulary(meta["vocabulary"])
        self.skills: list[str] = list(meta["skills"]["names"])
        cam = meta["camera"]
        self.image_size = (int(cam["height"]), int(cam["width"]))
        self._perception = self.bundle.session("perception")
        self._command = self.bundle.session("command")
        self._decision = self.bundle.session("decision")
        self._dec_inputs = [i["name"] for i in self.bundle.graph("decision")["inputs"]]
        # Models with a goal map (model.grounding) read the command's goal logits per decision.
        self._feeds_goal = "goal_logits" in self._dec_inputs
        self._dec_outputs = [o["name"] for o in self.bundle.graph("decision")["outputs"]]
        self._cmd_outputs = [o["name"] for o in self.bundle.graph("command")["outputs"]]
        self._state_names = [s["name"] for s in self.bundle.state_specs]
        mem = meta["memory"]
        # What a fast-weight memory read back (memory_read.py); None for other kinds and for
        # bundles exported before they were recorded.
        self._read_back = ReadBack(mem["lam"], mem["eta"]) if (
            mem["kind"] == "fast_weights" and "memory_h" in self._state_names
            and all(isinstance(mem.get(k), (int, float)) and not isinstance(mem.get(k), bool)
                    for k in ("lam", "eta"))) else None
        self._check_graphs()
        self.command: Command | None = None
        self.state: dict[str, np.ndarray] = {}
        self.reset_memory()

    def _check_graphs(self) -> None:
        """The metadata must describe the graphs it ships with (a hand-edited or mixed-up
        roomby.json would decode goals, read images or carry memory wrongly, silently)."""
        if not hasattr(self._command, "get_outputs"):
            return  # a TorchBundle: its metadata is made from the model it runs
        meta, where = self.bundle.meta, self.bundle.path / "roomby.json"

        def shapes(session, which: str) -> dict[str, list]:
            return {v.name: list(v.shape) for v in getattr(session, which)()}

        def differ(have: list | None, want: list) -> bool:  # symbolic dims match anything
            return have is None or len(have) != len(want) or any(
                isinstance(h, int) and h != w for h, w in zip(have, want, strict=True))

        goal = meta["goal"]
        want = [1, int(goal["slots"]), sum(len(v) + 1 for v in goal["fields"].values())]
        have = shapes(self._command, "get_outputs").get("goal_logits")
        if differ(have, want):
            raise BundleError(f"{where}: goal.fields and goal.slots give goal logits {want}, "
                              f"the command graph makes {have}")
        vocab = meta["vocabulary"]
        want = [1, int(vocab["max_tokens"])]
        have = shapes(self._command, "get_inputs").get("instruction")
        if differ(have, want) or not 0 <= min(vocab["pad"], vocab["unk"]) <= \
                max(vocab["pad"], vocab["unk"]) < len(vocab["tokens"]):
            raise BundleError(f"{where}: vocabulary (max_tokens {vocab['max_tokens']}, pad "
                              f"{vocab['pad']}, unk {vocab['unk']}, {len(vocab['tokens'])} "
                              f"tokens) does not fit the command graph's input {have}")
        want = [1, 3, *self.image_size]
        have = shapes(self._perception, "get_inputs").get("rgb")
        if differ(have, want):
            raise BundleError(f"{where}: camera.height and camera.width give images {want}, "
                              f"the perception graph takes {have}")
        decision = shapes(self._decision, "get_inputs")
        for spec in self.bundle.state_specs:
            if differ(decision.get(spec["name"]), list(spec["shape"])):
                raise BundleError(f"{where}: memory.state {spec['name']} {spec['shape']} is not "
                                  f"what the decision graph takes "
                                  f"({decision.get(spec['name'])})")

    # -- per command -------------------------------------------------------------------------
    def reset(self, instruction: str | np.ndarray) -> Command:
        """A new command (text, or token ids): encode it once and start the memory afresh."""
        if isinstance(instruction, str):
            ids, unknown = self.vocab.encode(instruction)
            text: str | None = instruction
        else:
            ids = np.asarray(instruction, dtype=np.int64).reshape(-1)
            if ids.shape[0] != self.vocab.max_tokens:
                raise ValueError(f"instruction ids must have {self.vocab.max_tokens} entries, "
                                 f"got {ids.shape[0]}")
            if ids.min() < 0 or ids.max() >= len(self.vocab.tokens):
                raise ValueError("instruction ids outside the bundle's vocabulary")
            unknown, text = [], None
        out = self._command.run(None, {"instruction": ids[None]})
        outputs = dict(zip(self._cmd_outputs, out, strict=True))
        self.command = Command(text, ids, unknown, outputs, self.goal(outputs["goal_logits"]))
        self.reset_memory()
        return self.command

    def reset_memory(self) -> None:
        """Zero the memory state (the start of an episode)."""
        self.state = {s["name"]: np.zeros(s["shape"], dtype=np.float32)
                      for s in self.bundle.state_specs}
        if self._read_back is not None:
            self._read_back.reset()

    def goal(self, goal_logits: np.ndarray) -> dict | None:
        """The goal head's argmax per field, in the sim's schema (None: no task read)."""
        spec = self.bundle.meta["goal"]
        fields: dict[str, list[str]] = spec["fields"]
        steps = []
        for s in range(int(spec["slots"])):
            row, step, start = goal_logits[0, s], {}, 0
            for name, values in fields.items():
                k = int(np.argmax(row[start: start + len(values) + 1]))
                step[name] = None if k == 0 else values[k - 1]
                start += len(values) + 1
            if step.get("task") is None:
                break
            steps.append(step)
        if not steps:
            return None
        return steps[0] if len(steps) == 1 else {"task": "sequence", "steps": steps}

    # -- per camera frame ---------------------------------------------------------------------
    def perceive(self, rgb: np.ndarray, depth: np.ndarray) -> Percept:
        """rgb uint8 [3, H, W] or [H, W, 3] (with or without a batch axis), depth metres [H, W]
        (or [1, H, W], [1, 1, H, W]) -> visual tokens and per-pixel logits."""
        h, w = self.image_size
        rgb = np.asarray(rgb)
        if rgb.dtype != np.uint8:
            raise ValueError(f"rgb must be uint8 0..255, got {rgb.dtype}")
        img = rgb.reshape(rgb.shape[-3:]) if rgb.ndim == 4 else rgb
        if img.shape == (h, w, 3):
            img = img.transpose(2, 0, 1)
        elif img.shape != (3, h, w):
            raise ValueError(f"rgb must be [3, {h}, {w}] or [{h}, {w}, 3] (the bundle's camera), "
                             f"got {tuple(rgb.shape)}")
        d = np.asarray(depth, dtype=np.float32)
        if d.size != h * w:
            raise ValueError(f"depth must have {h} x {w} pixels, got {tuple(d.shape)}")
        tokens, types, colors = self._perception.run(None, {
            "rgb": np.ascontiguousarray(img)[None], "depth": d.reshape(1, 1, h, w)})
        return Percept(tokens, types, colors)

    # -- per decision ---------------------------------------------------------------------------
    def decide(self, map: np.ndarray, pose: np.ndarray, percept: Percept,
               blocked: set[int] | frozenset[int] = frozenset()) -> Decision:
        """One decision from the map [C, 48, 48], pose (x, y, cos, sin) and the latest frame's
        percept; carries the memory state to the next call. `blocked` cells are never
        pointed at (`agent.runtime.blocked`)."""
        if self.command is None:
            raise RuntimeError("no command: call reset(instruction) first")
        c = self.command.outputs
        feeds = {"visual_tokens": percept.tokens,
                 "map": np.asarray(map, dtype=np.float32).reshape(1, *np.shape(map)[-3:]),
                 "pose": np.asarray(pose, dtype=np.float32).reshape(1, 4),
                 "queries": c["queries"], "sentence": c["sentence"], **self.state}
        if self._feeds_goal:
            feeds["goal_logits"] = c["goal_logits"]
        out = dict(zip(self._dec_outputs, self._decision.run(None, feeds), strict=True))
        self.state = {n: out[f"new_{n}"] for n in self._state_names}
        skill = int(np.argmax(out["skill_logits"][0]))
        pointer = out["pointer_logits"][0]
        if blocked:
            pointer = pointer.copy()
            pointer[list(blocked)] = -np.inf
        cell = int(np.argmax(pointer))
        outputs = {k: out[k] for k in ("skill_logits", "pointer_logits", "value", "motor_logits")}
        outputs["goal_logits"] = c["goal_logits"]
        attention = {"words": c["words_attention"], "language": c["language_attention"],
                     "pointer": out["pointer_attention"]}
        if "fusion_attention" in out:
            attention["fusion"] = out["fusion_attention"]
        if "goal_map" in out:
            attention["goal_map"] = out["goal_map"]
        if self._read_back is not None:  # which earlier decisions the fast weights read back
            attention["memory"] = self._read_back.step(self.state["memory_h"])
        return Decision(skill, cell, self.skills[skill], outputs, attention, dict(self.state))

    def act(self, obs: dict[str, np.ndarray]) -> Decision:
        """perceive + decide from an env-style observation (rgb, depth, map, pose; the
        instruction is the one given to `reset`)."""
        return self.decide(obs["map"], obs["pose"], self.perceive(obs["rgb"], obs["depth"]))


def load_runtime_policy(backend: str, checkpoint: str, bundle: str, threads: int) -> RuntimePolicy:
    """The policy a robot's `backend` names: `onnx` runs an exported `bundle` (no torch),
    `torch` a `checkpoint` (default: the shipped one). ValueError/BundleError/CheckpointError
    say why not."""
    if backend == "onnx":
        if not bundle:
            raise ValueError("backend 'onnx' needs the 'bundle' parameter: a folder written by "
                             "`roomby export --out DIR`")
        return RuntimePolicy(bundle, threads=threads)
    if backend == "torch":
        from agent.export.torch_bundle import TorchBundle
        from agent.model.checkpoint import DEFAULT_CHECKPOINT

        return RuntimePolicy(TorchBundle.from_checkpoint(checkpoint or DEFAULT_CHECKPOINT,
                                                         threads=threads))
    raise ValueError(f"parameter backend={backend!r}: expected 'torch' or 'onnx'")


__all__ = ["BundleError", "Command", "Decision", "Percept", "RuntimePolicy", "load_runtime_policy"]
