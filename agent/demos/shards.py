"""Demonstrations on disk: compact shards of expert-labelled decisions and camera frames.

A shard is `NAME.npz` (arrays) + `NAME.json` (episode records: env id, split, seed, instruction,
goal, the outcome). Observations are stored small and restored exactly as the model sees them:

    map    uint8  [N, 29, 48, 48]  round(value * 255) (values are fractions in 0..1)
    depth  uint16 [N, 1, 60, 80]   millimetres
    rgb    uint8  [N, 3, 60, 80]
    pose   float32 [N, 4];  instruction int16 [N, 32];  action int64 [N, 2] (the expert's label)
    episode int32 [N]: index of the decision's episode in the shard's records
    accept uint8 [N, 288], has_set bool [N]: every cell that would do (bit-packed), where the
        expert went for the target (`agent.demos.cell_targets`; older shards: a NAME.cells.npz file)

Frames for perception training (every k-th camera frame): frame_rgb, frame_depth (mm),
frame_types, frame_colors (uint8 class + 1 per pixel, 0 = none; from the segmentation mask).
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

DEPTH_MM = 1000.0


def pack_obs(obs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """One env observation -> its compact stored form."""
    return {
        "rgb": np.asarray(obs["rgb"], np.uint8),
        "depth": np.round(np.asarray(obs["depth"]) * DEPTH_MM).astype(np.uint16),
        "map": np.round(np.clip(obs["map"], 0.0, 1.0) * 255.0).astype(np.uint8),
        "pose": np.asarray(obs["pose"], np.float32),
        "instruction": np.asarray(obs["instruction"], np.int16),
    }


def unpack_obs(packed: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Stored arrays (any leading dims) -> observations as the env gives them."""
    return {
        "rgb": packed["rgb"],
        "depth": packed["depth"].astype(np.float32) / DEPTH_MM,
        "map": packed["map"].astype(np.float32) / 255.0,
        "pose": packed["pose"].astype(np.float32),
        "instruction": packed["instruction"].astype(np.int64),
    }


OBS_KEYS = ("rgb", "depth", "map", "pose", "instruction")
FRAME_KEYS = ("frame_rgb", "frame_depth", "frame_types", "frame_colors")


@dataclass
class ShardWriter:
    """Accumulates episodes, then writes one shard."""

    decisions: dict[str, list[np.ndarray]] = field(
        default_factory=lambda: {k: [] for k in (*OBS_KEYS, "action", "episode", "accept",
                                                 "has_set")})
    frames: dict[str, list[np.ndarray]] = field(default_factory=lambda: {k: [] for k in
                                                                        FRAME_KEYS})
    records: list[dict[str, Any]] = field(default_factory=list)

    def add_episode(self, record: dict[str, Any], observations: list[dict[str, np.ndarray]],
                    actions: list[np.ndarray], frames: list[tuple[np.ndarray, ...]],
                    accept: np.ndarray, has_set: np.ndarray) -> None:
        e = len(self.records)
        self.records.append(record)
        for i, (obs, act) in enumerate(zip(observations, actions, strict=True)):
            for k, v in pack_obs(obs).items():
                self.decisions[k].append(v)
            self.decisions["action"].append(np.asarray(act, np.int64))
            self.decisions["episode"].append(np.int32(e))
            self.decisions["accept"].append(np.packbits(accept[i]))
            self.decisions["has_set"].append(np.bool_(has_set[i]))
        for rgb, depth, types, colors in frames:
            self.frames["frame_rgb"].append(np.ascontiguousarray(rgb.transpose(2, 0, 1)))
            self.frames["frame_depth"].append(np.round(depth * DEPTH_MM).astype(np.uint16))
            self.frames["frame_types"].append(types.astype(np.uint8))
            self.frames["frame_colors"].append(colors.astype(np.uint8))

    def encode(self) -> tuple[bytes, str]:
        """The shard as (the .npz file's bytes, the .json file's text)."""
        arrays = {k: np.stack(v) for k, v in {**self.decisions, **self.frames}.items() if v}
        buf = io.BytesIO()
        np.savez_compressed(buf, **arrays)
        return buf.getvalue(), json.dumps(self.records)

    def write(self, path: str | Path) -> Path:
        return write_shard(path, *self.encode())


