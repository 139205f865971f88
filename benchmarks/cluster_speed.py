"""Episodes per second through the local backend and through Ray, the same workers, side by side.

    .venv/bin/python benchmarks/cluster_speed.py [--episodes 20] [--workers 2] [--repeats 2]

One Ray instance is started here (`--workers` CPUs; its start-up is printed apart). Then, in turns
(local, Ray, local, Ray ...), the same seeded expert evaluation of goto_room and vacuum_room runs
through each backend; each turn prints its episodes per second, and the end the ratio of the
medians (Ray / local). Ray's own cost per job is measured on empty jobs (a job that returns its
argument), against the local process pool on the same jobs. Needs `pip install "roomby[cluster]"`.
"""

from __future__ import annotations

import argparse
import statistics
import time

from agent.evaluation.evaluate import evaluate
from agent.workers import RunConfig, pool_map
from sim.config import EnvConfig

IDS = ["Roomby/GoToRoom-v0", "Roomby/VacuumRoom-v0"]


def echo(x: int) -> int:
    return x


def per_job(run: RunConfig, jobs: int, workers: int) -> float:
    """Seconds per empty job, pool start-up included for the local pool."""
    t0 = time.perf_counter()
    assert sorted(pool_map(echo, list(range(jobs)), workers, run=run)) == list(range(jobs))
    return (time.perf_counter() - t0) / jobs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--episodes", type=int, default=20, help="episodes per family and turn")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=2, help="turns per backend")
    ap.add_argument("--jobs", type=int, default=200, help="empty jobs for the per-job cost")
    args = ap.parse_args()
    import ray  # here: the local pool's spawned workers re-import this script, not Ray

    t0 = time.perf_counter()
    ray.init(address="local", num_cpus=args.workers, include_dashboard=False,
             log_to_driver=False)
    print(f"Ray start-up (ray.init, {args.workers} CPUs): {time.perf_counter() - t0:.1f} s")
    backends = {"local": RunConfig(), "ray": RunConfig(backend="ray")}
    env = EnvConfig(split="heldout")
    rates: dict[str, list[float]] = {name: [] for name in backends}
    results = {}
    n = args.episodes * len(IDS)
    for turn in range(args.repeats):
        for name, run in backends.items():
            t0 = time.perf_counter()
            results[name] = evaluate(env, IDS, args.episodes, "expert", workers=args.workers,
                                     progress=False, run=run)
            dt = time.perf_counter() - t0
            rates[name].append(n / dt)
            print(f"turn {turn + 1} {name:5s}: {n} episodes in {dt:6.1f} s = "
                  f"{n / dt:.3f} episodes/s")
    same = results["local"] == results["ray"]
    ratio = statistics.median(rates["ray"]) / statistics.median(rates["local"])
    print(f"Ray / local throughput (medians): {ratio:.3f} ({100 * (1 - ratio):+.1f} % overhead); "
          f"same per-episode results: {same}")
    for name, run in backends.items():
        print(f"empty job, {name:5s}: {1e3 * per_job(run, args.jobs, args.workers):.2f} ms per job "
              f"({args.jobs} jobs, {args.workers} workers)")
    ray.shutdown()


if __name__ == "__main__":
    main()
