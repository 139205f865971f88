"""The motor-level ablation's pipeline: motor demonstrations, chunked behaviour cloning, eval."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from agent.cli import main
from agent.demos.collect import collect as run_collect
from agent.demos.collect import plan_jobs
from agent.demos.shards import load_demonstrations
from agent.model.memory import detach_state
from agent.model.network import RoombyPolicyNet
from agent.train.motor_imitation import _chunks, action_weights, motor_loss
from sim.config import EnvConfig
from sim.motor_expert import FORWARD, HALT

MOTOR_ID = "Roomby/GoToObject-OneRoom-Motor-v0"


@pytest.fixture(scope="module")
def motor_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("motor")
    jobs = plan_jobs(out, EnvConfig(), [MOTOR_ID], 2, first_seed=1, frame_every=0)
    run_collect(out, jobs, workers=1, progress=False)
    return out


def test_motor_collection_records_wheel_actions(motor_dir: Path) -> None:
    d = load_demonstrations([motor_dir])
    assert len(d.records) == 2 and all(r["success"] for r in d.records)
    actions = d.decisions["action"]
    assert actions.ndim == 1 and actions.min() >= 0 and actions.max() <= HALT
    for rec, sl in zip(d.records, d.episode_slices, strict=True):
        ep = actions[sl]
        assert len(ep) == rec["decisions"] > 20  # one record per control period
        assert ep[-1] == HALT and (ep == HALT).sum() == 1
    w = action_weights(d)
    freq = np.bincount(actions, minlength=4) / len(actions)
    assert float((torch.from_numpy(freq).float() * w).sum()) == pytest.approx(1.0, abs=1e-5)
    assert w[HALT] > w[FORWARD]  # the rare stop weighs more


def test_chunks_carry_the_memory_like_one_sequence(motor_dir: Path) -> None:
    """Truncated BPTT changes the gradient, not the forward pass: chunks with the state carried
    give the outputs of the whole episodes run at once."""
    torch.manual_seed(0)
    d = load_demonstrations([motor_dir])
    net = RoombyPolicyNet().eval()
    with torch.no_grad():
        whole = next(_chunks(d, [0, 1], 10_000))
        ref, _ = net.forward_sequence(whole.obs, net.initial_state(2))
        parts, state = [], None
        for chunk in _chunks(d, [0, 1], 7):
            if chunk.first:
                state = net.initial_state(2)
            out, state = net.forward_sequence(chunk.obs, state)
            parts.append(out.motor_logits)
        got = torch.cat(parts)
    m = whole.mask.bool()
    assert got.shape == ref.motor_logits.shape
    assert torch.allclose(got[m], ref.motor_logits[m], atol=1e-4)


def test_motor_behaviour_cloning_fits_the_expert(motor_dir: Path) -> None:
    torch.manual_seed(0)
    torch.set_num_threads(1)
    d = load_demonstrations([motor_dir])
    net = RoombyPolicyNet()
    w = action_weights(d)
    opt = torch.optim.Adam(net.parameters(), lr=3e-3)
    majority = np.bincount(d.decisions["action"]).max() / d.n_decisions
    passes = []  # per pass over both episodes: mean motor loss and accuracy
    for _ in range(20):
        state, figs = None, []
        for chunk in _chunks(d, [0, 1], 64):
            state = net.initial_state(2) if chunk.first else state
            loss, state, figures = motor_loss(net, chunk, state, w, goal_weight=0.3)
            opt.zero_grad()
            loss.backward()
            opt.step()
            state = detach_state(state)
            figs.append((figures["motor"], figures["motor_acc"]))
        passes.append(np.mean(figs, axis=0))
    assert passes[-1][0] < 0.8 * passes[0][0], passes
    assert passes[-1][1] > majority + 0.05, (passes, majority)


def test_train_and_eval_at_the_motor_level(motor_dir: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "run"
    base = ["train", "--out", str(out), "--quiet", "--set", f"train.data=[{motor_dir}]",
            "--set", "train.perception_steps=0", "--set", "train.ppo_steps=0"]
    # DAgger and PPO are not built for the motor level: said before any work
    assert main([*base, "--set", "train.level=motor", "--set", "train.dagger_rounds=1"]) == 2
    assert "train.level=motor trains behaviour cloning only" in capsys.readouterr().err
    # motor demonstrations at the skill level are named, not crashed on
    assert main([*base, "--set", "train.dagger_rounds=0", "--set", "train.bc_epochs=1"]) == 2
    assert "train.level=motor" in capsys.readouterr().err
    run = tmp_path / "run2"
    assert main(["train", "--out", str(run), "--quiet", "--set", f"train.data=[{motor_dir}]",
                 "--set", "train.perception_steps=0", "--set", "train.ppo_steps=0",
                 "--set", "train.dagger_rounds=0", "--set", "train.level=motor",
                 "--set", "train.bc_epochs=1", "--set", "train.motor_chunk=50"]) == 0
    state = json.loads((run / "state.json").read_text())
    bc = state["stages"][0]
    assert bc["name"] == "bc" and bc["periods"] == load_demonstrations([motor_dir]).n_decisions
    assert bc["updates"] == bc["epochs"] * sum(-(-n // 50) for n in [
        max(r["decisions"] for r in json.loads(p.read_text()))
        for p in motor_dir.glob("*.json") if p.name != "manifest.json"])
    capsys.readouterr()
    assert main(["eval", "--env", MOTOR_ID, "--policy", str(run / "policy.pt"), "--episodes",
                 "1", "--split", "heldout", "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["episodes"] == 1
    assert 1 <= res["results"][0]["periods"] <= 1500  # it drove the wheels, period by period


def test_bc_minutes_caps_a_stage(motor_dir: Path, tmp_path: Path) -> None:
    run = tmp_path / "capped"
    assert main(["train", "--out", str(run), "--quiet", "--set", f"train.data=[{motor_dir}]",
                 "--set", "train.perception_steps=0", "--set", "train.dagger_rounds=0",
                 "--set", "train.level=motor", "--set", "train.bc_epochs=200",
                 "--set", "train.bc_minutes=0.002"]) == 0
    bc = json.loads((run / "state.json").read_text())["stages"][0]
    assert bc["epochs"] < 200 and bc["seconds"] < 30  # 0.12 s of budget, not 200 epochs
    assert main(["train", "--out", str(tmp_path / "neg"), "--quiet",
                 "--set", "train.bc_minutes=-1"]) == 2  # a negative budget is named, not ignored
