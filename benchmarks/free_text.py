"""Free-text commands: the rules alone against the rules with the MiniLM fallback, on the command
set in tests/sim/data/free_text/ (a third of each category held out), and the fallback's
threshold calibrated on the tuning part: the lowest that accepts no non-command there; then how
fast each reads a command (median and slowest over the set, each command timed 7 times).

With `--episodes-file OUT.jsonl` it also writes the set's commands (those the sim can state: not
the non-commands, at most two steps) as `roomby eval --episodes-file` episodes: the typed text as
the instruction, the test set's goal as the goal, the line's index as the seed.

    .venv/bin/python benchmarks/free_text.py [--threshold T] [--episodes-file OUT.jsonl]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections import Counter
from pathlib import Path

from agent.language.nearest import NearestCommand
from sim.catalog import COLOR_NAMES
from sim.free_text import normalise
from sim.language import normalize_goal, parse

sys.path.insert(0, str(Path(__file__).resolve().parent))
from timing import interleaved  # noqa: E402

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


def speed(rows: list[dict], semantic: NearestCommand, fallback: set[int]) -> None:
    """Per command, the median of 7 calls of each reader, interleaved."""
    ms: dict[str, list[float]] = {"rules": [], "rules + fallback": []}
    for r in rows:
        t = r["text"]
        got = interleaved({"rules": lambda t=t: parse(t),
                           "rules + fallback": lambda t=t: semantic.parse(t)}, 7, warmup=1)
        for k, v in got.items():
            ms[k].append(v)
    print(f"\nspeed over {len(rows)} commands (ms per command: median / 95th percentile / "
          "slowest)")
    for k, v in ms.items():
        v = sorted(v)
        print(f"  {k:17s} {statistics.median(v):7.2f} / {v[int(0.95 * (len(v) - 1))]:7.2f} / "
              f"{v[-1]:7.2f}")
    reach = sorted(ms["rules + fallback"][i] for i in fallback)
    if reach:
        print(f"  the {len(reach)} that reach the fallback: median "
              f"{statistics.median(reach):.2f} ms")


def write_episodes(rows: list[dict], path: Path) -> int:
    """The commands the sim can state as eval episodes; returns how many."""
    n = 0
    with open(path, "w") as f:
        for i, r in enumerate(rows):
            goal = r["want"]
            if goal is None or len(goal.get("steps", [goal])) > 2:
                continue
            f.write(json.dumps({"instruction": r["text"], "goal": goal, "seed": i}) + "\n")
            n += 1
    return n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--threshold", type=float, default=None,
                    help="use this threshold instead of calibrating one")
    ap.add_argument("--episodes-file", type=Path, default=None, metavar="OUT.jsonl",
                    help="also write the commands as roomby eval episodes")
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
    speed(rows, NearestCommand(threshold=threshold), set(eligible))
    if args.episodes_file:
        n = write_episodes(rows, args.episodes_file)
        print(f"\n{n} episodes -> {args.episodes_file}")


if __name__ == "__main__":
    main()
