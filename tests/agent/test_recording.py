"""`roomby run --record` and `roomby replay`: an episode's ROS 2 topics in an MCAP file that the
MCAP reader opens (standard schemas, every topic, increasing times), and the replayed video's
frames equal to the ones `run --video` draws while the episode runs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("mcap_ros2")
from mcap.reader import make_reader  # noqa: E402

from agent.cli.main import main  # noqa: E402
from agent.policies.episode import env_overrides, make_policy, run_episode  # noqa: E402
from agent.viewer import topics  # noqa: E402
from agent.viewer.recording import Recorder, read_recording  # noqa: E402
from agent.viewer.scene import Scene  # noqa: E402
from agent.viewer.tap import EpisodeTap  # noqa: E402
from sim.config import EnvConfig  # noqa: E402

COMMAND = "go to the kitchen"
START_NS = 1_700_000_000 * 10**9


class Frames:
    """A sink that draws the video frames as the episode runs (what run --video writes)."""

    def __init__(self) -> None:
        self.scene, self.frames = Scene(), []

    def __call__(self, topic: str, ns: int, msg: dict) -> None:
        from agent.viewer.messages import as_message

        frame = self.scene.update(topic, as_message(msg))
        if frame is not None:
            self.frames.append(frame)


@pytest.fixture(scope="module")
def recorded(tmp_path_factory) -> tuple[Path, list[np.ndarray], dict]:
    """The shipped policy on one episode, recorded and drawn live."""
    path = tmp_path_factory.mktemp("rec") / "episode.mcap"
    env = EnvConfig(id="Roomby/GoToRoom-v0", split="heldout").make(
        **env_overrides("learned", None))
    frames = Frames()
    try:
        with Recorder(path) as rec:
            tap = EpisodeTap(env, [rec, frames], start_ns=START_NS)
            policy = tap.wrap(make_policy("learned", env, 3))
            out = run_episode(env, policy, 3, {"goal": {"task": "goto_room", "room": "kitchen"},
                                               "instruction": COMMAND})
            tap.finish(out["success"])
    finally:
        env.close()
    return path, frames.frames, out


def test_recording_opens_with_standard_schemas_and_every_topic(recorded):
    path, frames, out = recorded
    with open(path, "rb") as f:
        reader = make_reader(f)
        summary = reader.get_summary()
        assert reader.get_header().profile == "ros2"
        channels = {c.topic: summary.schemas[c.schema_id] for c in summary.channels.values()}
        times = [m.log_time for _, _, m in reader.iter_messages(log_time_order=False)]
    assert set(channels) == set(topics.RECORDED)  # 14 topics, viewer topics included
    for topic, schema in channels.items():
        assert schema.name == topics.RECORDED[topic] and schema.encoding == "ros2msg"
    assert times == sorted(times) and len(set(times)) == len(times)  # written in order
    counts = summary.statistics.channel_message_counts
    by_topic = {c.topic: counts[i] for i, c in summary.channels.items()}
    assert by_topic[topics.CMD_VEL] == out["periods"]
    assert by_topic[topics.ATTENTION] == out["steps"] == by_topic[topics.SEMANTIC_MAP]
    assert by_topic[topics.IMAGE] == len(frames) > 10


def test_recorded_messages_decode_to_what_happened(recorded):
    path, _, out = recorded
    got: dict[str, list] = {}
    stamps: dict[str, list[int]] = {}
    for topic, _, _, msg in read_recording(path):
        got.setdefault(topic, []).append(msg)
        if hasattr(msg, "header"):
            s = msg.header.stamp
            stamps.setdefault(topic, []).append(s.sec * 10**9 + s.nanosec)
    for topic, ts in stamps.items():
        assert ts == sorted(ts) and ts[0] >= START_NS, topic
    image = got[topics.IMAGE][0]
    assert (image.width, image.height, image.encoding) == (80, 60, "rgb8")
    assert len(image.data) == 80 * 60 * 3
    depth = np.frombuffer(got[topics.DEPTH][0].data, "<f4")
    assert depth.size == 80 * 60 and np.isfinite(depth).all() and depth.min() > 0
    grid = got[topics.MAP][0]
    assert (grid.info.width, grid.info.height) == (240, 240) and set(grid.data) <= {0, 100}
    attention = np.asarray(got[topics.ATTENTION][-1].data)
    assert attention.max() == 100 and attention.shape == (48 * 48,)
    last = json.loads(got[topics.STATUS][-1].data)
    assert last["state"] == ("succeeded" if out["success"] else "failed")
    assert last["instruction"] == COMMAND and last["step"] == out["steps"]
    # What the fast-weight memory read back: one share per earlier decision.
    assert len(last["memory_read"]) == out["steps"] - 1
    assert abs(sum(last["memory_read"]) - 1.0) < 0.01 or out["steps"] == 1
    x = [o.pose.pose.position.x for o in got[topics.ODOM]]
    assert max(x) - min(x) > 0.5  # the robot drove


def test_replay_draws_the_frames_run_drew(recorded):
    path, frames, _ = recorded
    scene = Scene()
    replayed = [f for topic, _, _, msg in read_recording(path)
                if (f := scene.update(topic, msg)) is not None]
    assert len(replayed) == len(frames)
    for i, (a, b) in enumerate(zip(frames, replayed, strict=True)):
        assert np.array_equal(a, b), f"frame {i} differs"
    assert not np.array_equal(frames[0], frames[-1])  # the picture changes as the robot moves


def test_replay_cli_writes_video_and_still(recorded, tmp_path: Path, capsys):
    path, frames, _ = recorded
    still, gif = tmp_path / "last.png", tmp_path / "episode.gif"
    assert main(["replay", str(path), "--video", str(gif), "--still", str(still),
                 "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["frames"] == len(frames) and gif.stat().st_size > 0
    from PIL import Image

    assert np.array_equal(np.asarray(Image.open(still)), frames[-1])


def test_replay_refuses_what_it_cannot_read(recorded, tmp_path: Path, capsys):
    path, _, _ = recorded
    text = tmp_path / "notes.mcap"
    text.write_text("not a recording")
    cut = tmp_path / "cut.mcap"
    cut.write_bytes(path.read_bytes()[: 5000])
    for bad, says in ((tmp_path / "missing.mcap", "no such recording"),
                      (text, "not a readable ROS 2 MCAP recording"),
                      (cut, "not a readable ROS 2 MCAP recording")):
        assert main(["replay", str(bad), "--still", str(tmp_path / "x.png")]) == 2
        assert says in capsys.readouterr().err
    assert main(["replay", str(path)]) == 2
    assert "--video OUT.mp4 and/or --still" in capsys.readouterr().err
    no_camera = tmp_path / "no_camera.mcap"
    with Recorder(no_camera) as rec:
        rec(topics.STATUS, 1, {"data": "{}"})
    assert main(["replay", str(no_camera), "--still", str(tmp_path / "x.png")]) == 2
    assert "no camera images" in capsys.readouterr().err


def test_run_record_cli_and_bad_paths(tmp_path: Path, capsys):
    out = tmp_path / "run.mcap"
    assert main(["run", "go to the red chair", "--seed", "3", "--policy", "expert",
                 "--record", str(out), "--json"]) in (0, 1)
    assert json.loads(capsys.readouterr().out)["record"] == str(out)
    assert {t for t, *_ in read_recording(out)} >= set(topics.RECORDED) - {topics.ATTENTION,
                                                                           topics.GOAL_MAP}
    assert main(["run", "go to the red chair", "--policy", "expert",
                 "--record", str(tmp_path / "run.bag")]) == 2
    assert "a recording is an .mcap file" in capsys.readouterr().err
