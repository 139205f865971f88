"""Video frames and files: layout of composed frames, MP4 and GIF round trips."""

from __future__ import annotations

import imageio.v2 as iio2
import imageio.v3 as iio
import numpy as np
import pytest

from agent.evaluation.video import VideoWriter, compose


def frames(n: int = 5, shape: tuple[int, int] = (48, 64)) -> list[np.ndarray]:
    out = []
    for i in range(n):
        f = np.full((*shape, 3), 30 * i, dtype=np.uint8)
        f[: shape[0] // 2, : shape[1] // 2] = (255, 40, 40) if i % 2 else (40, 40, 255)
        out.append(f)
    return out


def test_compose_layout():
    cam = np.zeros((48, 64, 3), np.uint8)
    cam[::2, ::2] = (255, 0, 0)  # two colours only
    topdown = np.full((183, 341, 3), 200, np.uint8)
    out = compose([cam, topdown], ["camera", "map"], height=320, footer="go to the kitchen")
    assert out.dtype == np.uint8 and out.ndim == 3 and out.shape[2] == 3
    assert out.shape[0] % 2 == 0 and out.shape[1] % 2 == 0
    assert out.shape[0] > 320
    cam_w = round(64 * 320 / 48)
    assert out.shape[1] >= cam_w + round(341 * 320 / 183)
    # The camera panel is enlarged nearest-neighbour: still only its two colours.
    rows = np.flatnonzero((out[:, cam_w // 2] == (255, 0, 0)).all(axis=1))
    assert len(rows) > 100
    block = out[rows[0]:rows[0] + 300, 5:cam_w - 5].reshape(-1, 3)
    assert len(np.unique(block, axis=0)) == 2
    # Odd sizes still give even frames; no captions or footer: just the panels.
    bare = compose([np.zeros((11, 13, 3), np.uint8)], [], height=31)
    assert bare.shape == (32, 38, 3)


def test_compose_rejects_bad_input():
    with pytest.raises(ValueError):
        compose([], [])
    with pytest.raises(ValueError):
        compose([np.zeros((4, 4, 3), np.uint8)], ["a", "b"])
    with pytest.raises(ValueError):
        compose([np.zeros((4, 4, 3), np.float32)], ["a"])


def test_mp4_round_trip(tmp_path):
    path = tmp_path / "ep.mp4"
    with VideoWriter(path, fps=10) as v:
        for f in frames():
            v.add(f)
    reader = iio2.get_reader(str(path), format="FFMPEG")
    try:
        got = list(reader.iter_data())
    finally:
        reader.close()
    assert len(got) == 5
    assert all(g.shape == (48, 64, 3) for g in got)
    # Odd-sized frames are padded to even sides for yuv420p.
    odd = tmp_path / "odd.mp4"
    with VideoWriter(odd) as v:
        for f in frames(3, (47, 63)):
            v.add(f)
    reader = iio2.get_reader(str(odd), format="FFMPEG")
    try:
        assert [g.shape for g in reader.iter_data()] == [(48, 64, 3)] * 3
    finally:
        reader.close()


def test_gif_round_trip_and_shape_padding(tmp_path):
    path = tmp_path / "ep.gif"
    fs = frames()
    fs[3] = fs[3][:40, :60]  # a smaller frame is padded to the first frame's shape
    with VideoWriter(path, fps=10) as v:
        for f in fs:
            v.add(f)
    got = iio.imread(path, index=None)
    assert got.shape[0] == 5
    assert got.shape[1:3] == (48, 64)


def test_bad_suffix_and_closed_writer(tmp_path):
    with pytest.raises(ValueError, match=r"\.mp4.*\.gif"):
        VideoWriter(tmp_path / "ep.avi")
    v = VideoWriter(tmp_path / "none.gif")
    v.close()
    assert not (tmp_path / "none.gif").exists()
    with pytest.raises(RuntimeError):
        v.add(frames(1)[0])
