"""Learning end to end on a tiny budget: collect, train (perception, BC, DAgger, PPO), evaluate."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from agent.cli import main
from agent.config import load_config
from agent.demos.collect import collect as run_collect
from agent.demos.collect import plan_jobs
from agent.demos.shards import (
    DemonstrationError,
    load_demonstrations,
    pack_obs,
    unpack_obs,
)
from agent.model.network import RoombyPolicyNet
from agent.train.imitation import bc_loss, gaussian_cell_targets, make_batch
from sim.config import EnvConfig
from sim.grid import MAP_SIZE
from sim.registration import FAMILY_IDS


@pytest.fixture(scope="module")
def demos_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demos")
    jobs = plan_jobs(out, EnvConfig(n_rooms=[1, 1]), ["Roomby/GoToObject-OneRoom-v0"], 3,
                     first_seed=5, frame_every=4)
    run_collect(out, jobs, workers=1, progress=False)
    return out


def test_stored_observations_come_back_as_the_env_gives_them() -> None:
    rng = np.random.default_rng(0)
    obs = {"rgb": rng.integers(0, 256, (3, 60, 80), dtype=np.uint8),
           "depth": rng.uniform(0.03, 8.0, (1, 60, 80)).astype(np.float32),
           "map": rng.random((29, 48, 48)).astype(np.float32),
           "pose": np.array([1.5, 2.0, 0.6, 0.8], np.float32),
           "instruction": rng.integers(0, 79, 32)}
    back = unpack_obs(pack_obs(obs))
    assert np.array_equal(back["rgb"], obs["rgb"])
    assert np.abs(back["depth"] - obs["depth"]).max() <= 0.0005 + 1e-6
    assert np.abs(back["map"] - obs["map"]).max() <= 0.5 / 255 + 1e-6
    assert np.array_equal(back["instruction"], obs["instruction"])


def test_collect_writes_shards_that_load_and_resumes(demos_dir: Path) -> None:
    d = load_demonstrations([demos_dir])
    assert len(d.records) == 3 and all(r["success"] for r in d.records)
    assert d.n_decisions == sum(r["decisions"] for r in d.records)
    for rec, sl in zip(d.records, d.episode_slices, strict=True):
        assert sl.stop - sl.start == rec["decisions"]
        # every decision of an episode carries its instruction
        assert len({tuple(x) for x in d.decisions["instruction"][sl]}) == 1
    assert d.n_frames > 0 and d.frames["frame_types"].max() > 0  # furniture pixels labelled
    assert d.decisions["action"][:, 0].max() <= 2
    # a second run finds the shard and writes nothing
    jobs = plan_jobs(demos_dir, EnvConfig(n_rooms=[1, 1]), ["Roomby/GoToObject-OneRoom-v0"], 3,
                     first_seed=5, frame_every=4)
    again = run_collect(demos_dir, jobs, workers=1, progress=False)
    assert again["shards_written"] == 0 and again["shards_skipped"] == 1


def test_broken_shards_are_named(tmp_path: Path) -> None:
    with pytest.raises(DemonstrationError, match="no demonstrations"):
        load_demonstrations([tmp_path / "missing"])
    (tmp_path / "x.npz").write_bytes(b"not a zip")
    (tmp_path / "x.json").write_text("[]")
    with pytest.raises(DemonstrationError, match="x.npz"):
        load_demonstrations([tmp_path])


def test_pointer_targets_are_gaussians_around_the_cell() -> None:
    cells = torch.tensor([0, 5 * MAP_SIZE + 7])
    t = gaussian_cell_targets(cells, 1.0)
    assert torch.allclose(t.sum(-1), torch.ones(2))
    assert int(t[1].argmax()) == 5 * MAP_SIZE + 7
    assert t[1, 5 * MAP_SIZE + 8] > t[1, 5 * MAP_SIZE + 9] > 0
    assert torch.equal(gaussian_cell_targets(cells, 0.0).argmax(-1), cells)


def fit(net: RoombyPolicyNet, batch, updates: int) -> tuple[dict, dict]:
    """Behaviour cloning on one batch -> (the first update's figures, the last's)."""
    opt = torch.optim.Adam(net.parameters(), lr=3e-3)
    first = None
    for _ in range(updates):
        loss, figures = bc_loss(net, batch, pointer_sigma=0.5, goal_weight=0.3)
        first = first or figures
        opt.zero_grad()
        loss.backward()
        opt.step()
    return first, figures


def test_behaviour_cloning_fits_the_demonstrations(demos_dir: Path) -> None:
    torch.manual_seed(0)
    d = load_demonstrations([demos_dir])
    net = RoombyPolicyNet()
    batch = make_batch(d, list(range(len(d.records))), np.random.default_rng(0))
    assert batch.mask.sum() == d.n_decisions
    first, figures = fit(net, batch, 80)
    assert figures["loss"] < 0.5 * first["loss"]
    assert figures["skill_acc"] >= 0.9


def test_train_cli_runs_every_stage_and_resumes(demos_dir: Path, tmp_path: Path) -> None:
    cfg = tmp_path / "train.yaml"
    cfg.write_text(f"""
