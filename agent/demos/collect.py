"""`roomby collect`: expert-labelled episodes in parallel worker processes, written as shards.

Two uses, one mechanism:
- demonstrations: the expert decides and its decisions are recorded (behaviour cloning);
- DAgger: a learner checkpoint decides (the expert's action is executed with probability
  `beta`), and the expert labels every state the learner visits.
Every shard is written whole or not at all and is skipped when it exists, so an interrupted
collection resumes where it stopped. Seeds fix everything: the same arguments give the same
shards.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from agent.demos.cell_targets import label_episode
from agent.demos.shards import ShardWriter, write_shard
from agent.policies.episode import is_motor, named_episode, run_episode
from agent.workers import PoolStats, RunConfig, pool_map, shipped
from sim.actions import N_CELLS
from sim.config import EnvConfig

EPISODES_PER_SHARD = 10


@dataclass
class CollectJob:
    env: dict[str, Any]
    """EnvConfig fields."""
    env_id: str
    seeds: list[int]
    shard: str
    """Output path (without suffix)."""
    frame_every: int = 16
    """Keep every k-th camera frame with its segmentation labels (0: none)."""
    policy: str | None = None
    """A learner checkpoint that decides (DAgger); None: the expert decides."""
    beta: float = 0.0
    """DAgger: probability that the expert's action is executed instead of the learner's."""
    perception: str = "oracle"
    """'oracle', or a checkpoint whose learned perception fills the map."""


def record_episode(env: Any, expert: Any, seed: int, learner: Any = None, beta: float = 0.0,
                   frame_every: int = 0, options: dict[str, Any] | None = None
                   ) -> tuple[dict[str, Any], list[dict], list[np.ndarray], list[tuple], np.ndarray,
           np.ndarray]:
    """Run one episode, the expert labelling every decision -> (record, observations, expert
    actions, frames, acceptable cells [N, 2304], has_set [N]). `learner` (a policy callable
    with `reset`) decides when given. In the motor-level env a decision is a control period and
    an action a wheel action; no cell sets (all False)."""
    base = env.unwrapped
    frames: list[tuple] = []
    count = [0]

    def grab() -> None:
        count[0] += 1
        if frame_every and count[0] % frame_every == 0:
            rgb, depth, seg = base._frame
            types, colors = base.world.oracle_labels(seg)
            frames.append((rgb.copy(), depth.copy(), types, colors))

    decider = _Labelled(env, expert, learner, beta, np.random.default_rng([seed, 0xDA66]))
    base.on_sense = grab
    try:
        r = run_episode(env, decider, seed, options)
        actions = decider.labels
        if is_motor(env):
            accept = np.zeros((len(actions), N_CELLS), bool)
            has_set = np.zeros(len(actions), bool)
        else:
            accept, has_set = label_episode(env, decider.step_index, actions)
    finally:
        base.on_sense = None
    record = {"seed": seed, "instruction": r["instruction"], "goal": r["goal"],
              "family": r["family"], "success": bool(r["success"]), "spl": r["spl"],
              "coverage": r["coverage"], "collisions": int(r["collisions"]),
              "decisions": len(actions), "truncated": r["truncated"]}
    return record, decider.observations, actions, frames, accept, has_set


class _Labelled:
    """The decider of a recorded episode: the expert labels every decision; the learner's
    action is executed instead, unless `mix` draws the expert's (probability `beta`)."""

    def __init__(self, env: Any, expert: Any, learner: Any, beta: float,
                 mix: np.random.Generator):
        self.env, self.expert, self.learner, self.beta, self.mix = env, expert, learner, beta, mix
        self.observations: list[dict] = []
        self.labels: list[np.ndarray] = []
        self.step_index: list[int] = []

    def reset(self) -> None:
        if self.learner is not None:
            self.learner.reset()

    def __call__(self, obs: dict[str, np.ndarray]) -> np.ndarray:
        label = self.expert.act(self.env)
        self.step_index.append(self.env.unwrapped.progress.index)
        self.observations.append(obs)
        self.labels.append(label)
        if self.learner is not None:
            mine = self.learner(obs)
            if self.mix.random() >= self.beta:
                return mine
        return label


