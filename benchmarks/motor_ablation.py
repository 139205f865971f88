"""Two levels of control against one: the skill-level policy and a motor-level policy, one budget.

docs/architecture.md ("Two levels of control") says why Roomby decides skills and map cells
rather than wheel speeds. This measures it on one task, single-room goto_object, with everything
else equal:

- the same demonstrations: the same seeded episodes (same homes, instructions, start poses),
  recorded by the skill-level expert (`Roomby/GoToObject-OneRoom-v0`: a handful of decisions
  each) and by the motor expert (`...-Motor-v0`: the same expert's decisions driven period by
  period as wheel actions, `sim.motor_expert`);
- the same network (the shipped model's configuration) and the same trained perception, frozen;
- behaviour cloning only, each run capped at the same minutes of this machine (the motor level
  may use all of them; the skill level stops at its epochs, earlier);
- the same held-out episodes, learned perception filling the map, at each policy's own level.

Runs, data and evaluations are kept under `--out` and reused, so an interrupted run continues.

    .venv/bin/python benchmarks/motor_ablation.py --episodes 200 --minutes 10 --eval 50
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROOMBY = [sys.executable, "-m", "agent.cli"]
MODEL = ["model.grounding=true", "model.goal_features=true", "model.goal_seen=true",
         "model.goal_task=true", "model.goal_distance=true", "model.skill_per_task=true"]
"""The shipped checkpoint's model keys (docs/shipped_checkpoint.json)."""
LEVELS = {"skill": "Roomby/GoToObject-OneRoom-v0", "motor": "Roomby/GoToObject-OneRoom-Motor-v0"}


def run(cmd: list[str], log: Path | None = None) -> str:
    print(f"  $ roomby {' '.join(cmd)}", file=sys.stderr, flush=True)
    res = subprocess.run([*ROOMBY, *cmd], cwd=ROOT, text=True, stdout=subprocess.PIPE,
                         stderr=None if log is None else log.open("w"))
    if res.returncode != 0:
        raise SystemExit(f"roomby {cmd[0]} failed (exit {res.returncode})"
                         + (f"; see {log}" if log else ""))
    return res.stdout


def collect(level: str, args: argparse.Namespace) -> Path:
    data = args.out / f"data-{level}"
    if not (data / "manifest.json").exists():
        run(["collect", "--out", str(data), "--env", LEVELS[level], "--episodes",
             str(args.episodes), "--workers", str(args.workers), "--frame-every", "0",
             "--json"])
    return data


def train(level: str, data: Path, args: argparse.Namespace) -> dict:
    out = args.out / f"run-{level}"
    if not (out / "policy.pt").exists():
        sets = [*MODEL, f"train.data=[{data}]", f"train.level={level}",
                f"train.init_perception={args.init_perception}", "train.perception_steps=0",
                "train.dagger_rounds=0", "train.ppo_steps=0", f"train.bc_minutes={args.minutes}",
                f"train.bc_epochs={args.skill_epochs if level == 'skill' else args.motor_epochs}",
                "train.threads=2"]
        run(["train", "--out", str(out), *(x for s in sets for x in ("--set", s))],
            log=args.out / f"train-{level}.log")
    state = json.loads((out / "state.json").read_text())
    return {"policy": out / "policy.pt", **state["stages"][0]}


def evaluate(level: str, policy: str, args: argparse.Namespace) -> dict:
    tag = "expert" if policy == "expert" else "learned"
    out = args.out / f"eval-{level}-{tag}.json"
    if not out.exists():
        out.write_text(run(["eval", "--env", LEVELS[level], "--policy", policy, "--split",
                            args.split, "--episodes", str(args.eval), "--seed", "0",
                            "--workers", str(args.workers), "--json"]))
    return json.loads(out.read_text())


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--episodes", type=int, default=200, help="demonstrations (same seeds)")
    ap.add_argument("--minutes", type=float, default=10.0, help="training cap per level")
    ap.add_argument("--skill-epochs", type=int, default=40)
    ap.add_argument("--motor-epochs", type=int, default=12,
                    help="planned motor epochs (the cosine schedule's length; the cap may stop "
                         "it earlier)")
    ap.add_argument("--eval", type=int, default=50, help="held-out episodes per level")
    ap.add_argument("--split", default="heldout")
    ap.add_argument("--init-perception", default=str(ROOT / "agent/checkpoints/roomby.pt"),
                    help="checkpoint whose perception both levels use (frozen)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", type=Path, default=Path("runs/motor_ablation"))
    args = ap.parse_args(argv)
    args.out = args.out.resolve()
    args.out.mkdir(parents=True, exist_ok=True)
    rows = []
    for level in LEVELS:
        data = collect(level, args)
        fit = train(level, data, args)
        learned = evaluate(level, str(fit["policy"]), args)
        expert = evaluate(level, "expert", args)
        rows.append((level, fit, learned, expert))
    print(f"single-room goto_object: {args.episodes} demonstrations (same seeds), behaviour "
          f"cloning capped at {args.minutes:g} min, {args.eval} {args.split} episodes")
    print("| level | records | train s | updates | epochs | success | SPL | collisions "
          "| expert success | expert SPL |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for level, fit, learned, expert in rows:
        records = fit.get("periods", fit.get("decisions"))
        print(f"| {level} | {records} | {fit['seconds']:.0f} | {fit['updates']} | "
              f"{fit.get('epochs', '')} | {learned['success_rate']:.3f} | {learned['spl']:.3f} | "
              f"{learned['collisions']:.1f} | {expert['success_rate']:.3f} | "
              f"{expert['spl']:.3f} |")


if __name__ == "__main__":
    main()