env: {{id: Roomby/GoToObject-OneRoom-v0}}
train:
  data: [{demos_dir}]
  perception_steps: 5
  perception_batch: 8
  bc_epochs: 2
  batch_episodes: 2
  dagger_rounds: 1
  dagger_episodes: 1
  dagger_families: [goto_room, vacuum_under]
  dagger_beta: 1.0
  dagger_epochs: 1
  workers: 1
  ppo_steps: 8
  ppo_envs: 1
  ppo_n_steps: 4
  ppo_batch: 4
  ppo_epochs: 1
""")
    out = tmp_path / "run"
    assert main(["train", "--config", str(cfg), "--out", str(out), "--quiet"]) == 0
    state = json.loads((out / "state.json").read_text())
    assert [s["name"] for s in state["stages"]] == ["perception", "bc", "dagger-1", "ppo"]
    assert state["command"].startswith("roomby train --config")  # how to make it again
    assert state["stages"][2]["collected"] == 2  # one episode of each family asked for
    assert sorted(p.name.split("-")[0] for p in (out / "dagger-1").glob("*.npz")) == [
        "GoToRoom", "VacuumUnder"]
    ppo = state["stages"][3]
    assert ppo["decisions"] == 8 and ppo["updates"] == 2
    for name in ("perception.pt", "bc.pt", "dagger-1.pt", "ppo.pt", "policy.pt", "curve.png"):
        assert (out / name).exists(), name
    import matplotlib.pyplot as plt

    assert plt.imread(out / "curve.png").shape[1] == 1350, "three panels: perception, BC, acc."
    assert list((out / "tb").iterdir()), "TensorBoard event files"
    assert list((out / "tb").glob("ppo_*/events.*")), "PPO's TensorBoard logs"
    # an existing run is not overwritten; --resume finds nothing left to do
    assert main(["train", "--config", str(cfg), "--out", str(out), "--quiet"]) == 2
    assert main(["train", "--config", str(cfg), "--out", str(out), "--quiet", "--resume"]) == 0
    # rounds are counted along train.init chains, so a run from this policy collects elsewhere
    from agent.model.checkpoint import load_checkpoint

    assert load_checkpoint(out / "policy.pt")[1]["dagger_rounds"] == 1
    # the checkpoint drives an episode through the CLI with its own perception; its recording
    # holds the pointer's attention (the video's last panel draws it)
    video, rec = tmp_path / "ep.gif", tmp_path / "ep.mcap"
    assert main(["run", "go to the bed", "--policy", str(out / "policy.pt"), "--json",
                 "--video", str(video), "--record", str(rec),
                 "--set", "env.id=Roomby/GoToObject-OneRoom-v0"]) in (0, 1)
    import imageio.v3 as iio

    from agent.viewer.recording import read_recording

    assert iio.imread(video, index=0).shape[1] > 0
    attention = [m for t, _, _, m in read_recording(rec) if t == "/roomby/attention"]
    assert attention and max(attention[0].data) == 100


def test_train_a_new_architecture_on_a_trained_perception(demos_dir: Path, tmp_path: Path,
                                                          fw_checkpoint: Path) -> None:
    """train.init_perception: the perception network comes from a checkpoint, the rest of the
    model (here with the goal map) from the model: section."""
    from agent.model.checkpoint import load_checkpoint

    out = tmp_path / "run"
    assert main(["train", "--out", str(out), "--quiet", "--set", f"train.data=[{demos_dir}]",
                 "--set", "train.perception_steps=0", "--set", "train.bc_epochs=1",
                 "--set", "train.batch_episodes=2", "--set", "train.dagger_rounds=0",
                 "--set", f"train.init_perception={fw_checkpoint}",
                 "--set", "model.grounding=true"]) == 0
    net, _ = load_checkpoint(out / "policy.pt")
    src, _ = load_checkpoint(fw_checkpoint)
    assert net.cfg.grounding and not src.cfg.grounding
    frozen = [n for n, _ in src.perception.named_parameters() if not n.startswith("to_tokens")]
    assert frozen
    mine, theirs = dict(net.perception.named_parameters()), dict(src.perception.named_parameters())
    for name in frozen:  # frozen during imitation (freeze_perception), so still the source's
        assert torch.equal(mine[name], theirs[name]), name


def test_train_widens_a_checkpoint_into_the_model_section(demos_dir: Path, tmp_path: Path
                                                         ) -> None:
    """train.init_widen: the model comes from the model: section (here with model.goal_seen),
    the source's weights are copied in (zero for the inputs it lacked)."""
    from agent.model.checkpoint import load_checkpoint, save_checkpoint
    from agent.model.config import ModelConfig
    from agent.model.network import RoombyPolicyNet

    src = RoombyPolicyNet(ModelConfig(grounding=True, goal_features=True))
    save_checkpoint(tmp_path / "src.pt", src)
    out = tmp_path / "run"
    args = ["train", "--out", str(out), "--quiet", "--set", f"train.data=[{demos_dir}]",
            "--set", "train.perception_steps=0", "--set", "train.bc_epochs=1",
            "--set", "train.batch_episodes=2", "--set", "train.dagger_rounds=0",
            "--set", f"train.init={tmp_path / 'src.pt'}", "--set", "train.init_widen=true",
            "--set", "model.grounding=true", "--set", "model.goal_features=true"]
    assert main([*args, "--set", "model.goal_seen=true"]) == 0
    net, _ = load_checkpoint(out / "policy.pt")
    assert net.cfg.goal_seen and not src.cfg.goal_seen
    assert net.skill_head.in_features == src.skill_head.in_features + 1
    assert torch.equal(net.perception.conv1[0].weight, src.perception.conv1[0].weight)
    # a model that is more than wider is refused, naming what differs
    assert main([*args[:2], str(tmp_path / "run2"), *args[3:-4], "--set",
                 "model.grounding=false"]) == 2


