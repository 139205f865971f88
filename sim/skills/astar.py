"""Grid path planning: A* on an 8-connected occupancy grid, plus small grid helpers.

Grids are 2-D arrays indexed ``[row, col]`` (row = y index, col = x index). A cell is a
``(row, col)`` tuple. The search runs in pure Python over flat indices of a grid padded with a
one-cell blocked border, so the inner loop needs no bounds checks and no numpy calls; a
cross-grid search on 240 x 240 cells takes a few tens of milliseconds.
"""

from __future__ import annotations

import heapq
import math

import numpy as np

Cell = tuple[int, int]

SQRT2 = math.sqrt(2.0)
# Octile distance is max(dx, dy) + (sqrt2 - 1) * min(dx, dy).
_OCTILE = SQRT2 - 1.0


def _as_grid(free: np.ndarray) -> np.ndarray:
    grid = np.asarray(free, dtype=bool)
    if grid.ndim != 2:
        raise ValueError(f"free must be a 2-D boolean grid, got shape {grid.shape}")
    return grid


def _as_cell(cell: object, shape: tuple[int, int], name: str) -> Cell:
    try:
        r, c = (int(v) for v in cell)  # type: ignore[union-attr]
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a (row, col) pair, got {cell!r}") from exc
    if not (0 <= r < shape[0] and 0 <= c < shape[1]):
        raise ValueError(f"{name} cell {(r, c)} is outside the {shape[0]}x{shape[1]} grid")
    return r, c


