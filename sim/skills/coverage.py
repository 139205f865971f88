"""Coverage planning: boustrophedon (lawn-mower) waypoints for a disc-shaped robot, and disc masks.

The robot is a disc of ``radius_cells`` whose centre may sit on ``free`` cells; it has cleaned a
cell when that cell's centre has been within the radius of the robot's centre cell. Sweeps run
as straight lines of free cells; cells the sweeps miss (beside table legs, in corners) get extra
waypoints chosen greedily, so the plan covers every coverable cell it can cheaply reach.
"""

from __future__ import annotations

import math

import numpy as np

from sim.skills.astar import Cell, nearest_free, reachable

# Sweep lines keep to centres whose disc clearly overlaps the region (not by a sliver).
_SWEEP_REACH = 0.9
# The greedy fill stops once this fraction of the coverable cells is covered on paper; the
# robot's transits between waypoints cover more, and chasing single cells costs long detours.
_FILL_TARGET = 0.995


def disc_offsets(radius_cells: float) -> np.ndarray:
    """Integer (dr, dc) offsets, shape (K, 2), of the cells whose centres lie within the radius."""
    if radius_cells < 0:
        raise ValueError(f"radius_cells must be >= 0, got {radius_cells}")
    k = int(math.floor(radius_cells))
    dr, dc = np.mgrid[-k : k + 1, -k : k + 1]
    inside = dr**2 + dc**2 <= radius_cells**2 + 1e-9
    return np.stack([dr[inside], dc[inside]], axis=1).astype(int)


def _or_shifted(dst: np.ndarray, src: np.ndarray, dr: int, dc: int) -> None:
    """``dst[r + dr, c + dc] |= src[r, c]`` wherever both indices are inside (no wraparound)."""
    rows, cols = src.shape
    if abs(dr) >= rows or abs(dc) >= cols:
        return
    s_r = slice(max(-dr, 0), rows - max(dr, 0))
    d_r = slice(max(dr, 0), rows - max(-dr, 0))
    s_c = slice(max(-dc, 0), cols - max(dc, 0))
    d_c = slice(max(dc, 0), cols - max(-dc, 0))
    dst[d_r, d_c] |= src[s_r, s_c]


def dilate(mask: np.ndarray, radius_cells: float) -> np.ndarray:
    """Disc dilation of a boolean mask: True where some True cell is within ``radius_cells``.

    The disc is split into rows: horizontal dilations of every half-width are built once,
    incrementally, then shifted vertically, so the cost grows with the radius, not its square.
    """
    src = np.asarray(mask, dtype=bool)
    if radius_cells < 0:
        raise ValueError(f"radius_cells must be >= 0, got {radius_cells}")
    k = int(math.floor(radius_cells))
    r2 = radius_cells**2 + 1e-9
    half = [int(math.floor(math.sqrt(max(r2 - dr * dr, 0.0)))) for dr in range(k + 1)]
    rows_by_width = [src.copy()]
    for w in range(1, max(half, default=0) + 1):
        h = rows_by_width[-1].copy()
        _or_shifted(h, src, 0, w)
        _or_shifted(h, src, 0, -w)
        rows_by_width.append(h)
    out = rows_by_width[half[0]].copy()
    for dr in range(1, k + 1):
        _or_shifted(out, rows_by_width[half[dr]], dr, 0)
        _or_shifted(out, rows_by_width[half[dr]], -dr, 0)
    return out


def disc_cover(mask_shape: tuple[int, int], centers: np.ndarray, radius_cells: float) -> np.ndarray:
    """Union of the discs of ``radius_cells`` around ``centers`` ((N, 2) cells, row and col).

    Centres outside the grid are dropped (their discs may still reach in, but callers measure
    coverage of robots that stay on the grid).
    """
    marks = np.zeros(mask_shape, dtype=bool)
    pts = np.asarray(centers).reshape(-1, 2)
    if len(pts):
        pts = np.rint(pts).astype(int)
        ok = (pts[:, 0] >= 0) & (pts[:, 0] < mask_shape[0])
        ok &= (pts[:, 1] >= 0) & (pts[:, 1] < mask_shape[1])
        marks[pts[ok, 0], pts[ok, 1]] = True
    return dilate(marks, radius_cells)