def test_train_copies_what_fits_into_a_changed_model(demos_dir: Path, tmp_path: Path
                                                    ) -> None:
    """train.init_partial: smaller cell keys and no perception context; every weight whose
    shape still fits is the source's, the cell path and pointer start fresh."""
    from agent.model.checkpoint import load_checkpoint, save_checkpoint
    from agent.model.config import ModelConfig
    from agent.model.network import RoombyPolicyNet

    src = RoombyPolicyNet(ModelConfig(grounding=True))
    save_checkpoint(tmp_path / "src.pt", src)
    out = tmp_path / "run"
    args = ["train", "--out", str(out), "--quiet", "--set", f"train.data=[{demos_dir}]",
            "--set", "train.perception_steps=0", "--set", "train.bc_epochs=1",
            "--set", "train.batch_episodes=2", "--set", "train.dagger_rounds=0",
            "--set", f"train.init={tmp_path / 'src.pt'}", "--set", "train.init_partial=true",
            "--set", "model.grounding=true", "--set", "model.cell_dim=16",
            "--set", "model.perception_context=false"]
    assert main(args) == 0
    net, _ = load_checkpoint(out / "policy.pt")
    assert net.cfg.cell_dim == 16 and net.perception.context is None
    assert net.map_encoder.cell.weight.shape == (16, src.map_encoder.cell.in_features)
    # frozen during imitation, so still the source's
    assert torch.equal(net.perception.conv1[0].weight, src.perception.conv1[0].weight)
    from agent.model.checkpoint import copy_matching

    fresh, unused = copy_matching(RoombyPolicyNet(net.cfg), src)
    assert sorted(fresh) == ["map_encoder.cell.bias", "map_encoder.cell.weight",
                             "map_encoder.context_to_cell.weight", "pointer.v.weight",
                             "pointer.w1.weight", "pointer.w2.bias", "pointer.w2.weight"]
    assert sorted(unused) == sorted(fresh + [n for n in src.state_dict()
                                             if n.startswith("perception.context.")])
    assert main([*args[:2], str(tmp_path / "run2"), *args[3:], "--set",
                 "train.init_widen=true"]) == 2  # one or the other
    # with no stage, the run converts its init into the model: section (a flag without weights)
    assert main(["train", "--out", str(tmp_path / "run3"), "--quiet", "--set",
                 f"train.init={out / 'policy.pt'}", "--set", "train.init_partial=true",
                 "--set", "train.perception_steps=0", "--set", "train.bc_epochs=0",
                 "--set", "train.dagger_rounds=0", "--set", "model.grounding=true",
                 "--set", "model.cell_dim=16", "--set", "model.perception_context=false",
                 "--set", "model.goal_room=true"]) == 0
    converted, meta = load_checkpoint(tmp_path / "run3" / "policy.pt")
    assert converted.cfg.goal_room and not net.cfg.goal_room
    # the weights' training is recorded (carried from the checkpoint converted)
    assert meta["converted_from"] == str(out / "policy.pt")
    assert meta["train_seconds"] == load_checkpoint(out / "policy.pt")[1]["train_seconds"]
    assert meta["init_command"].startswith("roomby train")
    assert all(torch.equal(a, b) for a, b in zip(converted.state_dict().values(),
                                                  net.state_dict().values(), strict=True))


