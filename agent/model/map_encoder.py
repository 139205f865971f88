"""Map encoder: the map's channels -> coarse map tokens for attention and per-cell keys for the
pointer.

Two outputs, because they serve two purposes:
- `tokens` [B, 144, D]: one per 4 x 4 block of cells (a 1 m square): the block's mean and max
  of every channel, a per-block layer, a depthwise 3 x 3 convolution for the neighbourhood and
  a 2-D sinusoidal positional encoding.
  Language-conditioned queries attend over these (with the visual tokens).
- `cells` [B, 2304, K]: one key per map cell (25 cm), from a per-cell layer over the cell's own
  channels plus its block's context and position. The pointer scores a query against every one
  of them: attention used as the action, covering exactly the 48 x 48 cells of the action space.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from agent.model.perception import (
    conv_hwc,
    positional_encoding_2d,
    to_channels_last,
    upsample_add,
)
from sim.grid import MAP_SIZE
from sim.semantic_map import MAP_CHANNELS

PATCH = 4


class MapOut(NamedTuple):
    tokens: Tensor
    """[B, (48/4)^2 = 144, D] coarse map tokens with 2-D positions."""
    cells: Tensor
    """[B, 48*48 = 2304, K] per-cell keys for the pointer (row-major: cell = row * 48 + col)."""


class MapEncoder(nn.Module):
    def __init__(self, dim: int = 64, cell_dim: int = 32, in_channels: int = len(MAP_CHANNELS),
                 size: int = MAP_SIZE):
        super().__init__()
        assert size % PATCH == 0, f"map size {size} must be a multiple of {PATCH}"
        self.size, self.coarse = size, size // PATCH
        self.block = nn.Linear(2 * in_channels, dim)
        self.neighbours = nn.Conv2d(dim, dim, 3, 1, 1, groups=dim)
        self.mix = nn.Linear(dim, dim)
        self.cell = nn.Linear(in_channels, cell_dim)
        self.context_to_cell = nn.Linear(dim, cell_dim, bias=False)
        self.register_buffer("pos", positional_encoding_2d(self.coarse, self.coarse, dim),
                             persistent=False)
        self.register_buffer("cell_pos", positional_encoding_2d(size, size, cell_dim).view(
            1, size, size, cell_dim), persistent=False)

    def forward(self, grid: Tensor) -> MapOut:
        assert grid.shape[-2:] == (self.size, self.size), (
            f"map must be [B, C, {self.size}, {self.size}], got {tuple(grid.shape)}")
        # Channels-last ([B, H, W, C]): per-cell layers are matrix products, pooling is fast.
        g = to_channels_last(grid.float())
        gc = g.permute(0, 3, 1, 2)  # the same memory seen as [B, C, H, W] for the pools
        pooled = torch.cat([F.avg_pool2d(gc, PATCH), F.max_pool2d(gc, PATCH)], dim=1)
        coarse = F.relu(self.block(pooled.permute(0, 2, 3, 1)))            # [B, 12, 12, D]
        coarse = F.relu(self.mix(F.relu(conv_hwc(self.neighbours, coarse)))) + coarse
        tokens = coarse.flatten(1, 2) + self.pos
        cells = upsample_add(self.cell(g) + self.cell_pos, self.context_to_cell(coarse))
        return MapOut(tokens, F.relu(cells).flatten(1, 2))