def astar(
    free: np.ndarray,
    start: Cell,
    goal: Cell | np.ndarray,
    penalty: np.ndarray | None = None,
) -> list[Cell] | None:
    """Shortest 8-connected path from ``start`` to ``goal`` over the ``True`` cells of ``free``.

    Orthogonal steps cost 1 and diagonal steps sqrt(2); a diagonal step is allowed only when
    both orthogonal cells it passes between are free, so paths never cut an obstacle's corner.

    Args:
        free: 2-D boolean grid, ``True`` where the robot centre may be.
        start: the start cell; it must be free.
        goal: a single goal cell, or a boolean mask of goal cells with the grid's shape (the
            search stops at the nearest reachable one). A goal that is not free is unreachable.
        penalty: optional non-negative per-cell cost added to every step entering that cell
            (e.g. to keep paths off walls); it keeps the heuristic admissible.

    Returns:
        The list of cells from start to goal inclusive, or ``None`` if no goal is reachable.

    Raises:
        ValueError: if the grid is not 2-D, a cell is outside it, or the start is not free.
    """
    grid = _as_grid(free)
    rows, cols = grid.shape
    sr, sc = _as_cell(start, grid.shape, "start")
    if not grid[sr, sc]:
        raise ValueError(f"start cell {(sr, sc)} is not free (snap it with nearest_free first)")

    width = cols + 2
    padded = np.zeros((rows + 2, width), dtype=np.uint8)
    padded[1:-1, 1:-1] = grid
    passable = bytearray(padded.tobytes())
    n_cells = len(passable)

    mask_goal = isinstance(goal, np.ndarray) and goal.ndim == 2
    if mask_goal:
        gmask = np.asarray(goal, dtype=bool)
        if gmask.shape != grid.shape:
            raise ValueError(f"goal mask shape {gmask.shape} differs from grid {grid.shape}")
        gmask = gmask & grid
        if not gmask.any():
            return None
        gpad = np.zeros((rows + 2, width), dtype=np.uint8)
        gpad[1:-1, 1:-1] = gmask
        is_goal = bytearray(gpad.tobytes())
        gr_idx, gc_idx = np.nonzero(gpad)
        # The nearest point of the goals' bounding box never overestimates: every goal is in it.
        r0, r1 = int(gr_idx.min()), int(gr_idx.max())
        c0, c1 = int(gc_idx.min()), int(gc_idx.max())
        goal_idx = -1
    else:
        gr, gc = _as_cell(goal, grid.shape, "goal")
        if not grid[gr, gc]:
            return None
        r0 = r1 = gr + 1
        c0 = c1 = gc + 1
        goal_idx = r0 * width + c0
        is_goal = None

    if penalty is not None:
        pen_arr = np.asarray(penalty, dtype=float)
        if pen_arr.shape != grid.shape:
            raise ValueError(f"penalty shape {pen_arr.shape} differs from grid {grid.shape}")
        if (pen_arr < 0).any():
            raise ValueError("penalty must be non-negative to keep A* optimal")
        ppad = np.zeros((rows + 2, width), dtype=float)
        ppad[1:-1, 1:-1] = pen_arr
        pen: list[float] | None = ppad.ravel().tolist()
    else:
        pen = None

    # Precomputing h for every cell in numpy turns the hot loop's heuristic into a list lookup.
    rr = np.arange(rows + 2)[:, None]
    cc = np.arange(width)[None, :]
    dy = np.maximum(np.maximum(r0 - rr, rr - r1), 0)
    dx = np.maximum(np.maximum(c0 - cc, cc - c1), 0)
    # The 1e-9 inflation breaks f ties towards the goal (far fewer expansions in open space)
    # while keeping a 2-tuple heap entry; it costs at most a 1e-9 relative suboptimality.
    hgrid = (np.maximum(dx, dy) + _OCTILE * np.minimum(dx, dy)) * (1.0 + 1e-9)
    hval: list[float] = hgrid.ravel().tolist()

    start_idx = (sr + 1) * width + (sc + 1)
    inf = math.inf
    g = [inf] * n_cells
    parent = [-1] * n_cells
    closed = bytearray(n_cells)
    # Orthogonal neighbours, then diagonals with the two orthogonal cells they squeeze between.
    orth = (1, -1, width, -width)
    diag = (
        (width + 1, width, 1),
        (width - 1, width, -1),
        (-width + 1, -width, 1),
        (-width - 1, -width, -1),
    )

    g[start_idx] = 0.0
    h0 = hval[start_idx]
    heap: list[tuple[float, int]] = [(h0, start_idx)]
    push = heapq.heappush
    pop = heapq.heappop
    found = -1
    # No closed check on neighbours: a closed cell already holds its (near-)optimal g, so the
    # `ng < g` test rejects it, and the lookup is saved; a 1e-9 re-parenting cannot form a cycle
    # because every step costs at least 1.
    while heap:
        _, cur = pop(heap)
        if closed[cur]:
            continue
        closed[cur] = 1
        if cur == goal_idx or (is_goal is not None and is_goal[cur]):
            found = cur
            break
        gcur = g[cur]
        if pen is None:
            for off in orth:
                nxt = cur + off
                if passable[nxt]:
                    ng = gcur + 1.0
                    if ng < g[nxt]:
                        g[nxt] = ng
                        parent[nxt] = cur
                        push(heap, (ng + hval[nxt], nxt))
            for off, a, b in diag:
                nxt = cur + off
                if passable[nxt] and passable[cur + a] and passable[cur + b]:
                    ng = gcur + SQRT2
                    if ng < g[nxt]:
                        g[nxt] = ng
                        parent[nxt] = cur
                        push(heap, (ng + hval[nxt], nxt))
        else:
            for off in orth:
                nxt = cur + off
                if passable[nxt]:
                    ng = gcur + 1.0 + pen[nxt]
                    if ng < g[nxt]:
                        g[nxt] = ng
                        parent[nxt] = cur
                        push(heap, (ng + hval[nxt], nxt))
            for off, a, b in diag:
                nxt = cur + off
                if passable[nxt] and passable[cur + a] and passable[cur + b]:
                    ng = gcur + SQRT2 + pen[nxt]
                    if ng < g[nxt]:
                        g[nxt] = ng
                        parent[nxt] = cur
                        push(heap, (ng + hval[nxt], nxt))

    if found < 0:
        return None
    path: list[Cell] = []
    idx = found
    while idx >= 0:
        r, c = divmod(idx, width)
        path.append((r - 1, c - 1))
        idx = parent[idx]
    path.reverse()
    return path


