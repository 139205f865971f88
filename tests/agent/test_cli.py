from __future__ import annotations

import json
import subprocess
import sys

import pytest

from agent.cli import build_parser, main

SUBCOMMANDS = ["run", "eval", "compare", "collect", "train", "parse", "listen", "home", "export",
               "replay"]


def roomby(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "agent.cli", *args], capture_output=True,
                          text=True, timeout=timeout)


def test_top_level_help_lists_only_working_subcommands():
    r = roomby("--help")
    assert r.returncode == 0
    for name in SUBCOMMANDS:
        assert name in r.stdout
    listed = set(build_parser()._subparsers._group_actions[0].choices)
    assert listed == set(SUBCOMMANDS)
    assert "examples:" in r.stdout


@pytest.mark.parametrize("name", SUBCOMMANDS)
def test_subcommand_help(name: str, capsys):
    with pytest.raises(SystemExit) as e:
        main([name, "--help"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    assert f"usage: roomby {name}" in out
    if name in ("run", "eval"):
        assert "--config" in out and "--set" in out


def test_parse_headline_sentence(capsys):
    text = "Roomby, you forgot to vacuum the spot under the red couch in the living room!"
    assert main(["parse", text, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["goal"] == {"task": "vacuum_under", "object": "couch", "color": "red",
                           "room": "living_room"}
    assert out["unknown_words"] == []


def test_parse_reports_unplaceable_words(capsys):
    assert main(["parse", "flibber the wug", "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["goal"] is None
    assert "flibber" in out["error"] and "wug" in out["error"]
    assert out["unknown_words"] == ["flibber", "wug"]


def test_bad_set_key_fails_with_its_name(capsys):
    code = main(["eval", "--episodes", "1", "--set", "env.colour=red"])
    assert code == 2
    assert "unknown key 'colour'" in capsys.readouterr().err


def test_run_expert_json_one_room():
    r = roomby("run", "go to the red chair", "--json", "--seed", "3", "--policy", "expert",
               "--set", "env.id=Roomby/Mixed-OneRoom-v0")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    for key in ("instruction", "goal", "success", "spl", "coverage", "steps"):
        assert key in out
    assert out["success"] is True
    assert out["goal"]["object"] == "chair" and out["goal"]["color"] == "red"
    assert 0.0 < out["spl"] <= 1.0


@pytest.mark.parametrize("text", ["", "x" * 100_000, "go to the chair and the couch",
                                  "paint the fence"])
def test_run_rejects_bad_commands_clearly(text: str, capsys):
    assert main(["run", text, "--json"]) == 2
    out = json.loads(capsys.readouterr().out)
    assert out["error"].startswith("not a command I can carry out")


def test_eval_json_shape(capsys):
    code = main(["eval", "--policy", "expert", "--families", "goto_room", "--episodes", "2",
                 "--json", "--set", "env.n_rooms=[3, 3]"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    for key in ("episodes", "success_rate", "spl", "coverage", "by_task", "results"):
        assert key in out
    assert out["episodes"] == 2 and set(out["by_task"]) == {"goto_room"}
    assert out["success_rate"] == 1.0


def test_home_generate_and_check(tmp_path, capsys):
    f = tmp_path / "flat.json"
    assert main(["home", "generate", "--seed", "4", "--rooms", "3", "--out", str(f)]) == 0
    assert main(["home", "check", str(f)]) == 0
    data = json.loads(f.read_text())
    data["furniture"][0]["type"] = "piano"
    f.write_text(json.dumps(data))
    assert main(["home", "check", str(f)]) == 1
    assert "unknown furniture type 'piano'" in capsys.readouterr().err


def test_run_records_a_video(tmp_path):
    import imageio.v3 as iio

    out = tmp_path / "episode.mp4"
    r = roomby("run", "go to the blue chair", "--seed", "1", "--video", str(out),
               "--policy", "expert", "--set", "env.id=Roomby/Mixed-OneRoom-v0")
    assert r.returncode == 0, r.stderr
    frames = iio.imread(out, index=None)
    assert frames.shape[0] > 5 and frames.shape[-1] == 3
    assert frames[0].std() > 10  # a picture, not a blank frame
    assert "decision 1: navigate" in r.stderr


def test_run_rejects_an_unknown_video_format(tmp_path, capsys):
    code = main(["run", "go to the kitchen", "--video", str(tmp_path / "x.avi")])
    assert code == 2
    assert ".mp4" in capsys.readouterr().err


@pytest.mark.parametrize(("args", "says"), [
    (["run", "go to the kitchen", "--seed", "-1"], "--seed: must be from 0 to 4294967295, got -1"),
    (["eval", "--workers", "0"], "--workers: must be from 1 to 1024, got 0"),
    (["collect", "--out", "x", "--frame-every", "-2"], "--frame-every: must be from 0 to"),
    (["eval", "--episodes", "0"], "--episodes: must be from 1 to 1000000, got 0"),
    (["collect", "--out", "x", "--beta", "nan"], "--beta: must be from 0.0 to 1.0, got nan"),
    (["eval", "--split", "test"], "--split: invalid choice: 'test'"),
    (["home", "generate", "--out", "x", "--rooms", "7"], "--rooms: must be from 1 to 6"),
    (["eval", "--seed", "1.5"], "--seed: expected an integer, got '1.5'"),
])
def test_out_of_range_numbers_are_usage_errors(args, says, capsys):
    with pytest.raises(SystemExit) as e:
        main(args)
    assert e.value.code == 2 and says in capsys.readouterr().err


def test_run_reads_free_text_and_says_how(capsys):
    assert main(["run", "the bathroom is a mess", "--seed", "1", "--policy", "expert"]) == 0
    err = capsys.readouterr().err
    assert "read as: vacuum the bathroom" in err
