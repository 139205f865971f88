"""Free-text commands: the rules alone against the rules with the MiniLM fallback, on the command
set in tests/sim/data/free_text/ (a third of each category held out), and the fallback's
threshold calibrated on the tuning part: the lowest that accepts no non-command there.

    .venv/bin/python benchmarks/free_text.py [--threshold T]
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from agent.language.nearest import NearestCommand
from sim.catalog import COLOR_NAMES
from sim.free_text import normalise
from sim.language import normalize_goal, parse

DATA = Path(__file__).resolve().parents[1] / "tests" / "sim" / "data" / "free_text"


def load() -> list[dict]:
    rows = []
    for path in sorted(DATA.glob("*.jsonl")):
        for line in path.read_text().splitlines():
            row = json.loads(line)
            row["category"] = path.stem
            row["want"] = None if row["goal"] is None else normalize_goal(row["goal"])
            rows.append(row)
    return rows


def table(rows: list[dict], right: dict[int, bool], title: str) -> None:
    print(f"\n{title}")
    for split in ("tune", "heldout"):
        per, ok = Counter(), Counter()
        for i, r in enumerate(rows):
            if r["split"] == split:
                per[r["category"]] += 1
                ok[r["category"]] += right[i]
        cells = "  ".join(f"{c} {ok[c]}/{per[c]}" for c in sorted(per))
        print(f"  {split:8s} {sum(ok.values())}/{sum(per.values())} = "
              f"{sum(ok.values()) / sum(per.values()):.3f}   {cells}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--threshold", type=float, default=None,
                    help="use this threshold instead of calibrating one")
    args = ap.parse_args()
    rows = load()
    rules = {i: parse(r["text"]).goal == r["want"] for i, r in enumerate(rows)}
    table(rows, rules, "rules alone (sim.language.parse)")

    reader = NearestCommand(threshold=1.01)
    eligible = [i for i, r in enumerate(rows) if parse(r["text"]).goal is None
                and not normalise(r["text"], COLOR_NAMES).sure]
    matches = {i: reader.nearest(rows[i]["text"]) for i in eligible}
    print(f"\n{len(eligible)} commands reach the fallback (the rules found nothing they know):")
    for i in eligible:
        r, m = rows[i], matches[i]
        verdict = "right" if m.goal == r["want"] else ("non-command" if r["want"] is None
                                                     else "wrong")
        print(f"  {r['split']:7s} {m.score:.3f} {verdict:11s} {r['text']!r} -> {m.text!r}")
    negatives = [matches[i].score for i in eligible
                 if rows[i]["split"] == "tune" and rows[i]["want"] is None]
    threshold = args.threshold if args.threshold is not None else \
        round(max(negatives, default=0.0) + 0.005, 3)
    print(f"\nthreshold {threshold} ("
          + ("given" if args.threshold is not None else
             f"calibrated: above the {len(negatives)} tuning non-commands that reach it") + ")")
    both = dict(rules)
    for i in eligible:
        m = matches[i]
        both[i] = (m.goal if m.score >= threshold else None) == rows[i]["want"]
    table(rows, both, f"rules + MiniLM fallback (threshold {threshold})")


if __name__ == "__main__":
    main()
