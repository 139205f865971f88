"""Files from elsewhere — bundles, homes, episodes files, WAVs, checkpoints, evaluations —
damaged, truncated or of another shape (hypothesis): each is refused with the loader's own
error that names the file, or read; nothing else escapes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agent.cli.episodes import read_episodes_file
from agent.config import ConfigError
from agent.evaluation.compare import CompareError, load_eval
from agent.model.checkpoint import CheckpointError, load_checkpoint
from agent.runtime import BundleError, RuntimePolicy
from agent.runtime.bundle import METADATA, SCHEMA, load_bundle
from agent.runtime.robot import RobotAgent, RobotGrid
from agent.runtime.rooms import RoomLabel, RoomsError, label_grid, load_rooms, rooms_doc
from agent.speech.audio import AudioError, parse_wav, read_wav, write_wav
from sim.grid import FINE
from sim.home import Home, HomeError
from sim.home_generator import generate_home

FUZZ = settings(max_examples=40, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
ODD = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.text(max_size=4),
                st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=3),
                                                                     st.integers(), max_size=2))


def paths(tree: Any, prefix: tuple = ()) -> list[tuple]:
    """Every place in a JSON tree: dict keys and list indices from the root."""
    out = [prefix] if prefix else []
    if isinstance(tree, dict):
        for k, v in tree.items():
            out += paths(v, (*prefix, k))
    elif isinstance(tree, list):
        for i, v in enumerate(tree[:3]):
            out += paths(v, (*prefix, i))
    return out


def mutate(tree: Any, data: st.DataObject) -> tuple[Any, tuple]:
    """A copy of `tree` with one place deleted or replaced by an odd value."""
    tree = json.loads(json.dumps(tree))
    where = data.draw(st.sampled_from(paths(tree)))
    parent = tree
    for k in where[:-1]:
        parent = parent[k]
    if isinstance(parent, dict) and data.draw(st.booleans()):
        del parent[where[-1]]
    else:
        parent[where[-1]] = data.draw(ODD)
    return tree, where


def in_schema(where: tuple) -> bool:
    node: Any = SCHEMA
    for k in where:
        if isinstance(node, dict):
            node = node.get(k, node.get("*"))
        elif isinstance(node, list):
            node = node[0]
        if node is None:
            return False
    return True


# -- bundles -----------------------------------------------------------------------------------
GRID = RobotGrid.from_occupancy(np.zeros(FINE.shape, bool), np.ones(FINE.shape, np.int8))


@pytest.fixture(scope="module")
def meta(fw_bundle: Path) -> dict:
    return json.loads((fw_bundle / METADATA).read_text())


@FUZZ
@given(data=st.data())
def test_a_damaged_bundle_metadata_is_refused_by_name(fw_bundle, meta, tmp_path_factory, data):
    bad, where = mutate(meta, data)
    folder = tmp_path_factory.mktemp("bundle")
    for f in fw_bundle.glob("*.onnx"):
        (folder / f.name).symlink_to(f)
    (folder / METADATA).write_text(json.dumps(bad))
    try:
        policy = RuntimePolicy(load_bundle(folder))
        RobotAgent(None, GRID, policy=policy)
    except BundleError as e:
        assert str(folder) in str(e)
    else:
        # Only what the runtime does not read may change unnoticed.
        assert not in_schema(where) or bad_types_agree(meta, bad, where), where


def bad_types_agree(good: Any, bad: Any, where: tuple) -> bool:
    for k in where:
        try:
            good, bad = good[k], bad[k]
        except (KeyError, IndexError, TypeError):
            return False
    return type(good) is type(bad) or {type(good), type(bad)} <= {int, float}


def test_a_bundle_graph_path_may_not_leave_its_folder(fw_bundle, meta, tmp_path):
    folder = Path(shutil.copytree(fw_bundle, tmp_path / "b"))
    meta = json.loads(json.dumps(meta))
    meta["graphs"]["decision"]["file"] = "../b/decision.onnx"
    (folder / METADATA).write_text(json.dumps(meta))
    with pytest.raises(BundleError, match="must be a file name in the bundle folder"):
        load_bundle(folder)


# -- homes -------------------------------------------------------------------------------------
HOME = json.loads(generate_home(np.random.default_rng(3)).to_json())


@FUZZ
@given(data=st.data())
def test_a_damaged_home_is_refused_by_name(tmp_path_factory, data):
    bad, _ = mutate(HOME, data)
    path = tmp_path_factory.mktemp("home") / "home.json"
    path.write_text(json.dumps(bad))
    try:
        Home.load(path)
    except HomeError as e:
        assert str(path) in str(e)


# -- bytes: truncated, of another format -----------------------------------------------------
def _checkpoint_bytes(fw_checkpoint: Path) -> bytes:
    return fw_checkpoint.read_bytes()


def _wav_bytes(tmp: Path) -> bytes:
    write_wav(tmp / "a.wav", (np.sin(np.arange(1600) / 5) * 8000).astype(np.int16))
    return (tmp / "a.wav").read_bytes()


def cut_or_flip(data: bytes, draw) -> bytes:
    """Truncated at a random point, or with a run of bytes overwritten."""
    n = len(data)
    if draw(st.booleans()):
        return data[: draw(st.integers(0, n - 1))]
    at = draw(st.integers(0, n - 1))
    junk = draw(st.binary(min_size=1, max_size=16))
    return data[:at] + junk + data[at + len(junk):]


@FUZZ
@given(data=st.data())
def test_a_damaged_wav_is_refused_by_name_or_read(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("wav")
    path = folder / "damaged.wav"
    path.write_bytes(cut_or_flip(_wav_bytes(folder), data.draw))
    try:
        samples, rate = read_wav(path)
    except AudioError as e:
        assert str(path) in str(e)
        return
    assert samples.ndim == 2 and len(samples) > 0 and rate > 0
    assert np.array_equal(samples, parse_wav(path.read_bytes())[0])


@FUZZ
@given(data=st.data())
def test_a_damaged_rooms_file_is_refused_by_name(tmp_path_factory, data):
    good = rooms_doc([RoomLabel("kitchen", ((1, 1), (5, 1), (5, 4), (1, 4))),
                      RoomLabel("living_room", ((5, 1), (9, 1), (9, 4), (5, 4)))])
    bad, _ = mutate(good, data)
    path = tmp_path_factory.mktemp("rooms") / "rooms.yaml"
    path.write_text(data.draw(st.sampled_from([json.dumps(bad), "rooms: !!timestamp x",
                                               "{" * 5000, "\x00\xff"])))
    try:
        label_grid(load_rooms(path))
    except RoomsError as e:
        assert str(path) in str(e)


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_truncated_checkpoint_is_refused_by_name(fw_checkpoint, tmp_path_factory, data):
    blob = _checkpoint_bytes(fw_checkpoint)
    path = tmp_path_factory.mktemp("ckpt") / "policy.pt"
    path.write_bytes(blob[: data.draw(st.integers(0, len(blob) - 1))])
    with pytest.raises(CheckpointError) as e:
        load_checkpoint(path)
    assert str(path) in str(e.value) and "weights_only=False" not in str(e.value)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_checkpoint_with_odd_contents_is_refused_by_name(fw_checkpoint, tmp_path_factory,
                                                           data):
    import torch

    blob = torch.load(fw_checkpoint, weights_only=True)
    places = [(k,) for k in blob] + [("model_config", k) for k in blob["model_config"]]
    where = data.draw(st.sampled_from(places))
    parent = blob if len(where) == 1 else blob["model_config"]
    if data.draw(st.booleans()):
        del parent[where[-1]]
    else:
        parent[where[-1]] = data.draw(ODD)
    path = tmp_path_factory.mktemp("ckpt") / "odd.pt"
    torch.save(blob, path)
    try:
        load_checkpoint(path)
    except CheckpointError as e:
        assert str(path) in str(e)


@FUZZ
@given(lines=st.lists(st.one_of(st.text(max_size=40), ODD.map(json.dumps),
                                st.just("[" * 50_000)), min_size=1, max_size=4),
       binary=st.booleans())
def test_a_bad_episodes_file_is_refused_by_name(tmp_path_factory, lines, binary):
    path = tmp_path_factory.mktemp("eps") / "episodes.jsonl"
    if binary:
        path.write_bytes(b"\xff\xfe" + "\n".join(lines).encode("utf-16"))
    else:
        path.write_text("\n".join(lines))
    try:
        read_episodes_file(str(path))
    except ConfigError as e:
        assert str(path) in str(e)


@FUZZ
@given(content=st.one_of(st.binary(max_size=64), st.text(max_size=40),
                         ODD.map(json.dumps), st.just("[" * 50_000)))
def test_a_bad_evaluation_is_refused_by_name(tmp_path_factory, content):
    path = tmp_path_factory.mktemp("eval") / "eval.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    with pytest.raises(CompareError) as e:
        load_eval(path)
    assert str(path) in str(e.value)
