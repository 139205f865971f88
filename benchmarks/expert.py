"""Expert success per task family on held-out homes (the bar in docs/architecture.md: >= 99 % of
every family).

    .venv/bin/python benchmarks/expert.py [--episodes 200] [--workers 2] [--split heldout]
        [--families return,previous_room,sequence3]

Prints success, SPL, coverage, collisions and decisions per family, the failures (seed and
instruction, to reproduce with `roomby run`), and the wall time.
"""

from __future__ import annotations

import argparse
import time

from agent.evaluation.evaluate import evaluate
from agent.policies.episode import summarize
from sim.config import EnvConfig
from sim.registration import family_ids


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--episodes", type=int, default=200, help="episodes per family")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--split", default="heldout")
    ap.add_argument("--families", default="", help="comma-separated families (default: all)")
    args = ap.parse_args()
    t = time.time()
    cfg = EnvConfig(split=args.split)
    families = [f.strip() for f in args.families.split(",") if f.strip()]
    results = evaluate(cfg, family_ids(families), args.episodes, "expert",
                       workers=args.workers)
    s = summarize(results)
    print(f"expert on split {args.split}, {args.episodes} episodes per family "
          f"({time.time() - t:.0f} s with {args.workers} workers)")
    print(f"{'family':14s} {'success':>8s} {'SPL':>6s} {'coverage':>9s} {'collisions':>10s} "
          f"{'decisions':>9s}")
    for name, row in [*s["by_task"].items(), ("all", s)]:
        print(f"{name:14s} {row['success_rate']:8.3f} {row['spl']:6.3f} {row['coverage']:9.3f} "
              f"{row['collisions']:10.2f} {row['steps']:9.1f}")
    failures = [r for r in results if not r["success"]]
    for r in failures:
        print(f"FAILED {r['env']} seed {r['seed']}: {r['instruction']!r} "
              f"(decisions {r['steps']}, truncated {r['truncated']})")
    worst = min(row["success_rate"] for row in s["by_task"].values())
    print(f"lowest family success: {worst:.3f} (bar: 0.99)")


if __name__ == "__main__":
    main()
