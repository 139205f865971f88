"""The map the robot observes: what it was given (occupancy, rooms), what it did (cleaned,
visited) and what its camera has seen where (the semantic layer).

Channels of the `map` observation (float32, 0..1, shape [29, 48, 48], 25 cm cells) and the source
each stands for on a real robot:

| channels | name | real robot |
| --- | --- | --- |
| 0 | occupancy | its SLAM occupancy grid (fraction of the cell that is not floor) |
| 1-6 | room: one per room type | its app's labelled room map (a file on the robot) |
| 7 | cleaned | its own track: floor its footprint covered this episode |
| 8 | visited | its own track: cells its centre passed through |
| 9 | seen | cells its depth camera has observed (any pixel landed there) |
| 10 | robot | its localisation: the cell it is in |
| 11-20 | object type evidence, one per type | learned perception projected through depth |
| 21-28 | colour evidence, one per colour | learned perception projected through depth |

Evidence of a class in a cell is relative: its hits (pixels of that class that landed in the
cell; every second pixel along each axis is projected, `CameraSpec.project_stride`) over the hits
of the cell's most-hit class of the same kind (type or colour), times the confidence
1 - exp(-top hits / 1.5). A class alone in its cell gets 1 - exp(-hits / 1.5); a class with 10
stray hits in a cell that 1 800 pixels of another colour landed in gets 0.006, not the 1.0
that saturating every class on its own gave: learned perception misreads a few per cent of a
piece's pixels (a black fridge partly purple), and saturated evidence lit such look-alikes as
the named thing, where the policy stopped (docs/results.md).
With a learned perception's calibration (`type_given_room`, see `SemanticMap`), type hits are
first recounted as the true types that such readings were, in training homes, in rooms of the
cell's type (a "bookshelf" reading in a kitchen counts as a fridge).
In simulation the per-pixel classes come from the ground-truth segmentation ("oracle") or from a
learned perception function passed to the env.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from sim.camera import CameraSpec
from sim.catalog import COLOR_NAMES, FURNITURE_TYPES, ROBOT_RADIUS, ROOM_TYPES
from sim.grid import MAP, MAP_RES, MAP_SIZE, HomeGrid
from sim.skills.coverage import disc_offsets

N_TYPES = len(FURNITURE_TYPES)
N_COLORS = len(COLOR_NAMES)
MAP_CHANNELS: tuple[str, ...] = (
    "occupancy",
    *(f"room:{r}" for r in ROOM_TYPES),
    "cleaned",
    "visited",
    "seen",
    "robot",
    *(f"type:{t}" for t in FURNITURE_TYPES),
    *(f"color:{c}" for c in COLOR_NAMES),
)
SEMANTIC_START = MAP_CHANNELS.index(f"type:{FURNITURE_TYPES[0]}")
EVIDENCE_SCALE = 1.5

# (rgb HxWx3 uint8, depth HxW metres) -> (type HxW, colour HxW): index + 1 per pixel, 0 = none.
# It may also return a third array, each pixel's type weight [H, W] (`SemanticMap.observe`), and
# carry a `type_given_room` array (see `SemanticMap`), which the env passes on to its map.
Perception = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


class SemanticMap:
    """Per-episode map state, updated from the robot's pose and camera."""

    def __init__(self, grid: HomeGrid, camera: CameraSpec,
                 type_given_room: np.ndarray | None = None):
        """`type_given_room` [len(ROOM_TYPES) + 1, N_TYPES, N_TYPES] (optional): for a pixel
        that perception read as type k and that landed in a cell of room r (the last index: no
        room), the expected share of it that is each true type, `[r, :, k]` (columns sum to at
        most 1: the rest is pixels that were no furniture). Evidence is then computed from the
        corrected hits. It is a property of a learned perception, measured in training homes
        (`agent/train/calibration.py`): look-alikes of one colour (a fridge and a
        bookshelf, a table and a desk) are read one for the other from a camera 8.5 cm above
        the floor, but are furnished in different rooms."""
        self.grid = grid
        self.camera = camera
        n = MAP_SIZE * MAP_SIZE
        self.type_hits = np.zeros((N_TYPES + 1, n), dtype=np.float32)
        self.color_hits = np.zeros((N_COLORS + 1, n), dtype=np.float32)
        self.seen = np.zeros(n, dtype=bool)
        self.visited = np.zeros(n, dtype=bool)
        self._robot_cells = disc_offsets(ROBOT_RADIUS / MAP_RES)
        self._static = np.concatenate([grid.map_occupancy[None], grid.map_rooms])
        self._n = n
        self.room_index = cell_rooms(grid.map_rooms)
        self._type_given_room = None
        if type_given_room is not None:
            m = np.asarray(type_given_room, dtype=np.float32)
            want = (len(ROOM_TYPES) + 1, N_TYPES, N_TYPES)
            if m.shape != want:
                raise ValueError(f"type_given_room has shape {m.shape}, expected {want}")
            self._type_given_room = m
        # Evidence per class and cell, updated where hits change.
        self._evidence = np.zeros((N_TYPES + N_COLORS, n), dtype=np.float32)

    def labelled_pixels(self, types: np.ndarray, colors: np.ndarray, depth: np.ndarray,
                        pose: tuple[float, float, float]
                        ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The pixels of one frame that `observe` counts -> (their map cells, types, colours,
        flat pixel indices); marks every projected cell seen."""
        wx, wy, idx = self.camera.project_xy(depth, pose)
        # Depth pixels hit things inside the home, which lies inside the map; clipping only
        # guards against homes that break that rule.
        col = np.clip((wx * (1.0 / MAP_RES)).astype(np.intp), 0, MAP_SIZE - 1)
        row = np.clip((wy * (1.0 / MAP_RES)).astype(np.intp), 0, MAP_SIZE - 1)
        cell = row * MAP_SIZE + col
        self.seen[cell] = True
        t = types.reshape(-1)[idx]
        c = colors.reshape(-1)[idx]
        # Most pixels are floor and walls: count only the rest, and only where the pixel's
        # neighbours agree on its type (see `agreeing_pixels`).
        on = np.flatnonzero(t | c)
        if len(on):
            on = on[agreeing_pixels(types, idx[on])]
        return cell[on], t[on], c[on], idx[on]

    def observe(self, types: np.ndarray, colors: np.ndarray, depth: np.ndarray,
                pose: tuple[float, float, float], type_weight: np.ndarray | None = None
                ) -> None:
        """Project one frame's per-pixel classes through depth and pose into the map.

        `type_weight` [H, W] (optional) is what each pixel's type reading counts for instead of
        1 (a learned perception's confidence, `LearnedPerception`); colours always count 1."""
        cells, t, c, idx = self.labelled_pixels(types, colors, depth, pose)
        if len(cells) == 0:
            return
        w = 1.0 if type_weight is None else type_weight.reshape(-1)[idx]
        np.add.at(self.type_hits.reshape(-1), t.astype(np.intp) * self._n + cells, w)
        np.add.at(self.color_hits.reshape(-1), c.astype(np.intp) * self._n + cells, 1.0)
        touched = np.zeros(self._n, dtype=bool)
        touched[cells] = True
        cells = np.flatnonzero(touched)  # each cell once (np.unique sorts: 20x slower here)
        hits = self.type_hits[1:, cells]
        if self._type_given_room is not None:
            m = self._type_given_room[self.room_index[cells]]  # [cells, true, read]
            hits = np.einsum("ntk,kn->tn", m, hits)
        self._evidence[:N_TYPES, cells] = relative_evidence(hits)
        self._evidence[N_TYPES:, cells] = relative_evidence(self.color_hits[1:, cells])

    def mark_robot(self, x: float, y: float) -> None:
        """The robot's own cell is visited and known; the cells its disc covers are seen."""
        r, c = MAP.to_cell(x, y)
        if self.visited[r * MAP_SIZE + c]:
            return  # its neighbourhood was marked when it first came here
        self.visited[r * MAP_SIZE + c] = True
        rr = np.clip(r + self._robot_cells[:, 0], 0, MAP_SIZE - 1)
        cc = np.clip(c + self._robot_cells[:, 1], 0, MAP_SIZE - 1)
        self.seen[rr * MAP_SIZE + cc] = True

    def type_evidence(self) -> np.ndarray:
        return self._evidence[:N_TYPES].reshape(N_TYPES, MAP_SIZE, MAP_SIZE)

    def color_evidence(self) -> np.ndarray:
        return self._evidence[N_TYPES:].reshape(N_COLORS, MAP_SIZE, MAP_SIZE)

    def semantic(self) -> np.ndarray:
        """[18, 48, 48]: type evidence then colour evidence (a view: copy to keep)."""
        return self._evidence.reshape(N_TYPES + N_COLORS, MAP_SIZE, MAP_SIZE)

    def as_array(self, cleaned: np.ndarray, pose: tuple[float, float, float]) -> np.ndarray:
        """The `map` observation; `cleaned` is the cleaned fraction per map cell [48, 48]."""
        s = MAP_SIZE
        out = np.empty((len(MAP_CHANNELS), s, s), dtype=np.float32)
        k = len(self._static)
        out[:k] = self._static
        out[k] = cleaned
        out[k + 1] = self.visited.reshape(s, s)
        out[k + 2] = self.seen.reshape(s, s)
        out[k + 3] = 0.0
        r, c = MAP.to_cell(pose[0], pose[1])
        out[k + 3, r, c] = 1.0
        out[SEMANTIC_START:] = self.semantic()
        return out


def type_confidence(type_logits: np.ndarray, power: float) -> np.ndarray:
    """[types + 1, h, w] logits -> [h, w] float32: the most likely type's probability ^ power.

    Why weigh: the type head is sure where it is right and unsure where it errs (held-out
    frames: mean top probability 0.96 on right furniture pixels, 0.71 on wrong ones), and it errs
    most where a frame cannot tell (a box filling the view up close, its top out of sight), while
    the same piece seen whole from afar is read right. Weighted by probability ^ 4, the share of
    pixel weight on the right type goes 0.48 -> 0.70 for tv stands, 0.75 -> 0.86 for bookshelves,
    0.86 -> 0.95 for plants."""
    z = type_logits - type_logits.max(axis=0, keepdims=True)
    e = np.exp(z)
    return (1.0 / e.sum(axis=0)) ** power  # the top class's exp(0) = 1 over the sum


def cell_rooms(map_rooms: np.ndarray) -> np.ndarray:
    """[rooms, 48, 48] room fractions -> [48 * 48] index of each cell's main room, or
    len(rooms) where a cell lies in none (walls, outside)."""
    flat = map_rooms.reshape(len(map_rooms), -1)
    return np.where(flat.max(axis=0) > 0, flat.argmax(axis=0), len(map_rooms)).astype(np.intp)


def agreeing_pixels(types: np.ndarray, pixels: np.ndarray) -> np.ndarray:
    """[H, W] per-pixel classes, flat pixel indices -> bool per pixel: every pixel of its 3 x 3
    neighbourhood (those inside the image) has its class. Why: perception misreads objects'
    edges, and a misread edge pixel carries the depth of what lies behind it, so it lands up to
    0.5 m beyond the object, on the floor the robot approaches from: a policy that stopped at
    those cells stopped short. On 4 held-out episodes with the learned perception this drops
    98.6 % of the object labels on floor and wall pixels, 16.5 % of the right ones (objects' own
    edges). Checked only at the pixels asked for (the projected, labelled ones: about 560 of
    4 800 on a frame half full of furniture, 49 against 63 us for the whole image)."""
    h, w = types.shape
    # Edge-padded copy: a neighbour outside the image repeats one inside it, which is also a
    # neighbour of the pixel (or the pixel itself), so it never disagrees on its own.
    padded = np.empty((h + 2, w + 2), dtype=types.dtype)
    padded[1:-1, 1:-1] = types
    padded[0, 1:-1], padded[-1, 1:-1] = types[0], types[-1]
    padded[:, 0], padded[:, -1] = padded[:, 1], padded[:, -2]
    flat = padded.reshape(-1)
    at = pixels + (pixels // w) * 2 + (w + 3)  # the same pixels in the padded image
    own = flat[at]
    same = np.ones(len(pixels), dtype=bool)
    for step in (-(w + 3), -(w + 2), -(w + 1), -1, 1, w + 1, w + 2, w + 3):
        same &= flat[at + step] == own
    return same


def relative_evidence(hits: np.ndarray) -> np.ndarray:
    """[classes, cells] hit counts -> evidence in 0..1: each class's hits over the cell's
    most-hit class's, times that class's saturating confidence 1 - exp(-hits / 1.5)."""
    top = hits.max(axis=0, keepdims=True)
    return hits / np.maximum(top, 1.0) * (1.0 - np.exp(top * (-1.0 / EVIDENCE_SCALE)))
