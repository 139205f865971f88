"""Ablations on one budget: memory kind, fusion, and oracle vs learned perception.

Every variant is the same recipe with one part swapped: behaviour cloning for `--bc-epochs` on
the same demonstrations, from the same trained perception (`--init-perception`), same seed; then
`roomby eval` on the same held-out episodes with learned perception (the `oracle` variant
evaluates the default variant's checkpoint with the simulator's segmentation filling the map
instead). No DAgger, so the figures sit below the shipped policy's; they compare the parts.
Runs and evaluations are kept under `--out` and reused, so an interrupted run continues.

    .venv/bin/python benchmarks/ablations.py --data data/demos \
        --init-perception runs/a2/perception.pt --bc-epochs 12 --episodes 20
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROOMBY = [sys.executable, "-m", "agent.cli"]
BASE = ["--set", "model.grounding=true", "--set", "model.goal_features=true"]
VARIANTS: dict[str, list[str]] = {
    "default": [],
    "gru": ["--set", "model.memory=gru"],
    "lstm": ["--set", "model.memory=lstm"],
    "no memory": ["--set", "model.memory=none"],
    "concat fusion": ["--set", "model.fusion=concat"],
}
"""Variant -> `roomby train` overrides on top of the default model (fast weights,
cross-attention fusion, goal map)."""
ORACLE = "oracle perception"


def slug(name: str) -> str:
    return name.replace(" ", "_")


def train(name: str, args: argparse.Namespace) -> Path:
    run = args.out / slug(name)
    if (run / "policy.pt").exists():
        return run
    cmd = [*ROOMBY, "train", "--out", str(run), *BASE, *VARIANTS[name],
           "--set", f"train.data=[{','.join(args.data)}]",
           "--set", f"train.init_perception={args.init_perception}",
           "--set", "train.perception_steps=0", "--set", f"train.bc_epochs={args.bc_epochs}",
           "--set", "train.dagger_rounds=0", "--set", "train.ppo_steps=0"]
    print(f"[{name}] {' '.join(cmd[2:])}", file=sys.stderr, flush=True)
    subprocess.run(cmd, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    return run


def evaluate(name: str, run: Path, args: argparse.Namespace, perception: str) -> dict:
    out = run / f"eval_{perception}.json"
    if not out.exists():
        cmd = [*ROOMBY, "eval", "--policy", str(run / "policy.pt"), "--perception", perception,
               "--split", args.split, "--episodes", str(args.episodes), "--families",
               args.families, "--workers", str(args.workers), "--json"]
        print(f"[{name}] {' '.join(cmd[2:])}", file=sys.stderr, flush=True)
        res = subprocess.run(cmd, check=True, cwd=ROOT, capture_output=True, text=True)
        out.write_text(res.stdout)
    return json.loads(out.read_text())


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", nargs="+", default=["data/demos"])
    ap.add_argument("--init-perception", required=True,
                    help="checkpoint whose perception every variant starts from (frozen)")
    ap.add_argument("--bc-epochs", type=int, default=12)
    ap.add_argument("--episodes", type=int, default=40, help="held-out episodes per family")
    ap.add_argument("--families", default="goto_object,goto_room,vacuum_under,vacuum_room")
    ap.add_argument("--split", default="heldout")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", type=Path, default=Path("runs/ablations"))
    ap.add_argument("--only", nargs="*", help="a subset of the variants, in this order")
    args = ap.parse_args(argv)
    args.out = args.out.resolve()
    args.data = [str(Path(d).resolve()) for d in args.data]
    args.init_perception = str(Path(args.init_perception).resolve())
    names = [*VARIANTS, ORACLE]
    if args.only:
        unknown = set(args.only) - set(names)
        if unknown:
            ap.error(f"unknown variant(s) {sorted(unknown)}: choose from {names}")
        names = list(args.only)  # in the order given
    families = args.families.split(",")
    print(f"{args.episodes} {args.split} episodes per family, behaviour cloning "
          f"{args.bc_epochs} epochs on {', '.join(args.data)}; success rate")
    head = " | ".join(f"{f:>12}" for f in families)
    print(f"| {'variant':<17} | {'train s':>7} | {head} | {'mean':>5} |", flush=True)
    for name in names:  # each row as soon as it is measured
        run = train("default" if name == ORACLE else name, args)
        res = evaluate(name, run, args, "oracle" if name == ORACLE else "learned")
        secs = json.loads((run / "state.json").read_text()).get("train_seconds") or 0
        rates = [res["by_task"][f]["success_rate"] for f in families]
        cells = " | ".join(f"{r:>12.3f}" for r in rates)
        print(f"| {name:<17} | {secs:>7.0f} | {cells} | {sum(rates) / len(rates):>5.3f} |",
              flush=True)


if __name__ == "__main__":
    main()