def test_perception_trains_apart_from_packed_frames(demos_dir: Path, tmp_path: Path,
                                                    fw_checkpoint: Path) -> None:
    """scripts/train_perception.py: frames packed (depth as row differences) come back exactly;
    `fit` trains only the checkpoint's perception and records how in the checkpoint."""
    import subprocess
    import sys

    from agent.demos.shards import load_demonstrations
    from agent.model.checkpoint import load_checkpoint, save_checkpoint

    script = Path(__file__).resolve().parents[2] / "scripts" / "train_perception.py"
    sys.path.insert(0, str(script.parent))
    try:
        import train_perception
    finally:
        sys.path.remove(str(script.parent))
    train_perception.pack([str(demos_dir)], tmp_path / "frames")
    frames, shard = train_perception.unpack(tmp_path / "frames")
    stored = load_demonstrations([str(demos_dir)]).frames
    for key in train_perception.KEYS:
        assert np.array_equal(frames[key], stored[key]), key
    assert len(np.unique(shard)) >= 1 and len(shard) == len(stored["frame_rgb"])
    out = tmp_path / "refit.pt"
    src, src_meta = load_checkpoint(fw_checkpoint)
    save_checkpoint(tmp_path / "calibrated.pt", src, {**src_meta, "perception_calibration": {
        "type_given_room": "what the old weights read"}})
    subprocess.run([sys.executable, str(script), "fit", "--frames", str(tmp_path / "frames"),
                    "--init", str(tmp_path / "calibrated.pt"), "--out", str(out), "--steps", "3",
                    "--batch", "4", "--balance", "0.5", "--device", "cpu"],
                   check=True, capture_output=True)
    net, meta = load_checkpoint(out)
    assert not torch.equal(net.perception.conv1[0].weight, src.perception.conv1[0].weight)
    assert torch.equal(net.skill_head.weight, src.skill_head.weight)
    refit = meta["perception_refit"]
    assert refit["steps_done"] == 3
    assert set(refit["after"]) == {"type_acc", "color_acc", "type_class_acc"}
    assert "perception_calibration" not in meta, "new weights, the old calibration is dropped"
    report = subprocess.run([sys.executable, str(script), "confusion", "--frames",
                             str(tmp_path / "frames"), "--checkpoint", str(out)],
                            check=True, capture_output=True, text=True).stdout
    assert "held-out frames" in report
    rows = [r.split() for r in report.splitlines()[2:]]
    assert rows and all(0 <= float(r[1]) <= 1 for r in rows), report


