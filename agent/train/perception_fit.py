"""Supervised training of the perception CNN on camera frames and segmentation labels.

Shared by `roomby train`'s perception stage and by anything that trains perception on its own
(e.g. on a GPU with many more frames than the trainer keeps in memory). Frames are the shards'
`frame_*` arrays: rgb [N, 3, H, W] uint8, depth [N, H, W] uint16 millimetres, types and colours
[N, H, W] uint8 (index + 1, 0 = none). Batches are cut on the CPU and moved to `device`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable

import numpy as np
import torch

from agent.demos.shards import DEPTH_MM
from agent.model.perception import (
    PerceptionNet,
    class_balance,
    segmentation_loss,
    segmentation_targets,
)
from sim.semantic_map import N_TYPES

Frames = dict[str, np.ndarray]


def frame_inputs(frames: Frames, idx: np.ndarray, device: torch.device | str = "cpu"
                 ) -> tuple[torch.Tensor, torch.Tensor]:
    """The network's inputs for frames `idx`: rgb uint8 and depth in metres [B, 1, H, W]."""
    rgb = torch.from_numpy(frames["frame_rgb"][idx]).to(device)
    depth = torch.from_numpy(frames["frame_depth"][idx].astype(np.float32) / DEPTH_MM)
    return rgb, depth[:, None].to(device)


def cosine_factor(progress: float) -> float:
    """The learning-rate factor at `progress` (0..1) of a run: cosine from 1 down to 0.1."""
    return 0.1 + 0.45 * (1 + math.cos(math.pi * min(max(progress, 0.0), 1.0)))


def cosine_schedule(opt: torch.optim.Optimizer, steps: int) -> torch.optim.lr_scheduler.LambdaLR:
    """Cosine decay from the base rate to 10 % of it over `steps` updates."""
    steps = max(steps, 1)
    return torch.optim.lr_scheduler.LambdaLR(opt, lambda s: cosine_factor(s / steps))


def fit_perception(net: PerceptionNet, frames: Frames, train: np.ndarray, steps: int,
                   batch: int, lr: float, background: float, rng: np.random.Generator,
                   device: torch.device | str = "cpu",
                   loop: Callable[[Iterable[int]], Iterable[int]] = iter,
                   on_loss: Callable[[int, float], None] | None = None,
                   balance: float = 0.0, minutes: float = 0.0) -> int:
    """Up to `steps` Adam updates on random batches of the frames `train`, the learning rate
    decayed by a cosine; returns the number of updates made.

    `minutes` > 0 is a time budget: training stops when it is spent, and the cosine runs over
    whichever of steps and time is further along, so a budgeted run still ends at the low rate
    however fast the machine is (this host's speed varies twofold from day to day).
    `loop` wraps the step range (a progress bar); `on_loss(step, loss)` is called every 50
    steps and at the last.
    `balance` > 0 weighs type classes by their pixel count ^ -balance (`class_balance`)."""
    type_weight = class_balance(type_counts(frames, train, rng), balance) if balance else None
    net.to(device).train()
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    t0, budget = time.time(), minutes * 60
    done = 0
    for step in loop(range(steps)):
        elapsed = time.time() - t0
        if budget and elapsed > budget:
            break
        progress = max(step / max(steps, 1), elapsed / budget if budget else 0.0)
        for group in opt.param_groups:
            group["lr"] = lr * cosine_factor(progress)
        idx = rng.choice(train, size=min(batch, len(train)))
        t, c = segmentation_targets(frames["frame_types"][idx], frames["frame_colors"][idx])
        loss = segmentation_loss(net(*frame_inputs(frames, idx, device)), t.to(device),
                                 c.to(device), background=background, type_weight=type_weight)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if on_loss is not None and (step % 50 == 0 or step == steps - 1):
            on_loss(step, loss.item())
        done = step + 1
    net.eval()
    return done


def type_counts(frames: Frames, idx: np.ndarray, rng: np.random.Generator,
                sample: int = 2000) -> np.ndarray:
    """Half-resolution pixel count of each type class [N_TYPES + 1] over (a sample of) frames."""
    if len(idx) > sample:
        idx = np.sort(rng.choice(idx, size=sample, replace=False))
    t = frames["frame_types"][idx][..., ::2, ::2]
    return np.bincount(t.ravel(), minlength=N_TYPES + 1)[: N_TYPES + 1]


@torch.no_grad()
def perception_accuracy(net: PerceptionNet, frames: Frames, idx: np.ndarray,
                        device: torch.device | str = "cpu") -> dict[str, float]:
    """Pixel accuracy of type and colour on the furniture pixels of frames `idx`, and the type
    accuracy averaged over the furniture classes (`type_class_acc`: pixel accuracy is mostly
    couches and beds, which cover ten times the pixels of a fridge)."""
    hit_c = total = 0
    hit_t = np.zeros(N_TYPES + 1, np.int64)
    n_t = np.zeros(N_TYPES + 1, np.int64)
    for i in range(0, len(idx), 256):
        j = idx[i:i + 256]
        out = net(*frame_inputs(frames, j, device))
        t, c = segmentation_targets(frames["frame_types"][j], frames["frame_colors"][j])
        t, c = t.to(device), c.to(device)
        on = t > 0
        right = (out.type_logits.argmax(1) == t)[on]
        hit_t += np.bincount(t[on][right].cpu().numpy(), minlength=N_TYPES + 1)
        n_t += np.bincount(t[on].cpu().numpy(), minlength=N_TYPES + 1)
        hit_c += int((out.color_logits.argmax(1) == c)[on].sum())
        total += int(on.sum())
    total = max(total, 1)
    present = n_t[1:] > 0
    per_class = hit_t[1:][present] / n_t[1:][present]
    return {"type_acc": round(int(hit_t.sum()) / total, 4), "color_acc": round(hit_c / total, 4),
            "type_class_acc": round(float(per_class.mean()) if present.any() else 0.0, 4)}
