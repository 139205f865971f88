"""`roomby eval --episodes-file`: given episodes, in order, and bad files named line by line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.cli import main


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n")
    return path


def test_episodes_file_runs_the_given_goals_in_order(tmp_path: Path, capsys) -> None:
    f = _write(tmp_path / "eps.jsonl", [
        json.dumps({"instruction": "go to the kitchen", "goal": {"task": "goto_room",
                                                                  "room": "kitchen"}, "seed": 3}),
        "",
        json.dumps({"instruction": "find the blue bed", "goal": {"task": "goto_object",
                                                                  "object": "bed",
                                                                  "color": "blue"}}),
    ])
    assert main(["eval", "--policy", "expert", "--episodes-file", str(f), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["episodes"] == 2 and out["perception"] == "oracle"
    first, second = out["results"]
    assert first["instruction"] == "go to the kitchen" and first["seed"] == 3
    assert first["goal"]["room"] == "kitchen" and second["goal"]["object"] == "bed"
    assert out["success_rate"] == 1.0  # the expert solves both
    assert set(out["by_task"]) == {"goto_room", "goto_object"}


@pytest.mark.parametrize("line, message", [
    ("{not json", "line 1: not JSON"),
    ('{"instruction": "go to the bed"}', "line 1: bad goal"),
    ('{"instruction": "", "goal": {"task": "goto_room", "room": "kitchen"}}',
     "line 1: 'instruction' must be a non-empty string"),
    ('{"instruction": "x", "goal": {"task": "goto_room", "room": "kitchen"}, "home": 1}',
     "unknown key"),
    ('{"instruction": "x", "goal": {"task": "goto_room", "room": "attic"}}', "line 1: bad goal"),
])
def test_bad_episode_files_name_the_line(tmp_path: Path, capsys, line: str, message: str
                                         ) -> None:
    f = _write(tmp_path / "bad.jsonl", [line])
    assert main(["eval", "--policy", "expert", "--episodes-file", str(f)]) == 2
    err = capsys.readouterr().err
    assert str(f) in err and message in err


def test_missing_policy_checkpoint_is_a_clear_error(tmp_path: Path, capsys) -> None:
    assert main(["run", "go to the kitchen", "--policy", str(tmp_path / "none.pt")]) == 2
    assert "no checkpoint at" in capsys.readouterr().err


def test_learned_perception_needs_a_checkpoint(capsys) -> None:
    assert main(["run", "go to the kitchen", "--policy", "expert", "--perception",
                 "learned"]) == 2
    assert "learned perception comes from a checkpoint" in capsys.readouterr().err


@pytest.mark.parametrize("cmd", [["eval"], ["collect", "--out", "unused"]])
def test_unknown_env_id_is_a_clear_error(cmd: list[str], tmp_path: Path, capsys) -> None:
    assert main([*cmd, "--env", "Roomby/Nope-v0", "--episodes", "1"]) == 2
    err = capsys.readouterr().err
    assert "'Roomby/Nope-v0' is not a registered id" in err and "GoToObject-OneRoom-Motor" in err


def test_the_expert_drives_the_motor_env(capsys) -> None:
    assert main(["eval", "--env", "Roomby/GoToObject-OneRoom-Motor-v0", "--policy", "expert",
                 "--episodes", "2", "--split", "heldout", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["success_rate"] == 1.0
    # a step per control period, and the stop (which moves nothing)
    assert all(r["steps"] == r["periods"] + 1 > 20 for r in out["results"])