def test_training_carries_the_perception_calibration_while_perception_is_kept(
        demos_dir: Path, tmp_path: Path, fw_checkpoint: Path) -> None:
    """A checkpoint's perception calibration describes its perception's weights: a run from it
    that keeps them (frozen) keeps the calibration; one that trains perception drops it."""
    from agent.model.checkpoint import load_checkpoint, save_checkpoint

    src, meta = load_checkpoint(fw_checkpoint)
    cal = {"type_given_room": [[0.5]], "episodes": 1}
    save_checkpoint(tmp_path / "cal.pt", src, {**meta, "perception_calibration": cal})
    args = ["train", "--quiet", "--set", f"train.data=[{demos_dir}]", "--set",
            "train.bc_epochs=1", "--set", "train.batch_episodes=2", "--set",
            "train.dagger_rounds=0", "--set", f"train.init={tmp_path / 'cal.pt'}"]
    assert main([*args, "--out", str(tmp_path / "kept"),
                 "--set", "train.perception_steps=0"]) == 0
    assert load_checkpoint(tmp_path / "kept" / "policy.pt")[1]["perception_calibration"] == cal
    assert main([*args, "--out", str(tmp_path / "new"), "--set", "train.perception_steps=2",
                 "--set", "train.perception_batch=2"]) == 0
    assert "perception_calibration" not in load_checkpoint(tmp_path / "new" / "policy.pt")[1]


def test_a_run_calibrates_the_perception_it_trained_before_dagger(demos_dir: Path,
                                                                 tmp_path: Path) -> None:
    """train.calibrate_episodes: the new perception is calibrated right after its stage, and
    the DAgger learner (whose perception fills the map) and the result carry the calibration."""
    from agent.model.calibration import type_given_room
    from agent.model.checkpoint import load_checkpoint

    out = tmp_path / "run"
    assert main(["train", "--quiet", "--out", str(out), "--set", f"train.data=[{demos_dir}]",
                 "--set", "train.perception_steps=2", "--set", "train.perception_batch=2",
                 "--set", "train.calibrate_episodes=1", "--set", "train.bc_epochs=1",
                 "--set", "train.batch_episodes=2", "--set", "train.dagger_rounds=1",
                 "--set", "train.dagger_episodes=1", "--set", "train.dagger_epochs=1",
                 "--set", "train.dagger_families=[goto_object]", "--set", "train.workers=1"]) == 0
    state = json.loads((out / "state.json").read_text())
    assert [s["name"] for s in state["stages"]] == ["perception", "calibrate", "bc", "dagger-1"]
    _, meta = load_checkpoint(out / "policy.pt")
    cal = meta["perception_calibration"]
    assert cal["episodes"] == 1 and np.asarray(cal["counts"])[:, 1:].sum() > 0
    assert type_given_room(meta) is not None
    _, learner = load_checkpoint(out / "dagger-1-learner.pt")
    assert learner["perception_calibration"] == cal
    assert not (out / "calibrate-input.pt").exists()