def _disc_count(mask: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """For every cell, how many True cells of ``mask`` its disc (given by offsets) contains."""
    counts = np.zeros(mask.shape, dtype=np.int32)
    src = mask.astype(np.int32)
    rows, cols = mask.shape
    for dr, dc in offsets:
        # counts[r, c] += src[r + dr, c + dc]
        if abs(dr) >= rows or abs(dc) >= cols:
            continue
        counts[max(-dr, 0) : rows - max(dr, 0), max(-dc, 0) : cols - max(dc, 0)] += src[
            max(dr, 0) : rows - max(-dr, 0), max(dc, 0) : cols - max(-dc, 0)
        ]
    return counts


def _sweep_lines(lo: int, hi: int, radius: float, spacing: float) -> list[int]:
    """Rows of the sweep lines over region rows lo..hi, at most ``spacing`` apart."""
    span = hi - lo
    # Inset the outer lines by half a radius: their discs still reach past the region's edge.
    inset = min(0.5 * radius, span / 2.0)
    a, b = lo + inset, hi - inset
    n = max(1, int(math.ceil((b - a) / spacing - 1e-9)) + 1)
    if n == 1:
        return [int(round((a + b) / 2.0))]
    rows = [int(round(a + i * (b - a) / (n - 1))) for i in range(n)]
    return sorted(set(rows))


def _runs(line: np.ndarray) -> list[tuple[int, int]]:
    """Inclusive (first, last) index pairs of the runs of True in a 1-D boolean array."""
    padded = np.concatenate(([False], line, [False])).astype(np.int8)
    edges = np.diff(padded)
    starts = np.nonzero(edges == 1)[0]
    ends = np.nonzero(edges == -1)[0] - 1
    return list(zip(starts.tolist(), ends.tolist(), strict=True))


def _dist(a: Cell, b: Cell) -> float:
    return math.hypot(a[0] - b[0], a[1] - b[1])


def _insert(tour: list[Cell], sweep: list[bool], start: Cell, extra: Cell) -> None:
    """Insert ``extra`` into the tour where it lengthens it least, keeping sweep legs straight.

    ``sweep[i]`` marks the leg tour[i] -> tour[i + 1] as a straight sweep: rather than bending
    it, the robot leaves it at the point nearest ``extra`` and comes back to the same point.
    """
    best_cost = _dist(tour[-1], extra)
    best: tuple[str, int, Cell | None] = ("end", len(tour), None)
    cost = _dist(start, extra) + _dist(extra, tour[0]) - _dist(start, tour[0])
    if cost < best_cost:
        best_cost, best = cost, ("gap", 0, None)
    for i in range(len(tour) - 1):
        a, b = tour[i], tour[i + 1]
        if sweep[i]:
            # Sweep legs run along one row or one column: clamp extra's coordinate onto it.
            if a[0] == b[0]:
                p = (a[0], min(max(extra[1], min(a[1], b[1])), max(a[1], b[1])))
            else:
                p = (min(max(extra[0], min(a[0], b[0])), max(a[0], b[0])), a[1])
            cost = 2.0 * _dist(p, extra)
            if cost < best_cost:
                best_cost, best = cost, ("split", i + 1, p)
        else:
            cost = _dist(a, extra) + _dist(extra, b) - _dist(a, b)
            if cost < best_cost:
                best_cost, best = cost, ("gap", i + 1, None)
    kind, i, p = best
    if kind == "end":
        tour.append(extra)
        sweep.append(False)
    elif kind == "gap":
        tour.insert(i, extra)
        sweep.insert(i, False)
    else:
        assert p is not None
        tour[i:i] = [p, extra, p]
        sweep[i - 1 : i] = [True, False, False, True]


def coverage_waypoints(
    free: np.ndarray,
    region: np.ndarray,
    radius_cells: float,
    spacing_cells: float,
    start: Cell,
) -> list[Cell]:
    """Waypoint cells, in visiting order, whose straight connections cover ``region``.

    Sweep lines run along the longer side of the region's bounding box, ``spacing_cells`` apart,
    over the reachable free cells within ``0.9 * radius_cells`` of the region; each contiguous run
    on a line is a segment, visited boustrophedon from the end nearest ``start``. Region cells the
    sweeps miss are then covered greedily from any reachable free cell within ``radius_cells`` of
    the region, each extra waypoint inserted where it adds the shortest detour. Consecutive
    waypoints on a sweep are joined by a straight line of free cells, which is also what A*
    returns between them. Returns [] when nothing in the region can be covered from ``start``.
    """
    grid = np.asarray(free, dtype=bool)
    reg = np.asarray(region, dtype=bool)
    if grid.ndim != 2 or reg.shape != grid.shape:
        raise ValueError(f"free {grid.shape} and region {reg.shape} must be equal 2-D shapes")
    if radius_cells <= 0 or spacing_cells <= 0:
        raise ValueError("radius_cells and spacing_cells must be positive")
    if not reg.any():
        return []
    snapped = nearest_free(grid, start, max(grid.shape))
    if snapped is None:
        return []
    reach = reachable(grid, snapped)
    fill_cand = reach & dilate(reg, radius_cells)
    if not fill_cand.any():
        return []
    sweep_cand = reach & dilate(reg, _SWEEP_REACH * radius_cells)

    rr, cc = np.nonzero(reg)
    # Work in a frame where sweep lines are rows; transpose when the region is taller than wide.
    transpose = (rr.max() - rr.min()) > (cc.max() - cc.min())
    if transpose:
        sweep_cand = sweep_cand.T
        rr, cc = cc, rr
    s_r, s_c = (snapped[1], snapped[0]) if transpose else snapped

    lines = []
    for row in _sweep_lines(int(rr.min()), int(rr.max()), radius_cells, spacing_cells):
        runs = _runs(sweep_cand[row])
        if runs:
            lines.append((row, runs))
    if lines and abs(lines[-1][0] - s_r) < abs(lines[0][0] - s_r):
        lines.reverse()

    tour: list[Cell] = []
    sweep: list[bool] = []  # sweep[i]: the leg tour[i] -> tour[i + 1] is a straight sweep
    if lines:
        first_runs = lines[0][1]
        forward = abs(first_runs[0][0] - s_c) <= abs(first_runs[-1][1] - s_c)
        for row, runs in lines:
            ordered = runs if forward else [(b, a) for a, b in reversed(runs)]
            for a, b in ordered:
                tour.append((row, a))
                sweep.append(b != a)
                if b != a:
                    tour.append((row, b))
                    sweep.append(False)
            forward = not forward
        if transpose:
            tour = [(c, r) for r, c in tour]

    # Greedy fill, measured on the original (untransposed) grid.
    offsets = disc_offsets(radius_cells)
    coverable = reg & dilate(fill_cand, radius_cells)
    covered = np.zeros_like(grid)
    for i in range(len(tour)):
        a = tour[i]
        b = tour[i + 1] if sweep[i] else a
        r0, r1 = sorted((a[0], b[0]))
        c0, c1 = sorted((a[1], b[1]))
        covered[r0 : r1 + 1, c0 : c1 + 1] = True
    covered = dilate(covered, radius_cells)
    # Only the window around the region matters, which keeps the per-pick counting cheap.
    pad = int(math.ceil(radius_cells)) + 1
    rows_idx, cols_idx = np.nonzero(coverable | fill_cand)
    w_r0, w_r1 = max(rows_idx.min() - pad, 0), rows_idx.max() + pad + 1
    w_c0, w_c1 = max(cols_idx.min() - pad, 0), cols_idx.max() + pad + 1
    win = (slice(w_r0, w_r1), slice(w_c0, w_c1))
    todo = coverable[win] & ~covered[win]
    cand_win = fill_cand[win]
    allowed = int(math.floor((1.0 - _FILL_TARGET) * coverable.sum()))
    while todo.sum() > allowed:
        gain = np.where(cand_win, _disc_count(todo, offsets), 0)
        best = int(np.argmax(gain))
        if gain.flat[best] == 0:
            break
        br, bc = divmod(best, gain.shape[1])
        cell = (br + w_r0, bc + w_c0)
        if tour:
            _insert(tour, sweep, snapped, cell)
        else:
            tour.append(cell)
            sweep.append(False)
        hit = np.zeros_like(todo)
        hit[br, bc] = True
        todo &= ~dilate(hit, radius_cells)

    out: list[Cell] = []
    for cell in tour:
        cell = (int(cell[0]), int(cell[1]))
        if not out or out[-1] != cell:
            out.append(cell)
    return out