def write_shard(path: str | Path, npz: bytes, records: str) -> Path:
    """Write an encoded shard as PATH.npz and PATH.json; -> the .npz path."""
    path = Path(path).with_suffix(".npz")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.with_suffix(".json").write_text(records)  # first: a shard counts once its .npz is there
    tmp = path.with_name(path.stem + ".tmp.npz")
    tmp.write_bytes(npz)
    tmp.replace(path)  # a killed collector leaves no half-written shard
    return path


@dataclass
class Demonstrations:
    """All decisions and frames of a set of shards, in memory (stored form)."""

    decisions: dict[str, np.ndarray]
    frames: dict[str, np.ndarray]
    records: list[dict[str, Any]]
    episode_slices: list[slice]
    """Per record: its decisions (decisions of an episode are contiguous and in order)."""

    @property
    def n_decisions(self) -> int:
        return len(self.decisions.get("action", ()))

    @property
    def n_frames(self) -> int:
        return len(self.frames.get("frame_rgb", ()))


class DemonstrationError(ValueError):
    """Shards that cannot be read; the message names the file."""


def shard_paths(paths: list[str | Path]) -> list[Path]:
    """Shard files under the given folders or files, sorted (so loading is deterministic)."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted(p.rglob("*.npz")))
        elif p.suffix == ".npz" and p.exists():
            out.append(p)
        else:
            raise DemonstrationError(f"no demonstrations at {p} (a folder of .npz shards made "
                                     f"by `roomby collect`, or one shard)")
    out = [p for p in out if not p.name.endswith((".tmp.npz", ".cells.npz"))]
    if not out:
        raise DemonstrationError(f"no shards (*.npz) under {', '.join(map(str, paths))}")
    return out


def load_demonstrations(paths: list[str | Path]) -> Demonstrations:
    decisions: dict[str, list[np.ndarray]] = {}
    frames: dict[str, list[np.ndarray]] = {}
    records: list[dict[str, Any]] = []
    slices: list[slice] = []
    offset = 0
    for path in shard_paths(paths):
        try:
            with np.load(path) as z:
                arrays = {k: z[k] for k in z.files}
            recs = json.loads(path.with_suffix(".json").read_text())
            if "action" in arrays and "accept" not in arrays:
                from agent.demos.cell_targets import read_sets

                sets = read_sets(path)
                if sets is None:  # no sets: every decision keeps the expert's cell
                    n = len(arrays["action"])
                    sets = {"accept": np.zeros((n, 288), np.uint8),
                            "has_set": np.zeros(n, bool)}
                if len(sets["has_set"]) != len(arrays["action"]):
                    raise ValueError(f"its cell sets hold {len(sets['has_set'])} decisions, "
                                     f"the shard {len(arrays['action'])}")
                arrays.update(sets)
        except (OSError, ValueError, EOFError) as e:
            raise DemonstrationError(f"cannot read shard {path}: {type(e).__name__}: {e}"
                                     ) from e
        missing = [k for k in (*OBS_KEYS, "action", "episode") if k not in arrays]
        if "action" in arrays and missing:
            raise DemonstrationError(f"shard {path} lacks {missing}")
        if "action" in arrays:
            ep = arrays["episode"]
            for e in range(len(recs)):
                idx = np.flatnonzero(ep == e)
                slices.append(slice(offset + int(idx[0]), offset + int(idx[-1]) + 1)
                              if len(idx) else slice(offset, offset))
            offset += len(ep)
            for k in (*OBS_KEYS, "action", "accept", "has_set"):
                decisions.setdefault(k, []).append(arrays[k])
        else:
            slices.extend(slice(offset, offset) for _ in recs)
        for k in FRAME_KEYS:
            if k in arrays:
                frames.setdefault(k, []).append(arrays[k])
        records.extend(recs)
    return Demonstrations({k: np.concatenate(v) for k, v in decisions.items()},
                          {k: np.concatenate(v) for k, v in frames.items()}, records, slices)