def test_runs_from_a_trained_policy_collect_dagger_rounds_in_new_homes() -> None:
    from agent.train.start import dagger_rounds_of
    from agent.train.trainer import dagger_seed

    # checkpoints from before the count was recorded: their own run's rounds
    assert dagger_rounds_of({"stages": [{"name": "bc"}, {"name": "dagger-1"}]}) == 1
    assert dagger_rounds_of({"stages": [{"name": "bc"}]}) == 0
    assert dagger_rounds_of({"dagger_rounds": 3, "stages": [{"name": "dagger-1"}]}) == 3
    # round 1 after one round behind starts where a fresh run's round 2 would, not at round 1
    assert dagger_seed(1, 1, seed=0) == dagger_seed(2, 0, seed=0) != dagger_seed(1, 0, seed=0)
    assert dagger_seed(1, 0, seed=1) != dagger_seed(1, 0, seed=0)


def test_dagger_families_are_checked() -> None:
    from agent.train.trainer import dagger_env_ids

    assert dagger_env_ids([]) == list(FAMILY_IDS.values())
    assert dagger_env_ids(["vacuum_under"]) == ["Roomby/VacuumUnder-v0"]
    with pytest.raises(ValueError, match="train.dagger_families: unknown family 'goto_objet'"):
        dagger_env_ids(["goto_object", "goto_objet"])


def test_train_config_keys_are_checked(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("train:\n  bc_epoch: 3\n")
    with pytest.raises(ValueError, match="bc_epoch.*bad.yaml|bad.yaml.*bc_epoch"):
        load_config(bad)


def test_out_of_range_training_settings_are_refused_when_read() -> None:
    for override in ("train.perception_minutes=-1", "train.calibrate_episodes=-5",
                     "train.motor_chunk=0"):
        key = override.split("=")[0]
        with pytest.raises(ValueError, match=f"{key}: .* must be"):
            load_config(None, [override])


@pytest.mark.parametrize("overrides, match", [
    (["train.calibrate_episodes=10", "train.freeze_perception=false"],
     "set train.freeze_perception=true, or train.calibrate_episodes=0"),
])
def test_budget_and_calibration_settings_are_checked_before_any_work(
        tmp_path: Path, overrides: list[str], match: str) -> None:
    from agent.train.trainer import Trainer

    with pytest.raises(ValueError, match=match):
        Trainer(load_config(None, overrides), tmp_path / "run", progress=False)
    assert not (tmp_path / "run").exists(), "nothing written"


def test_a_goal_head_with_three_slots_trains_on_commands_that_go_back(tmp_path: Path) -> None:
    """Demonstrations of the memory families and three-step sequences train a model whose goal
    head has three slots and knows the steps that go back; a model without them refuses them by
    name instead of training on a goal it cannot state."""
    from agent.model.config import ModelConfig
    from agent.model.goal_codec import LEGACY

    jobs = plan_jobs(tmp_path, EnvConfig(n_rooms=[3, 3]),
                     ["Roomby/Return-v0", "Roomby/PreviousRoom-v0", "Roomby/Sequence3-v0"], 1,
                     first_seed=2, frame_every=0)
    run_collect(tmp_path, jobs, workers=1, progress=False)
    d = load_demonstrations([tmp_path])
    episodes = list(range(len(d.records)))
    assert sorted(r["family"] for r in d.records) == ["previous_room", "return", "sequence3"]
    with pytest.raises(ValueError, match="cannot be a training target"):
        make_batch(d, episodes, np.random.default_rng(0), codec=LEGACY)
    torch.manual_seed(0)
    net = RoombyPolicyNet(ModelConfig(goal_slots=3, goal_memory_tasks=True))
    batch = make_batch(d, episodes, np.random.default_rng(0), codec=net.codec)
    assert batch.goal.shape == (3, 3, 4)
    first, figures = fit(net, batch, 40)
    assert figures["loss"] < 0.5 * first["loss"]