def path_length(path: list[Cell] | np.ndarray, res: float) -> float:
    """Length in metres of a cell path (sum of straight steps between cell centres)."""
    pts = np.asarray(path, dtype=float).reshape(-1, 2)
    if len(pts) < 2:
        return 0.0
    return float(np.hypot(*np.diff(pts, axis=0).T).sum() * res)


def nearest_free(free: np.ndarray, cell: Cell, max_radius_cells: float) -> Cell | None:
    """The free cell nearest to ``cell`` (Euclidean, between cell centres), or ``None``.

    Only cells within ``max_radius_cells`` are considered. Ties go to the smaller row, then the
    smaller column, so the answer is deterministic. ``cell`` may lie outside the grid. The
    search grows a square window ring by ring: once a candidate at distance ``d`` is found in a
    window of half-width ``k >= d``, nothing outside the window can be nearer.
    """
    grid = _as_grid(free)
    rows, cols = grid.shape
    r, c = int(cell[0]), int(cell[1])
    if 0 <= r < rows and 0 <= c < cols and grid[r, c]:
        return r, c
    max_r = float(max_radius_cells)
    if not max_r >= 0:
        return None
    # No cell is farther than this, and it keeps floor() finite for an infinite radius.
    max_r = min(max_r, float(rows + cols + abs(r) + abs(c)))
    k = 1
    while True:
        k_eff = min(k, int(math.floor(max_r)))
        rlo, rhi = max(r - k_eff, 0), min(r + k_eff + 1, rows)
        clo, chi = max(c - k_eff, 0), min(c + k_eff + 1, cols)
        whole = rlo == 0 and clo == 0 and rhi == rows and chi == cols
        last = whole or k_eff >= math.floor(max_r)
        if rlo < rhi and clo < chi:
            rr, cc = np.nonzero(grid[rlo:rhi, clo:chi])
            rr = rr + rlo
            cc = cc + clo
            d2 = (rr - r) ** 2 + (cc - c) ** 2
            ok = d2 <= max_r * max_r + 1e-9
            if ok.any():
                rr, cc, d2 = rr[ok], cc[ok], d2[ok]
                best = int(np.lexsort((cc, rr, d2))[0])
                # Only trust the window once it also holds every cell at that distance.
                if last or d2[best] <= k_eff * k_eff:
                    return int(rr[best]), int(cc[best])
        if last:
            return None
        k *= 2


def reachable(free: np.ndarray, start: Cell) -> np.ndarray:
    """Boolean mask of the free cells reachable from ``start`` (all False if start is not free).

    A* forbids corner cutting, so its 8-connected moves reach exactly the 4-connected component;
    a breadth-first search over flat indices of a padded grid finds it without numpy per cell.
    """
    grid = _as_grid(free)
    rows, cols = grid.shape
    sr, sc = _as_cell(start, grid.shape, "start")
    out = np.zeros_like(grid)
    if not grid[sr, sc]:
        return out
    width = cols + 2
    padded = np.zeros((rows + 2, width), dtype=np.uint8)
    padded[1:-1, 1:-1] = grid
    todo = bytearray(padded.tobytes())  # 1 = free and not yet seen
    seen = bytearray(len(todo))
    first = (sr + 1) * width + (sc + 1)
    todo[first] = 0
    seen[first] = 1
    stack = [first]
    pop = stack.pop
    append = stack.append
    offsets = (1, -1, width, -width)
    while stack:
        cur = pop()
        for off in offsets:
            nxt = cur + off
            if todo[nxt]:
                todo[nxt] = 0
                seen[nxt] = 1
                append(nxt)
    out[:] = np.frombuffer(bytes(seen), dtype=np.uint8).reshape(rows + 2, width)[1:-1, 1:-1] > 0
    return out
