"""`roomby compare`: two evaluations of the same episodes, paired, with an exact McNemar test."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.cli import main
from agent.evaluation.compare import mcnemar_p


def _eval(tmp_path: Path, capsys, policy: str, *extra: str) -> Path:
    assert main(["eval", "--policy", policy, "--families", "goto_room", "--episodes", "4",
                 "--json", *extra]) == 0
    path = tmp_path / f"{policy}{''.join(extra)}.json"
    path.write_text(capsys.readouterr().out)
    return path


def test_mcnemar_is_the_exact_binomial_test_on_the_discordant_episodes() -> None:
    assert mcnemar_p(0, 0) == 1.0
    assert mcnemar_p(10, 0) == mcnemar_p(0, 10) == pytest.approx(2 / 2**10)
    assert mcnemar_p(4, 4) == 1.0
    assert mcnemar_p(18, 10) == pytest.approx(0.1849, abs=1e-4)
    assert mcnemar_p(20, 5) < 0.01 < mcnemar_p(19, 9)


def test_random_against_expert_on_the_same_episodes(tmp_path: Path, capsys) -> None:
    random = _eval(tmp_path, capsys, "random")
    expert = _eval(tmp_path, capsys, "expert")
    assert main(["compare", str(random), str(expert), "--json"]) == 0
    table = json.loads(capsys.readouterr().out)["by_task"]
    got = table["goto_room"]
    solved_by_random = round(got["base"] * 4)
    assert got["episodes"] == 4 and got["new"] == 1.0  # the expert solves every one
    assert got["gained"] == 4 - solved_by_random and got["lost"] == 0
    assert got["p_value"] == pytest.approx(mcnemar_p(got["gained"], 0), abs=1e-4)
    assert table["all"]["episodes"] == 4
    # the reverse loses what the forward gained; the table names both files
    assert main(["compare", str(expert), str(random)]) == 0
    out = capsys.readouterr().out
    assert str(expert) in out and str(random) in out and "McNemar" in out


def test_pairs_on_other_seeds_are_pooled(tmp_path: Path, capsys) -> None:
    pairs = [_eval(tmp_path, capsys, policy, *seed) for seed in ((), ("--seed", "100"))
             for policy in ("random", "expert")]
    assert main(["compare", *map(str, pairs), "--json"]) == 0
    pooled = json.loads(capsys.readouterr().out)["by_task"]["goto_room"]
    assert pooled["episodes"] == 8 and pooled["new"] == 1.0
    assert pooled["gained"] == 8 - round(pooled["base"] * 8)
    assert main(["compare", *map(str, pairs[:3])]) == 2
    assert "in pairs" in capsys.readouterr().err
    assert main(["compare", *map(str, pairs[:2] * 2)]) == 2  # the same episodes twice
    assert "is in two of the pairs" in capsys.readouterr().err


def test_evaluations_of_different_episodes_are_refused(tmp_path: Path, capsys) -> None:
    expert = _eval(tmp_path, capsys, "expert")
    other = _eval(tmp_path, capsys, "expert", "--seed", "100")
    assert main(["compare", str(expert), str(other)]) == 2
    assert "no episode in common" in capsys.readouterr().err
    heldout = _eval(tmp_path, capsys, "expert", "--split", "heldout")
    assert main(["compare", str(expert), str(heldout)]) == 2
    assert "different splits" in capsys.readouterr().err
    changed = json.loads(expert.read_text())
    changed["results"][0]["instruction"] = "go somewhere else"
    (tmp_path / "changed.json").write_text(json.dumps(changed))
    assert main(["compare", str(expert), str(tmp_path / "changed.json")]) == 2
    assert "the commands differ" in capsys.readouterr().err


@pytest.mark.parametrize("content, message", [
    ("not json", "not JSON"),
    ('{"episodes": 3}', "no 'results' list"),
    ('{"results": [{"seed": 1}]}', "result 0 lacks"),
])
def test_bad_files_are_named(tmp_path: Path, capsys, content: str, message: str) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    assert main(["compare", str(bad), str(bad)]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and message in err
    assert main(["compare", str(tmp_path / "none.json"), str(bad)]) == 2
    assert "no such file" in capsys.readouterr().err
