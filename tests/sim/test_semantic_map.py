from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import sim  # noqa: F401
from sim.semantic_map import (
    EVIDENCE_SCALE,
    N_TYPES,
    SemanticMap,
    agreeing_pixels,
    relative_evidence,
    type_confidence,
)


def test_relative_evidence_keeps_a_lone_class_and_damps_stray_hits() -> None:
    hits = np.array([[2.0, 1800.0, 0.0],    # alone / the cell's main colour / nothing
                     [0.0, 10.0, 0.0],      # ten stray pixels beside 1 800 of another colour
                     [0.0, 900.0, 0.0]])    # a second piece filling half the cell
    e = relative_evidence(hits)
    assert e[0, 0] == pytest.approx(1 - np.exp(-2 / EVIDENCE_SCALE))
    assert e[0, 1] == pytest.approx(1.0) and e[2, 1] == pytest.approx(0.5)
    assert e[1, 1] == pytest.approx(10 / 1800) and e[1, 1] < 0.01
    assert (e[:, 2] == 0).all() and (e >= 0).all() and (e <= 1).all()


def _empty_map() -> tuple[gym.Env, SemanticMap]:
    """A real env's home and camera, and a fresh semantic map for them."""
    env = gym.make("Roomby/GoToObject-OneRoom-v0")
    env.reset(seed=0)
    return env, SemanticMap(env.unwrapped.grid, env.unwrapped.camera)


def _wall_frame(u, type_label: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A frame of one wall 1.2 m ahead read as one type (label) and colour label 2:
    (depth, types, colours)."""
    h, w = u.camera.height, u.camera.width
    return (np.full((h, w), 1.2, np.float32), np.full((h, w), type_label, np.uint8),
            np.full((h, w), 2, np.uint8))


def test_a_few_misread_pixels_do_not_light_their_colour() -> None:
    """One frame of a wall of one type and colour, with 3 % of its pixels read as another
    colour: the map shows the main colour, and the misread one barely."""
    env, smap = _empty_map()
    u = env.unwrapped
    h, w = u.camera.height, u.camera.width
    depth, types, colors = _wall_frame(u, 3)
    colors.reshape(-1)[np.random.default_rng(0).choice(h * w, h * w * 3 // 100, False)] = 5
    smap.observe(types, colors, depth, u.world.pose())
    env.close()
    col = smap.color_evidence()
    many = smap.type_hits[3].reshape(col.shape[1:]) >= 20  # cells with 20+ pixels of the wall
    assert many.sum() >= 5, "the frame should land in several cells"
    assert col[1][many].min() > 0.99       # colour index 1 (label 2) where it landed
    assert col[4][many].max() < 0.15 and col[4][many].mean() < 0.05  # the misread one: dark
    misread = smap.color_hits[5].reshape(col.shape[1:])[many]
    assert (1 - np.exp(-misread / EVIDENCE_SCALE)).max() > 0.9, \
        "evidence of each class on its own would light the misread colour"
    assert smap.semantic().shape[0] == N_TYPES + col.shape[0]


def _agreeing_by_hand(types: np.ndarray) -> np.ndarray:
    h, w = types.shape
    out = np.zeros(types.shape, dtype=bool)
    for r in range(h):
        for c in range(w):
            block = types[max(r - 1, 0): r + 2, max(c - 1, 0): c + 2]
            out[r, c] = bool((block == types[r, c]).all())
    return out


def test_agreeing_pixels_are_those_whose_neighbours_share_their_class() -> None:
    rng = np.random.default_rng(0)
    for types in (rng.integers(0, 3, (60, 80)).astype(np.uint8),
                  (rng.random((60, 80)) < 0.95).astype(np.uint8)):
        every = np.arange(types.size)
        assert (agreeing_pixels(types, every).reshape(types.shape)
                == _agreeing_by_hand(types)).all()


def test_a_misread_rim_around_an_object_lands_nowhere() -> None:
    """An object's pixels with a one-pixel rim of another type around them (perception's
    misread edges, which carry the depth behind the object): the object's type lights its
    cells, the rim's type lights none; without the neighbourhood check it would."""
    env, smap = _empty_map()
    u = env.unwrapped
    h, w = u.camera.height, u.camera.width
    depth = np.full((h, w), 1.5, np.float32)
    types = np.zeros((h, w), np.uint8)
    colors = np.zeros((h, w), np.uint8)
    types[19:41, 19:61] = 7          # the rim ...
    types[20:40, 20:60] = 3          # ... around the object
    colors[19:41, 19:61] = 2
    smap.observe(types, colors, depth, u.world.pose())
    env.close()
    assert smap.type_hits[3].sum() > 100
    assert smap.type_hits[7].sum() == 0
    assert smap.type_evidence()[6].max() == 0.0
    agree = agreeing_pixels(types, np.arange(h * w)).reshape(h, w)
    assert (~agree[19:41, 19:61]).sum() >= 2 * (42 + 22) - 4  # the rim
    # ... of which the projected pixels would have been counted without the check.
    assert (types.reshape(-1)[u.camera._sampled] == 7).sum() >= 20


