"""Add the acceptable-cell sets (agent.demos.cell_targets) to shards collected before collection
wrote them: each episode is rebuilt from its env id and seed (the same home and goal).

    .venv/bin/python scripts/relabel_cells.py data/demos
"""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np

from agent.demos.cell_targets import label_episode, sets_path, write_sets
from agent.demos.shards import shard_paths
from sim.config import EnvConfig


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("folders", nargs="+")
    args = ap.parse_args()
    envs: dict[tuple[str, str], object] = {}
    done = 0
    for shard in shard_paths(args.folders):
        if sets_path(shard).exists():
            continue
        with np.load(shard) as z:
            if "accept" in z.files:
                continue
            actions, episode = z["action"], z["episode"]
        records = json.loads(shard.with_suffix(".json").read_text())
        accept = np.zeros((len(actions), 48 * 48), bool)
        has = np.zeros(len(actions), bool)
        for e, rec in enumerate(records):
            idx = np.flatnonzero(episode == e)
            if rec["family"] == "sequence" or not len(idx):
                continue  # step indices were not stored: sequences keep the expert's cells
            key = (rec["env"], rec["split"])
            if key not in envs:
                envs[key] = EnvConfig(id=rec["env"], split=rec["split"]).make()
            env = envs[key]
            env.reset(seed=rec["seed"])
            assert env.unwrapped.instruction == rec["instruction"], (shard, rec["seed"])
            a, h = label_episode(env, [0] * len(idx), list(actions[idx]))
            accept[idx], has[idx] = a, h
        write_sets(shard, accept, has)
        done += 1
        print(f"{shard.name}: {int(has.sum())}/{len(has)} decisions with a set", file=sys.stderr)
    for env in envs.values():
        env.close()
    print(f"relabelled {done} shards")
    return 0


if __name__ == "__main__":
    sys.exit(main())
