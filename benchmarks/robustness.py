"""Success against each realism factor's strength (sim/realism/), one curve per factor: how much
odometry drift, depth noise, colour-camera noise and wheel slip a policy tolerates. Each point
evaluates the same held-out episodes (seeds) with one factor at that strength and the others
exact; the figure goes to `--out`.

    .venv/bin/python benchmarks/robustness.py [--episodes 20] [--env Roomby/GoToObject-v0]
        [--policy learned] [--workers 2] [--out docs/robustness.png]
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

from agent.evaluation.evaluate import evaluate
from sim.config import EnvConfig

FACTORS: dict[str, tuple[list[float], str]] = {
    "pose_drift": ([0.01, 0.02, 0.05, 0.1], "odometry drift (cm per m driven)"),
    "depth_noise": ([1.0, 2.0, 4.0], "depth noise (x the Kinect models)"),
    "color_noise": ([1.0, 2.0, 4.0], "colour noise (x the documented spreads)"),
    "wheel_slip": ([1.0, 2.0, 4.0], "wheel slip (x the documented spreads)"),
}
"""Key of EnvConfig -> strengths beyond 0 (measured once for all), axis label."""
BAR = 0.8


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95 % Wilson interval of a success rate."""
    if n == 0:
        return 0.0, 1.0
    p = k / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return c - h, c + h


def rate(env_id: str, episodes: int, policy: str, workers: int, **strength: float) -> dict:
    cfg = EnvConfig(id=env_id, split="heldout", **strength)
    results = evaluate(cfg, [env_id], episodes, policy, workers=workers, progress=False)
    k = sum(bool(r["success"]) for r in results)
    lo, hi = wilson(k, len(results))
    return {"success": k / len(results), "k": k, "n": len(results), "lo": lo, "hi": hi}


def tolerated(points: list[tuple[float, dict]]) -> float:
    """The largest strength up to which every point meets the bar (0 if the first misses)."""
    best = 0.0
    for s, r in sorted(points, key=lambda p: p[0]):
        if r["success"] < BAR:
            break
        best = s
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--episodes", type=int, default=20)
    ap.add_argument("--env", default="Roomby/GoToObject-v0")
    ap.add_argument("--policy", default="learned")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", type=Path, default=Path("docs/robustness.png"))
    args = ap.parse_args()
    base = rate(args.env, args.episodes, args.policy, args.workers)
    print(f"exact: {base['k']}/{base['n']} = {base['success']:.2f}", flush=True)
    curves: dict[str, list[tuple[float, dict]]] = {}
    for key, (strengths, _) in FACTORS.items():
        curves[key] = [(0.0, base)]
        for s in strengths:
            r = rate(args.env, args.episodes, args.policy, args.workers, **{key: s})
            curves[key].append((s, r))
            print(f"{key} {s:g}: {r['k']}/{r['n']} = {r['success']:.2f} "
                  f"[{r['lo']:.2f}, {r['hi']:.2f}]", flush=True)
    print(json.dumps({k: [(s, r["success"]) for s, r in v] for k, v in curves.items()}))
    for key, points in curves.items():
        t = tolerated(points)
        shown = f"{100 * t:g} cm/m" if key == "pose_drift" else f"x{t:g}"
        print(f"{key}: success >= {BAR:.0%} up to {shown} (of the strengths measured)")

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(curves), figsize=(4 * len(curves), 3.4), sharey=True)
    for ax, (key, points) in zip(axes, curves.items(), strict=True):
        xs = [100 * s if key == "pose_drift" else s for s, _ in points]
        ys = [r["success"] for _, r in points]
        err = [[r["success"] - r["lo"] for _, r in points], [r["hi"] - r["success"]
                                                             for _, r in points]]
        ax.errorbar(xs, ys, yerr=err, marker="o", capsize=3)
        ax.axhline(BAR, color="grey", linestyle=":", linewidth=1)
        ax.set_xlabel(FACTORS[key][1])
        ax.set_ylim(0, 1.02)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel(f"success ({args.env.split('/')[-1]}, held-out)")
    fig.suptitle(f"{args.policy} policy, {args.episodes} episodes per point (95 % intervals)")
    fig.tight_layout()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out, dpi=100)
    print(f"figure: {args.out}")


if __name__ == "__main__":
    main()
