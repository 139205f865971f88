"""Two evaluations of the same episodes, side by side (`roomby compare BASE.json NEW.json`).

Two policies evaluated on the same held-out episodes (same split, families and seeds: the same
homes, commands and starts) differ by chance less than two independent samples would, so they
are compared paired: per family, the episodes one policy solved and the other did not, and an
exact McNemar test on those (under "no difference" each such episode is a fair coin). A 200-
episode success rate alone moves by about ±0.02 from sampling; 18 gained against 10 lost is
p = 0.19, 20 against 5 is p = 0.004.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any


class CompareError(ValueError):
    """The two files are not evaluations of the same episodes."""


def load_eval(path: str | Path) -> dict[str, Any]:
    """A `roomby eval --json` output; errors name the file and what is missing."""
    try:
        data = json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise CompareError(f"{path}: no such file") from None
    except (UnicodeDecodeError, RecursionError):
        raise CompareError(f"{path}: not an evaluation (binary or nested too deeply): write it "
                           "with `roomby eval ... --json > FILE`") from None
    except json.JSONDecodeError as e:
        raise CompareError(f"{path}: not JSON ({e.msg}): write it with `roomby eval ... "
                           "--json > FILE`") from None
    results = data.get("results") if isinstance(data, dict) else None
    if not isinstance(results, list) or not results:
        raise CompareError(f"{path}: no 'results' list: not a `roomby eval --json` output")
    for n, r in enumerate(results):
        missing = [k for k in ("env", "seed", "family", "success", "instruction") if k not in r]
        if missing:
            raise CompareError(f"{path}: result {n} lacks {missing}")
    return data


def mcnemar_p(gained: int, lost: int) -> float:
    """Two-sided exact McNemar p-value: the binomial probability, at one half, of a split of
    the discordant episodes at least as uneven as `gained` against `lost`."""
    n = gained + lost
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, k) for k in range(min(gained, lost) + 1)) / 2.0 ** n
    return min(1.0, 2.0 * tail)


def compare(*evaluations: tuple[dict[str, Any], dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """(base, new) evaluation pairs, pooled (e.g. the same two policies on seeds 0-199 and
    200-399) -> per family (and "all"): episodes, both success rates, gained (new solved, base
    did not), lost, and the McNemar p-value, over the episodes both evaluated."""
    pairs: dict[str, list[tuple[bool, bool]]] = {}
    seen: set[tuple[str, str, int]] = set()
    for base, new in evaluations:
        if base.get("split") != new.get("split"):
            raise CompareError(f"different splits ({base.get('split')} vs {new.get('split')}): "
                               "compare evaluations of the same episodes")
        old = {(r["env"], r["seed"]): r for r in base["results"]}
        for r in new["results"]:
            b = old.get((r["env"], r["seed"]))
            if b is None:
                continue
            if b["instruction"] != r["instruction"]:
                raise CompareError(f"{r['env']} seed {r['seed']}: the commands differ "
                                   f"({b['instruction']!r} vs {r['instruction']!r}): not the "
                                   "same episodes (another env config?)")
            key = (str(new.get("split")), r["env"], r["seed"])
            if key in seen:
                raise CompareError(f"{r['env']} seed {r['seed']} is in two of the pairs: pool "
                                   "evaluations of different episodes")
            seen.add(key)
            pairs.setdefault(r["family"], []).append((bool(b["success"]), bool(r["success"])))
    if not pairs:
        raise CompareError("no episode in common (same --families and --seed?)")
    pairs["all"] = [p for fam in list(pairs) for p in pairs[fam]]
    out = {}
    for fam, ps in pairs.items():
        gained = sum(1 for b, n in ps if n and not b)
        lost = sum(1 for b, n in ps if b and not n)
        out[fam] = {"episodes": len(ps), "base": sum(b for b, _ in ps) / len(ps),
                    "new": sum(n for _, n in ps) / len(ps), "gained": gained, "lost": lost,
                    "p_value": float(f"{mcnemar_p(gained, lost):.4g}")}
    return out


def format_table(table: dict[str, dict[str, Any]], base: list[str], new: list[str]) -> str:
    lines = [f"base {' '.join(base)}", f"new  {' '.join(new)}",
             f"{'family':14s} {'episodes':>8s} {'base':>6s} {'new':>6s} {'gained':>7s} "
             f"{'lost':>5s} {'p (McNemar)':>12s}"]
    for fam, r in table.items():
        lines.append(f"{fam:14s} {r['episodes']:8d} {r['base']:6.3f} {r['new']:6.3f} "
                     f"{r['gained']:7d} {r['lost']:5d} {_p(r['p_value']):>12s}")
    return "\n".join(lines)


def _p(p: float) -> str:
    return f"{p:.4f}" if p >= 1e-4 else f"{p:.1e}"
