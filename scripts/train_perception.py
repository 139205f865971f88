"""Train the perception CNN alone, on any device, from camera frames packed into one folder.

Why apart from `roomby train`: perception is plain supervised learning on frames, the one stage
a GPU speeds up by orders of magnitude, and the machine with the GPU may have neither the sim
nor room for the shards. So frames are packed here (lzma; depth as row differences, which
compress 1.5x better) and trained there, and the result replaces the perception network of a
policy checkpoint.

    python scripts/train_perception.py pack --data data/demos runs/x/dagger-1 --out frames/
    python scripts/train_perception.py fit --frames frames/ --init agent/checkpoints/roomby.pt \
        --steps 30000 --batch 128 --device cuda --out perception.pt

`fit` holds out whole shards (5 %, by seed) for the accuracy it prints, so frames of one
episode are never on both sides (from a single shard, its last 5 % of frames).
"""

from __future__ import annotations

import argparse
import json
import lzma
import sys
import time
from pathlib import Path

import numpy as np
import torch

from agent.model.checkpoint import load_checkpoint, save_checkpoint
from agent.model.perception import segmentation_targets
from agent.train.perception_fit import (
    Frames,
    fit_perception,
    frame_inputs,
    perception_accuracy,
)
from sim.catalog import FURNITURE_TYPES
from sim.semantic_map import N_TYPES

KEYS = ("frame_rgb", "frame_depth", "frame_types", "frame_colors")


def pack(folders: list[str], out: Path, every: int = 1) -> None:
    """Frames of every shard in `folders` (every `every`-th of each) -> out/*.xz + meta.json."""
    parts: dict[str, list[np.ndarray]] = {k: [] for k in KEYS}
    shard = []
    for folder in folders:
        for f in sorted(Path(folder).glob("*.npz")):
            if f.name.endswith(".cells.npz"):
                continue
            with np.load(f) as z:
                if "frame_rgb" not in z.files:
                    continue
                for k in KEYS:
                    parts[k].append(z[k][::every])
            shard.append(np.full(len(parts["frame_rgb"][-1]), len(shard), np.int32))
    if not shard:
        raise SystemExit(f"no camera frames in {', '.join(folders)}: collect with "
                         "--frame-every > 0")
    out.mkdir(parents=True, exist_ok=True)
    meta = {}
    for k in KEYS:
        a = np.concatenate(parts[k])
        if k == "frame_depth":  # row differences: smooth surfaces become runs of small numbers
            a = np.diff(a.astype(np.int32), axis=-1, prepend=0).astype(np.int16)
        (out / f"{k}.xz").write_bytes(lzma.compress(np.ascontiguousarray(a).tobytes()))
        meta[k] = [list(a.shape), str(a.dtype)]
    np.save(out / "shard.npy", np.concatenate(shard))
    (out / "meta.json").write_text(json.dumps(meta))
    print(f"packed {len(np.concatenate(shard))} frames of {len(shard)} shards into {out}")


def unpack(folder: Path) -> tuple[Frames, np.ndarray]:
    if not (folder / "meta.json").is_file():
        raise SystemExit(f"{folder} holds no packed frames (no meta.json): make it with "
                         "`train_perception.py pack`")
    meta = json.loads((folder / "meta.json").read_text())
    frames = {}
    for k, (shape, dtype) in meta.items():
        a = np.frombuffer(lzma.decompress((folder / f"{k}.xz").read_bytes()), dtype).reshape(shape)
        if k == "frame_depth":
            a = np.cumsum(a, axis=-1, dtype=np.int32).astype(np.uint16)
        frames[k] = a
    return frames, np.load(folder / "shard.npy")