def _run_job(job: CollectJob) -> dict[str, Any]:
    import torch

    from agent.policies.learned import LearnedPolicy
    from sim.expert import Expert
    from sim.motor_expert import MotorExpert

    torch.set_num_threads(1)
    cfg = EnvConfig(**{**job.env, "id": job.env_id})
    motor = cfg.level == "motor"
    learner = LearnedPolicy.load(shipped(job.policy), motor=motor) if job.policy else None
    env_kwargs: dict[str, Any] = {}
    if job.perception != "oracle":
        perceiver = learner if job.perception == job.policy and learner else \
            LearnedPolicy.load(shipped(job.perception))
        env_kwargs["perception"] = perceiver.perception()
    env = cfg.make(**env_kwargs)
    expert = MotorExpert(env) if motor else Expert(env)
    writer = ShardWriter()
    try:
        for seed in job.seeds:
            with named_episode(job.env_id, seed, cfg.split):
                rec, obs, acts, frames, accept, has = record_episode(
                    env, expert, seed, learner, job.beta, job.frame_every)
            rec.update(env=job.env_id, split=cfg.split,
                       decided_by="expert" if job.policy is None else job.policy)
            writer.add_episode(rec, obs, acts, frames, accept, has)
    finally:
        env.close()
    npz, records = writer.encode()  # the driver writes it: a worker may share no disk with it
    return {"shard": job.shard, "npz": npz, "records": records, "episodes": len(writer.records),
            "decisions": len(writer.decisions["action"]),
            "frames": len(writer.frames["frame_rgb"]),
            "success": sum(r["success"] for r in writer.records)}


def plan_jobs(out: str | Path, env_cfg: EnvConfig, env_ids: list[str], episodes: int,
              first_seed: int = 0, frame_every: int = 16, policy: str | None = None,
              beta: float = 0.0, perception: str = "oracle") -> list[CollectJob]:
    """One job per shard of EPISODES_PER_SHARD seeded episodes of each id."""
    jobs = []
    for env_id in env_ids:
        name = env_id.split("/")[-1]
        seeds = list(range(first_seed, first_seed + episodes))
        for i in range(0, len(seeds), EPISODES_PER_SHARD):
            chunk = seeds[i:i + EPISODES_PER_SHARD]
            jobs.append(CollectJob(asdict(env_cfg), env_id, chunk,
                                   str(Path(out) / f"{name}-{chunk[0]:07d}"), frame_every,
                                   policy, beta, perception))
    return jobs


def collect(out: str | Path, jobs: list[CollectJob], workers: int = 1, progress: bool = True,
            meta: dict[str, Any] | None = None, run: RunConfig | None = None) -> dict[str, Any]:
    """Run the jobs whose shard does not exist yet (`run`: where), writing each shard as it comes
    back; write `manifest.json`; return totals."""
    from tqdm import tqdm

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    todo = [j for j in jobs if not Path(j.shard + ".npz").exists()]
    t0 = time.time()
    total = {"episodes": 0, "decisions": 0, "frames": 0, "success": 0}
    bar = tqdm(total=sum(len(j.seeds) for j in todo), desc="collect", unit="ep",
               file=sys.stderr, disable=not progress, mininterval=10)
    ship = sorted({p for j in todo for p in (j.policy, j.perception) if p and p != "oracle"})
    stats = PoolStats()
    try:
        for res in pool_map(_run_job, todo, workers, run=run, ship=ship, stats=stats):
            write_shard(res["shard"], res["npz"], res["records"])
            for k in total:
                total[k] += res[k]
            bar.update(res["episodes"])
            bar.set_postfix(success=f"{total['success'] / max(total['episodes'], 1):.2f}")
    finally:  # a failed run's error prints below a finished bar, not on it
        bar.close()
    summary = {**total, "shards_written": len(todo), "shards_skipped": len(jobs) - len(todo),
               "seconds": round(time.time() - t0, 1), "workers": workers,
               "backend": "ray" if run and run.uses_ray else "local", "jobs_retried": stats.retried}
    manifest = out / "manifest.json"
    runs = json.loads(manifest.read_text()) if manifest.exists() else []
    runs.append({**(meta or {}), **summary})
    manifest.write_text(json.dumps(runs, indent=1))
    return summary


