"""Dirt on the floor: a 5 cm grid, heavier under furniture, removed where the robot's disc passes.

Dirt is a simulation-only quantity (a real robot cannot see it): it feeds rewards and metrics.
"""

from __future__ import annotations

import numpy as np

from sim.catalog import CLEAN_RADIUS, FLAT, FURNITURE
from sim.grid import BLOCK, FINE, FINE_RES, MAP_SIZE, HomeGrid
from sim.skills.coverage import disc_offsets


class Dirt:
    """Dirt amounts and the cleaned mask on the fine grid."""

    def __init__(self, grid: HomeGrid, rng: np.random.Generator):
        self.grid = grid
        base = rng.uniform(0.2, 0.6, size=grid.floor.shape).astype(np.float32)
        under = np.zeros_like(grid.floor)
        for f in grid.home.furniture:
            if FURNITURE[f.type].kind != FLAT:
                under |= grid.footprint_mask(f)
        base[under] *= 3.0  # dust gathers where nobody sweeps
        self.amount = np.where(grid.floor, base, 0.0).astype(np.float32)
        self.total = float(self.amount.sum())
        self.cleaned = np.zeros_like(grid.floor)
        # Cleaned fine cells per map cell, kept as cells are cleaned (the map's cleaned channel).
        self.map_counts = np.zeros(MAP_SIZE * MAP_SIZE, dtype=np.float32)
        self._disc = disc_offsets(CLEAN_RADIUS / FINE_RES)

    def clean_at(self, x: float, y: float) -> float:
        """Clean under the robot's disc at (x, y); returns the dirt collected."""
        r, c = FINE.to_cell(x, y)
        rr = r + self._disc[:, 0]
        cc = c + self._disc[:, 1]
        ok = (rr >= 0) & (rr < FINE.size) & (cc >= 0) & (cc < FINE.size)
        rr, cc = rr[ok], cc[ok]
        got = float(self.amount[rr, cc].sum())
        self.amount[rr, cc] = 0.0
        new = self.grid.floor[rr, cc] & ~self.cleaned[rr, cc]
        if new.any():
            rn, cn = rr[new], cc[new]
            self.cleaned[rn, cn] = True
            np.add.at(self.map_counts, (rn // BLOCK) * MAP_SIZE + cn // BLOCK, 1.0)
        return got

    def map_fraction(self) -> np.ndarray:
        """Fraction of each map cell's fine cells that are clean, [48, 48]."""
        return (self.map_counts / BLOCK**2).reshape(MAP_SIZE, MAP_SIZE)
