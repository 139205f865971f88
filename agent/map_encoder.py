"""Map encoder: the map's channels -> coarse map tokens for attention and per-cell keys for the
pointer.

Two outputs, because they serve two purposes:
- `tokens` [B, 144, D]: one per 4 x 4 block of cells (a 1 m square), from a patchifying
  convolution and one 3 x 3 convolution for context, plus a 2-D sinusoidal positional encoding.
  Language-conditioned queries attend over these (with the visual tokens).
- `cells` [B, 2304, K]: one key per map cell (25 cm), from a per-cell layer over the cell's own
  channels plus its block's context and position. The pointer scores a query against every one
  of them: attention used as the action, covering exactly the 48 x 48 cells of the action space.
"""

from __future__ import annotations

from typing import NamedTuple

from torch import Tensor, nn
from torch.nn import functional as F

from agent.perception import positional_encoding_2d
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
        self.patch = nn.Sequential(nn.Conv2d(in_channels, dim, PATCH, PATCH), nn.ReLU())
        self.context = nn.Sequential(nn.Conv2d(dim, dim, 3, 1, 1), nn.ReLU())
        self.cell = nn.Conv2d(in_channels, cell_dim, 1)
        self.context_to_cell = nn.Conv2d(dim, cell_dim, 1)
        self.register_buffer("pos", positional_encoding_2d(self.coarse, self.coarse, dim),
                             persistent=False)
        self.register_buffer(
            "cell_pos", positional_encoding_2d(size, size, cell_dim).T.reshape(
                1, cell_dim, size, size), persistent=False)

    def forward(self, grid: Tensor) -> MapOut:
        assert grid.shape[-2:] == (self.size, self.size), (
            f"map must be [B, C, {self.size}, {self.size}], got {tuple(grid.shape)}")
        grid = grid.float()
        coarse = self.context(self.patch(grid))                  # [B, D, 12, 12]
        tokens = coarse.flatten(2).transpose(1, 2) + self.pos
        ctx = F.interpolate(self.context_to_cell(coarse), scale_factor=PATCH, mode="nearest")
        cells = F.relu(self.cell(grid) + ctx + self.cell_pos)    # [B, K, 48, 48]
        return MapOut(tokens, cells.flatten(2).transpose(1, 2))
