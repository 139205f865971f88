"""The goal map: where on the map the command's object is, by the model's own reading of it.

The goal head reads the command into fields (object type, colour, room per step slot); the map's
semantic layer holds per-cell evidence of each type and colour, and its room channels say which
room each cell is in. Their product per cell,

    g[cell] = max over steps of  P(type) . E_type[cell]
                                 x (P(no colour) + P(colour) . E_colour[cell])
                                 x (P(no room) + P(room) . R[cell]),

is high exactly where the map shows the named thing: grounding the words in the map without
having to learn the conjunction of ten types and eight colours from a few hundred demonstrations
(imitation alone did not: the pointer ignored a named plant the map had shown for several
decisions). The goal probabilities are detached: the policy's losses do not bend the parser.
Steps without an object (P(type) summing to ~0) give an empty map.
"""

from __future__ import annotations

import torch
from torch import Tensor
from torch.nn import functional as F

from agent.model.goal_codec import LEGACY
from sim.catalog import COLOR_NAMES, FURNITURE_TYPES, ROOM_TYPES
from sim.grid import MAP_RES, MAP_SIZE
from sim.semantic_map import MAP_CHANNELS, SEMANTIC_START

ROOM_START = MAP_CHANNELS.index(f"room:{ROOM_TYPES[0]}")
ROBOT = MAP_CHANNELS.index("robot")
CLEANED = MAP_CHANNELS.index("cleaned")
NEAR = (1, 2, 3)
"""Map cells (25 cm) around the robot searched for the goal map: within reach of the 0.5 m
goto radius and beyond."""
GOAL_FEATURES = len(NEAR) + 1
"""Goal features without `seen` (with it, one more)."""
N_TYPES, N_COLORS, N_ROOMS = len(FURNITURE_TYPES), len(COLOR_NAMES), len(ROOM_TYPES)
DISTANCE_PENALTY = 2.0
"""Metres added to a cell's distance per unit of goal-map value it lacks (a cell at 0.5 counts
as 1 m further away; with nothing lit, the nearest "goal" is >= 2 m away)."""
DISTANCE_SCALE = 0.5
"""The distance feature is exp(-d / DISTANCE_SCALE): the goto radius (0.5 m) reads 0.37."""


def goal_map(goal_logits: Tensor, grid: Tensor, rooms: bool = False,
             sizes: tuple[int, ...] = LEGACY.sizes) -> Tensor:
    """goal_logits [B, slots, sum(sizes)], map [B, C, H, W] -> [B, H, W] in [0, 1]; `sizes`:
    classes per goal field (the network's `codec.sizes`).

    `rooms` (`model.goal_room`): a step that names a room and no object lights the room's
    cells, P(no object) . P(room) . R[cell], so room commands are grounded as objects are
    (without it their goal map is empty and the pointer's learned part carries them alone)."""
    _, obj, col, room = torch.split(goal_logits.detach(), list(sizes), dim=-1)
    p_all = torch.softmax(obj, -1)
    p_obj = p_all[..., 1:]                                                    # [B, S, T]
    p_col = torch.softmax(col, -1)
    p_room = torch.softmax(room, -1)
    g = grid.float()
    types = g[:, SEMANTIC_START: SEMANTIC_START + N_TYPES]
    colors = g[:, SEMANTIC_START + N_TYPES: SEMANTIC_START + N_TYPES + N_COLORS]
    room_cells = g[:, ROOM_START: ROOM_START + N_ROOMS]
    b, _, h, w = g.shape
    # Contractions over the channel axis as matrix products ([B, S, K] @ [B, K, H*W]).
    named_room = p_room[..., 1:] @ room_cells.reshape(b, N_ROOMS, h * w)
    t = p_obj @ types.reshape(b, N_TYPES, h * w)
    c = p_col[..., :1] + p_col[..., 1:] @ colors.reshape(b, N_COLORS, h * w)
    r = p_room[..., :1] + named_room
    out = t * c * r
    if rooms:  # t <= P(some object) = 1 - P(no object): the sum stays within [0, 1]
        out = out + p_all[..., :1] * named_room
    return out.amax(1).reshape(b, h, w)


def goal_features(ground: Tensor, grid: Tensor, seen: bool = False) -> Tensor:
    """[B, H, W] goal map, [B, C, H, W] map -> [B, 4] (or [B, 5] with `seen`): the goal map's
    largest value within 1, 2 and 3 cells of the robot (is the named thing here?), the cleaned
    share of the goal map (is it done?) and, with `seen`, its largest value anywhere (has it
    been found?). What deciding to stop or clean needs, which imitation did not find by itself:
    a learner that pointed next to a lit plant for 40 decisions never chose stop."""
    robot = grid[:, ROBOT].float()
    # Max within k cells = a 3 x 3 max-pool applied k times, each reusing the last: torch's
    # pooling kernel runs a 7 x 7 window far slower than three 3 x 3 ones; onnxruntime's runs
    # both alike.
    feats, near, k0 = [], ground.unsqueeze(1), 0
    for k in NEAR:
        for _ in range(k - k0):
            near = F.max_pool2d(near, 3, stride=1, padding=1)
        feats.append((near[:, 0] * robot).sum((1, 2)))
        k0 = k
    cleaned = grid[:, CLEANED].float()
    feats.append((ground * cleaned).sum((1, 2)) / (ground.sum((1, 2)) + 1e-3))
    if seen:
        feats.append(ground.flatten(1).amax(1))
    return torch.stack(feats, dim=-1)


def goal_distance(ground: Tensor, pose: Tensor) -> Tensor:
    """[B, H, W] goal map, [B, 4] pose (x, y metres in the map's frame, cos, sin) -> [B, 1]:
    exp(-d / 0.5 m), d the distance from the robot's centre to the nearest cell square of the
    goal map, each cell counted DISTANCE_PENALTY metres further per unit of goal-map value it lacks.
    Why: the within-k-cells features see the robot's cell, not its place inside it, and
    "within 2 cells" spans 0.5-0.75 m: the learner stopped 0.7-0.85 m from targets that need
    0.5 m (held-out traces). This one reads the distance itself. (Alone it did not fix them:
    misread edge pixels lit cells beyond the footprints; `sim.semantic_map.agreeing_pixels`.)"""
    centres = (torch.arange(MAP_SIZE, dtype=ground.dtype, device=ground.device) + 0.5) * MAP_RES
    # Distance from a point to a square of side MAP_RES, per axis: 0 inside it.
    dx = ((pose[:, :1] - centres).abs() - 0.5 * MAP_RES).clamp(min=0.0)          # [B, W]
    dy = ((pose[:, 1:2] - centres).abs() - 0.5 * MAP_RES).clamp(min=0.0)         # [B, H]
    d = torch.sqrt(dy.unsqueeze(2) ** 2 + dx.unsqueeze(1) ** 2)                 # [B, H, W]
    d = d + DISTANCE_PENALTY * (1.0 - ground)
    return torch.exp(-d.flatten(1).amin(1, keepdim=True) / DISTANCE_SCALE)