def test_type_given_room_recounts_hits_by_the_cell_s_room() -> None:
    """One frame read as type 9 (bookshelf) everywhere: with a calibration that says such
    readings are type 7 (fridge) in the room the frame lands in, and as read elsewhere, the
    fridge lights those cells and the bookshelf does not; without it, the bookshelf lights."""
    env, plain = _empty_map()
    u = env.unwrapped
    depth, types, colors = _wall_frame(u, 9)   # label 9 = type index 8
    n_rooms = u.grid.map_rooms.shape[0]
    cal = np.broadcast_to(np.eye(N_TYPES, dtype=np.float32), (n_rooms + 1, N_TYPES, N_TYPES)).copy()
    plain.observe(types, colors, depth, u.world.pose())
    lit = plain.type_hits[9] > 0
    room = np.bincount(plain.room_index[lit]).argmax()
    cal[room, :, 8] = 0.0
    cal[room, 6, 8] = 0.9   # 90 % of those readings were fridges, 10 % no furniture
    fixed = SemanticMap(u.grid, u.camera, cal)
    fixed.observe(types, colors, depth, u.world.pose())
    env.close()
    here = lit & (plain.room_index == room) & (plain.type_hits[9] >= 20)
    assert here.sum() >= 3
    ev_plain, ev_fixed = plain.type_evidence().reshape(N_TYPES, -1), \
        fixed.type_evidence().reshape(N_TYPES, -1)
    assert ev_plain[8][here].min() > 0.99 and ev_plain[6][here].max() == 0
    assert ev_fixed[6][here].min() > 0.99 and ev_fixed[8][here].max() == 0
    assert (fixed.type_hits == plain.type_hits).all(), "the raw hits are kept as read"
    elsewhere = lit & (plain.room_index != room)
    assert np.allclose(ev_fixed[:, elsewhere], ev_plain[:, elsewhere])
    with pytest.raises(ValueError, match="type_given_room has shape"):
        SemanticMap(u.grid, u.camera, cal[:, :3])


def test_type_weights_count_for_the_type_hits_only() -> None:
    env, plain = _empty_map()
    u = env.unwrapped
    depth, types, colors = _wall_frame(u, 3)
    weight = np.full(depth.shape, 0.25, np.float32)
    weighted = SemanticMap(u.grid, u.camera)
    plain.observe(types, colors, depth, u.world.pose())
    weighted.observe(types, colors, depth, u.world.pose(), weight)
    env.close()
    assert np.allclose(weighted.type_hits, plain.type_hits * 0.25)
    assert np.array_equal(weighted.color_hits, plain.color_hits)


def test_type_confidence_is_the_top_probability_to_a_power() -> None:
    logits = np.random.default_rng(0).normal(size=(11, 4, 5)).astype(np.float32) * 3
    p = np.exp(logits) / np.exp(logits).sum(axis=0)
    np.testing.assert_allclose(type_confidence(logits, 1.0), p.max(axis=0), rtol=1e-5)
    np.testing.assert_allclose(type_confidence(logits, 4.0), p.max(axis=0) ** 4, rtol=1e-4)
