"""An expert for the skill-level env that solves every generated task, with choices a policy
can imitate.

What it knows that the agent does not: the home's furniture (so it knows which piece is the
target and where it is), the true geometry for choosing cells, the parsed goal, and where a step
that goes back leads (the start, the room before: the episode's past, which the agent must
remember). What it does
not use: the target's location before the camera has seen it. It searches the way a robot
without the answer would: the named room first, then the nearest unexplored frontier of the map,
and commits to the target only once the map's semantic layer shows the target's type and colour
on the target's footprint. Cells it chooses are computed from the observation's map plus that
knowledge; the room map, occupancy and seen channels are what the agent also has.
"""

from __future__ import annotations

import numpy as np

from sim.catalog import COLOR_NAMES, FURNITURE_TYPES, ROOM_TYPES
from sim.envs.skill_env import CLEAN, NAVIGATE, STOP, RoombySkillEnv
from sim.grid import MAP, MAP_SIZE
from sim.home import Furniture
from sim.tasks import GOTO_RADIUS
from sim.tasks.goto_object import footprint_distance

SEEN_HITS = 2.0  # pixels of the target's type and of its colour that must have landed on it


class Expert:
    """`act(env)` returns the expert's action for the env's current state."""

    def __init__(self, env: RoombySkillEnv):
        self.env = env.unwrapped
        self._episode: object = None
        self._tried: set[int] = set()  # cells whose navigation went nowhere this episode
        self._last: tuple[int, float, float] | None = None  # (cell, x, y) of the last navigate

    def _remember(self) -> None:
        """Forget between episodes; mark a navigate that did not move the robot as tried."""
        env = self.env
        if self._episode is not env.progress:
            self._episode, self._tried, self._last = env.progress, set(), None
            return
        if self._last is not None:
            cell, x0, y0 = self._last
            x, y, _ = env.world.pose()
            if np.hypot(x - x0, y - y0) < 0.05:
                self._tried.add(cell)

    # ---- what the map shows ---------------------------------------------------------------
    def _map_cells(self, f: Furniture) -> np.ndarray:
        x0, y0, x1, y1 = f.footprint
        r0, c0 = MAP.to_cell(x0, y0)
        r1, c1 = MAP.to_cell(x1 - 1e-6, y1 - 1e-6)
        rr, cc = np.mgrid[r0:r1 + 1, c0:c1 + 1]
        return (rr * MAP_SIZE + cc).reshape(-1)

    def seen(self, f: Furniture) -> bool:
        """Whether the semantic layer shows this piece's type and colour on its footprint."""
        sm = self.env.smap
        cells = self._map_cells(f)
        t = FURNITURE_TYPES.index(f.type) + 1
        c = COLOR_NAMES.index(f.color) + 1
        return bool(sm.type_hits[t, cells].sum() >= SEEN_HITS
                    and sm.color_hits[c, cells].sum() >= SEEN_HITS)

    def frontier(self, room: str | None) -> int | None:
        """The nearest map cell of unexplored floor next to explored floor (in `room` if given)."""
        env = self.env
        seen = env.smap.seen.reshape(MAP_SIZE, MAP_SIZE)
        floor = env.grid.map_occupancy < 0.5
        near_seen = np.zeros_like(seen)
        near_seen[1:, :] |= seen[:-1, :]
        near_seen[:-1, :] |= seen[1:, :]
        near_seen[:, 1:] |= seen[:, :-1]
        near_seen[:, :-1] |= seen[:, 1:]
        cand = floor & ~seen & near_seen
        if room is not None:
            cand &= env.grid.map_rooms[_room_index(room)] > 0.5
        cand.reshape(-1)[list(self._tried)] = False
        cells = np.flatnonzero(cand.reshape(-1))
        if len(cells) == 0 and room is not None:
            rest = floor & ~seen & (env.grid.map_rooms[_room_index(room)] > 0.5)
            rest.reshape(-1)[list(self._tried)] = False
            cells = np.flatnonzero(rest.reshape(-1))
        if len(cells) == 0:
            return None
        x, y, _ = env.world.pose()
        d = [np.hypot(*(np.subtract(env.cell_center(int(k)), (x, y)))) for k in cells]
        # Only cells whose landing point is near them: others cannot be explored by driving.
        for i in np.argsort(d, kind="stable"):
            k = int(cells[i])
            if np.hypot(*np.subtract(env.landing(k), env.cell_center(k))) < 0.4:
                return k
        return None

    # ---- choosing cells ----------------------------------------------------------------------
    def _cells_by_distance(self, mask: np.ndarray) -> list[int]:
        x, y, _ = self.env.world.pose()
        cells = np.flatnonzero(mask.reshape(-1))
        d = [np.hypot(*np.subtract(self.env.cell_center(int(k)), (x, y))) for k in cells]
        return [int(cells[i]) for i in np.argsort(d, kind="stable")]

    def approach_cell(self, f: Furniture, goal: dict) -> int:
        """A cell whose landing point counts as having reached `f`."""
        env = self.env
        x0, y0, x1, y1 = f.footprint
        m = GOTO_RADIUS + 0.25
        r0, c0 = MAP.to_cell(x0 - m, y0 - m)
        r1, c1 = MAP.to_cell(x1 + m, y1 + m)
        mask = np.zeros((MAP_SIZE, MAP_SIZE), dtype=bool)
        mask[r0:r1 + 1, c0:c1 + 1] = True
        task = env.progress.tasks[env.progress.index]
        others = [g for g in env.home.find(type=f.type) if g is not f]
        for k in self._cells_by_distance(mask):
            if k in self._tried:
                continue
            xy = env.landing(k)
            d = footprint_distance(f.footprint, xy)
            # Margins: the robot stops within a few centimetres of the landing point.
            clear = all(footprint_distance(g.footprint, xy) >= d + 0.15 for g in others)
            if d <= GOTO_RADIUS - 0.1 and clear and \
                    task.achieved(env.home, env.grid, goal, xy, env.dirt.cleaned):
                return k
        return int(MAP.to_cell(*f.center)[0] * MAP_SIZE + MAP.to_cell(*f.center)[1])

    def point_cell(self, xy: tuple[float, float]) -> int:
        """The nearest cell whose landing point is within the goto radius (less a margin) of
        `xy`: where "come back here" ends."""
        env = self.env
        r, c = MAP.to_cell(*xy)
        mask = np.zeros((MAP_SIZE, MAP_SIZE), dtype=bool)
        mask[max(r - 3, 0):r + 4, max(c - 3, 0):c + 4] = True
        best, best_d = int(r * MAP_SIZE + c), np.inf
        for k in self._cells_by_distance(mask):
            if k in self._tried:
                continue
            d = float(np.hypot(*np.subtract(env.landing(k), xy)))
            if d <= GOTO_RADIUS - 0.15:
                return k
            if d < best_d:
                best, best_d = k, d
        return best

    def room_cell(self, room: str, for_clean: bool) -> int:
        env = self.env
        inside = env.grid.map_rooms[_room_index(room)] > 0.99
        for k in self._cells_by_distance(inside):
            lx, ly = env.landing(k)
            if env.home.room_at(lx, ly) != room:
                continue
            rx0, ry0, rx1, ry1 = env.home.room(room).rect
            if min(lx - rx0, rx1 - lx, ly - ry0, ry1 - ly) < 0.4:
                continue
            if for_clean:
                region = env.region_at(k)
                if not (region & env.grid.room_mask(room)).sum() == \
                        (env.grid.room_mask(room) & env.grid.floor).sum():
                    continue
            return k
        return self._cells_by_distance(inside)[0]

    # ---- the policy -------------------------------------------------------------------------
    def act(self, env: RoombySkillEnv | None = None) -> np.ndarray:
        env = self.env if env is None else env.unwrapped
        self.env = env
        self._remember()
        action = self._decide()
        x, y, _ = env.world.pose()
        self._last = (int(action[1]), x, y) if action[0] == NAVIGATE else None
        return action

    def _decide(self) -> np.ndarray:
        env = self.env
        pr = env.progress
        goal = pr.current
        x, y, _ = env.world.pose()
        cleaned = env.dirt.cleaned
        task = goal["task"]
        if pr.is_last and pr.achieved(pr.index, (x, y), cleaned):
            return _action(STOP, 0)
        if task in ("goto_room", "previous_room"):
            return _action(NAVIGATE, self.room_cell(goal["room"], for_clean=False))
        if task == "return":
            return _action(NAVIGATE, self.point_cell(goal["xy"]))
        if task == "vacuum_room":
            return _action(CLEAN, self.room_cell(goal["room"], for_clean=True))
        targets = env.home.find(goal["object"], goal.get("color"), goal.get("room"))
        seen = [f for f in targets if self.seen(f)]
        if seen:
            f = min(seen, key=lambda f: np.hypot(f.center[0] - x, f.center[1] - y))
            if task == "goto_object":
                return _action(NAVIGATE, self.approach_cell(f, goal))
            # A step whose coverage is done has been advanced past by the progress tracker.
            r, c = MAP.to_cell(*f.center)
            return _action(CLEAN, int(r * MAP_SIZE + c))
        room = goal.get("room")
        if room is not None and env.home.room_at(x, y) != room:
            k = self.frontier(room)
            if k is not None:
                return _action(NAVIGATE, k)
        k = self.frontier(room)
        if k is None:
            k = self.frontier(None)
        if k is None:  # everything seen and still no target: look at each candidate in turn
            f = min(targets, key=lambda f: np.hypot(f.center[0] - x, f.center[1] - y))
            return _action(NAVIGATE, self.approach_cell(f, goal))
        return _action(NAVIGATE, k)


def _action(skill: int, cell: int) -> np.ndarray:
    return np.array([skill, cell], dtype=np.int64)


def _room_index(room: str) -> int:
    return ROOM_TYPES.index(room)
