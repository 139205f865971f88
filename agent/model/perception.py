"""Perception: a small CNN from the camera (colour + depth) to visual tokens and per-pixel
predictions of object type and colour.

It is trained with the simulator's segmentation masks (`World.oracle_labels`: type index + 1 and
colour index + 1 per pixel, 0 = floor/wall/nothing) and, wrapped in `LearnedPerception`, plugs into
the env (`perception=`) in place of the oracle: its per-pixel classes are projected through depth
into the map's semantic layer, exactly as a robot would do it.

Predictions are made at half resolution (30 x 40 for the 80 x 60 camera): the map projection reads
every second pixel anyway (`CameraSpec.project_stride` = 2), so full resolution would be paid for
and thrown away.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch
from torch import Tensor, nn
from torch.nn import functional as F

from agent.model.language_encoder import sinusoidal_encoding
from sim.camera import CameraSpec
from sim.semantic_map import N_COLORS, N_TYPES, type_confidence

DEPTH_SCALE = 1.0 / 8.0  # metres -> about 0..1 (the camera's far plane is 8 m)
HEIGHT_SCALE = 0.5  # metres above the floor -> about 0..1 for furniture (up to 2 m)


class PerceptionOut(NamedTuple):
    tokens: Tensor
    """[B, N, D] visual tokens (one per cell of the 8 x 10 feature map), with 2-D positions."""
    type_logits: Tensor
    """[B, N_TYPES + 1, H/2, W/2] per-pixel object type (0 = none)."""
    color_logits: Tensor
    """[B, N_COLORS + 1, H/2, W/2] per-pixel colour (0 = none)."""


def positional_encoding_2d(rows: int, cols: int, dim: int) -> Tensor:
    """[rows * cols, dim]: half the dims encode the row, half the column (sinusoidal)."""
    assert dim % 4 == 0, f"a 2-D positional encoding needs dim divisible by 4, got {dim}"
    r = sinusoidal_encoding(rows, dim // 2)[:, None, :].expand(rows, cols, dim // 2)
    c = sinusoidal_encoding(cols, dim // 2)[None, :, :].expand(rows, cols, dim // 2)
    return torch.cat([r, c], dim=-1).reshape(rows * cols, dim)


def _conv(cin: int, cout: int, stride: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1), nn.ReLU())


def _conv_dilated(c: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(c, c, 3, 1, 2, dilation=2), nn.ReLU(),
                         nn.Conv2d(c, c, 3, 1, 2, dilation=2), nn.ReLU())


def to_channels_last(x: Tensor) -> Tensor:
    """[B, C, H, W] -> the same values as a contiguous [B, H, W, C] (pixels x channels), the
    layout where per-pixel layers are one matrix product and CPU convolutions run fastest."""
    return x.contiguous(memory_format=torch.channels_last).permute(0, 2, 3, 1)


def conv_hwc(conv: nn.Module, x: Tensor) -> Tensor:
    """Apply a 2-D convolution to a [B, H, W, C] tensor, keeping that layout."""
    return conv(x.permute(0, 3, 1, 2)).permute(0, 2, 3, 1)


def upsample_add(fine: Tensor, coarse: Tensor) -> Tensor:
    """fine [B, H, W, C] + coarse [B, h, w, C] repeated to H x W (nearest), by broadcasting.

    When H, W are not multiples of h, w (e.g. 15 -> 8 by a stride-2 convolution with padding)
    the coarse grid's overhang is cropped, as nearest-neighbour upsampling would.
    """
    b, h2, w2, c = fine.shape
    fy, fx = -(-h2 // coarse.shape[1]), -(-w2 // coarse.shape[2])
    rows, cols = -(-h2 // fy), -(-w2 // fx)
    coarse = coarse[:, :rows, :cols]
    if rows * fy != h2 or cols * fx != w2:
        up = coarse[:, :, None, :, None].expand(b, rows, fy, cols, fx, c)
        return fine + up.reshape(b, rows * fy, cols * fx, c)[:, :h2, :w2]
    out = fine.view(b, rows, fy, cols, fx, c) + coarse[:, :, None, :, None]
    return out.view(b, h2, w2, c)


class PerceptionNet(nn.Module):
    """rgb [B, 3, H, W] (uint8 0..255, or float already in 0..1) + depth [B, 1, H, W] metres."""

    def __init__(self, dim: int = 64, image_size: tuple[int, int] = (60, 80),
                 channels: tuple[int, int, int] = (16, 32, 48), camera: CameraSpec | None = None,
                 context: bool = True):
        super().__init__()
        c1, c2, c3 = channels
        h, w = image_size
        camera = camera or CameraSpec(width=w, height=h)
        assert (camera.height, camera.width) == (h, w), "camera and image size disagree"
        # Height above the floor of each pixel's surface point = mount + depth * ray_z: the
        # camera geometry is a constant of the graph, so an exported model needs nothing else.
        # Types differ in their heights (a couch's back, a bed's top, a table's legs) far more
        # than in the look of a few pixels seen from 8.5 cm above the floor.
        self.register_buffer("ray_up", torch.from_numpy(camera.rays[:, 2].copy()).view(
            1, 1, h, w), persistent=False)
        self.mount = float(camera.mount_height)
        self.conv1 = _conv(5, c1, 2)     # H/2
        self.conv2 = _conv(c1, c2, 2)    # H/4
        self.conv3 = _conv(c2, c3, 2)    # H/8
        # Context for whole pieces of furniture: a dilated convolution (receptive field about
        # half the image; `context=False` drops it, the residual path stays) and the image's
        # mean feature.
        self.context = _conv_dilated(c3) if context else None
        self.head_global = nn.Linear(c3, 32, bias=False)
        self.to_tokens = nn.Linear(c3, dim)
        self.half = ((h + 1) // 2, (w + 1) // 2)
        self.grid = (self.half[0] + 3) // 4, (self.half[1] + 3) // 4
        self.register_buffer("pos", positional_encoding_2d(*self.grid, dim), persistent=False)
        # Per-pixel head at H/2: fine features plus context from the coarser maps, each
        # projected at its own resolution and added by broadcasting (no upsampled copies).
        self.head_fine = nn.Linear(c1, 32)
        self.head_mid = nn.Linear(c2, 32, bias=False)
        self.head_coarse = nn.Linear(c3, 32, bias=False)
        self.head_out = nn.Linear(32, N_TYPES + 1 + N_COLORS + 1)

    def normalize(self, rgb: Tensor, depth: Tensor) -> Tensor:
        rgb = rgb.float() / 255.0 if rgb.dtype == torch.uint8 else rgb.float()
        depth = depth.float()
        height = (self.mount + depth * self.ray_up) * HEIGHT_SCALE
        return torch.cat([rgb, depth * DEPTH_SCALE, height], dim=1)

    def forward(self, rgb: Tensor, depth: Tensor) -> PerceptionOut:
        # Channels-last throughout: per-pixel layers become plain matrix products.
        x = to_channels_last(self.normalize(rgb, depth))
        f1 = conv_hwc(self.conv1, x)
        f2 = conv_hwc(self.conv2, f1)
        f3 = conv_hwc(self.conv3, f2)
        if self.context is not None:
            f3 = f3 + conv_hwc(self.context, f3)
        tokens = self.to_tokens(f3).flatten(1, 2) + self.pos
        coarse = self.head_coarse(f3) + self.head_global(f3.mean(dim=(1, 2)))[:, None, None, :]
        ctx = upsample_add(self.head_mid(f2), coarse)
        logits = self.head_out(F.relu(upsample_add(self.head_fine(f1), ctx)))
        logits = logits.permute(0, 3, 1, 2)  # [B, classes, H/2, W/2], as cross_entropy wants
        return PerceptionOut(tokens, logits[:, : N_TYPES + 1], logits[:, N_TYPES + 1:])


def segmentation_targets(types: np.ndarray | Tensor, colors: np.ndarray | Tensor
                         ) -> tuple[Tensor, Tensor]:
    """Full-resolution label images [.., H, W] -> the half-resolution targets the head predicts
    (every second pixel, the ones the map projection reads)."""
    t = torch.as_tensor(np.asarray(types))[..., ::2, ::2]
    c = torch.as_tensor(np.asarray(colors))[..., ::2, ::2]
    return t.long(), c.long()


def segmentation_loss(out: PerceptionOut, types: Tensor, colors: Tensor,
                      weight: float = 1.0, background: float = 1.0,
                      type_weight: Tensor | None = None) -> Tensor:
    """Cross-entropy of both per-pixel heads against half-resolution targets [B, H/2, W/2].

    `background` < 1 weighs the "none" pixels (80 % of an image) down, so the rarer furniture
    classes are not traded away for the easy background. `type_weight` [N_TYPES + 1] weighs the
    type classes (`class_balance`); its "none" entry is replaced by `background`."""
    w_t = torch.ones(out.type_logits.shape[1], device=types.device)
    if type_weight is not None:
        w_t = type_weight.to(types.device, torch.float32).clone()
    w_c = torch.ones(out.color_logits.shape[1], device=types.device)
    w_t[0] = w_c[0] = background
    return weight * (F.cross_entropy(out.type_logits, types, weight=w_t)
                     + F.cross_entropy(out.color_logits, colors, weight=w_c))


def class_balance(counts: np.ndarray, power: float) -> Tensor:
    """Type-class weights from pixel counts [N_TYPES + 1]: count^-power over the furniture
    classes, scaled to mean 1 (index 0, "none", is left at 1 for `segmentation_loss` to set).

    Couches and beds cover ten times the pixels of a fridge or a desk, so plain cross-entropy
    buys their accuracy with the small pieces' (a fridge read as a bookshelf more often than as
    a fridge); power 0.5 halves that imbalance in log terms, 1 removes it. An absent class gets
    the largest weight of the present ones."""
    c = np.asarray(counts, dtype=np.float64)[1:]
    w = np.zeros_like(c)
    w[c > 0] = c[c > 0] ** -power
    w[c <= 0] = w.max() if (c > 0).any() else 1.0
    w = w / w.mean()
    return torch.from_numpy(np.concatenate([[1.0], w])).float()


class LearnedPerception:
    """The env's `Perception` callable: (rgb HxWx3 uint8, depth HxW) -> (types, colors), index + 1
    per pixel (0 = none), at full resolution (each prediction covers a 2 x 2 block), and with
    `confidence_power` > 0 a third array: each pixel's type weight, `type_confidence`.

    `type_given_room` and `confidence_power` are its calibration
    (`agent/train/calibration.py`), which the env hands to the semantic map; None and 0:
    the map counts every type as read, once."""

    def __init__(self, net: PerceptionNet, type_given_room: np.ndarray | None = None,
                 confidence_power: float = 0.0):
        self.net = net.eval()
        self.type_given_room = type_given_room
        self.confidence_power = confidence_power

    @torch.no_grad()
    def __call__(self, rgb: np.ndarray, depth: np.ndarray) -> tuple[np.ndarray, ...]:
        h, w = depth.shape
        x = torch.from_numpy(np.ascontiguousarray(rgb.transpose(2, 0, 1)))[None]
        d = torch.from_numpy(np.ascontiguousarray(depth, dtype=np.float32))[None, None]
        out = self.net(x, d)
        t = out.type_logits[0].argmax(0).numpy().astype(np.uint8)
        c = out.color_logits[0].argmax(0).numpy().astype(np.uint8)
        up = np.ones((2, 2), dtype=np.uint8)
        classes = np.kron(t, up)[:h, :w], np.kron(c, up)[:h, :w]
        if self.confidence_power <= 0:
            return classes
        conf = type_confidence(out.type_logits[0].numpy(), self.confidence_power)
        return (*classes, conf.repeat(2, axis=0).repeat(2, axis=1)[:h, :w])