def held_out(shard: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """-> (train, held-out) frame indices: 5 % of the shards held out whole."""
    shards = np.unique(shard)
    if len(shards) > 1:
        held = rng.choice(shards, size=max(len(shards) // 20, 1), replace=False)
        return np.flatnonzero(~np.isin(shard, held)), np.flatnonzero(np.isin(shard, held))
    # one shard: its last frames (the last episode's) are held out
    cut = len(shard) - max(len(shard) // 20, 1)
    return np.arange(cut), np.arange(cut, len(shard))


@torch.no_grad()
def confusion(args: argparse.Namespace) -> None:
    """Per true type on the held-out frames `fit` would hold out (same seed): where its pixels'
    readings go, and how much of their weight stays right when each counts for its top
    probability ^ 1 or ^ 4 (the map's `type_confidence`)."""
    frames, shard = unpack(Path(args.frames))
    _, val = held_out(shard, np.random.default_rng(args.seed))
    net = load_checkpoint(args.checkpoint)[0].perception.eval()
    k = N_TYPES + 1
    m = np.zeros((3, k, k))  # [counted once / ^1 / ^4, true, read]
    right_p, wrong_p = [], []
    for i in range(0, len(val), 256):
        j = val[i:i + 256]
        out = net(*frame_inputs(frames, j))
        t, _ = segmentation_targets(frames["frame_types"][j], frames["frame_colors"][j])
        conf, read = torch.softmax(out.type_logits, 1).max(1)
        on = ((t > 0) & (read > 0)).numpy()
        tt, rr, cc = t.numpy()[on], read.numpy()[on], conf.numpy()[on].astype(np.float64)
        for n, w in enumerate((np.ones_like(cc), cc, cc ** 4)):
            np.add.at(m[n], (tt, rr), w)
        right_p.append(cc[tt == rr])
        wrong_p.append(cc[tt != rr])
    print(f"{len(val)} held-out frames; mean top probability on furniture pixels read right "
          f"{np.concatenate(right_p).mean():.2f}, read wrong {np.concatenate(wrong_p).mean():.2f}")
    print(f"{'type':10s} {'once':>5s} {'^1':>5s} {'^4':>5s}  most read as (counted once)")
    for a in range(1, k):
        share = [m[n, a, a] / max(m[n, a].sum(), 1e-9) for n in range(3)]
        row = m[0, a] / max(m[0, a].sum(), 1e-9)
        top = ", ".join(f"{FURNITURE_TYPES[b - 1]} {row[b]:.2f}" for b in np.argsort(-row)[:3]
                        if b > 0 and row[b] > 0)
        print(f"{FURNITURE_TYPES[a - 1]:10s} " + " ".join(f"{x:5.2f}" for x in share) + f"  {top}")


def fit(args: argparse.Namespace) -> None:
    t0 = time.time()
    frames, shard = unpack(Path(args.frames))
    rng = np.random.default_rng(args.seed)
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    train, val = held_out(shard, rng)
    print(f"{len(shard)} frames ({len(train)} train, {len(val)} held-out) loaded in "
          f"{time.time() - t0:.0f} s", flush=True)
    policy, meta = load_checkpoint(args.init)
    net = policy.perception
    if args.scratch:
        for m in net.modules():
            if hasattr(m, "reset_parameters"):
                m.reset_parameters()
    before = perception_accuracy(net.to(args.device), frames, val, args.device)
    print(f"before: {before}", flush=True)
    t1 = time.time()
    # --minutes counts from the start (a leased machine's time); what is left after loading is
    # also the budget the learning rate's cosine runs over.
    left = max(t0 + args.minutes * 60 - t1, 1.0) / 60 if args.minutes else 0.0
    done = fit_perception(net, frames, train, args.steps, args.batch, args.lr, args.background, rng,
                          device=args.device,
                          on_loss=lambda s, v: print(f"step {s} loss {v:.4f} "
                                                     f"{time.time() - t1:.0f} s", flush=True)
                          if s % 2000 == 0 else None,
                          balance=args.balance, minutes=left)
    after = perception_accuracy(net, frames, val, args.device)
    seconds = round(time.time() - t1, 1)
    print(f"after {done} of {args.steps} steps ({seconds} s): {after}", flush=True)
    policy.to("cpu")
    meta = dict(meta)
    if meta.pop("perception_calibration", None) is not None:
        print("the checkpoint's perception calibration was for the weights before this fit and "
              "is dropped: calibrate the result with scripts/calibrate_perception.py")
    meta["perception_refit"] = {"command": " ".join(sys.argv), "frames": len(shard),
                                "held_out_frames": len(val), "steps_done": done,
                                "before": before, "after": after, "seconds": seconds,
                                "device": str(args.device)}
    save_checkpoint(args.out, policy, meta)
    print(f"wrote {args.out}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("pack", help="pack the frames of shard folders")
    a.add_argument("--data", nargs="+", required=True)
    a.add_argument("--out", type=Path, required=True)
    a.add_argument("--every", type=int, default=1, help="keep every N-th frame of each shard")
    b = sub.add_parser("fit", help="train the perception of a checkpoint on packed frames")
    b.add_argument("--frames", required=True)
    b.add_argument("--init", required=True, help="checkpoint whose perception is trained")
    b.add_argument("--out", required=True)
    b.add_argument("--steps", type=int, default=30000)
    b.add_argument("--batch", type=int, default=128)
    b.add_argument("--lr", type=float, default=0.002)
    b.add_argument("--background", type=float, default=0.3)
    b.add_argument("--balance", type=float, default=0.0,
                   help="weigh type classes by pixel count ^ -BALANCE (0: unweighted)")
    b.add_argument("--seed", type=int, default=0)
    b.add_argument("--scratch", action="store_true", help="start from random weights")
    b.add_argument("--minutes", type=float, default=0,
                   help="stop after this many minutes (from start) and save, the learning rate "
                   "decayed over them; 0: no limit")
    b.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    b.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    c = sub.add_parser("confusion", help="where a checkpoint's type readings go on held-out "
                       "frames")
    c.add_argument("--frames", required=True)
    c.add_argument("--checkpoint", required=True)
    c.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    if args.cmd == "pack":
        pack(args.data, args.out, args.every)
    elif args.cmd == "confusion":
        confusion(args)
    else:
        fit(args)


if __name__ == "__main__":
    main()
