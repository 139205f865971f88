"""The Ray backend of `pool_map` on a real local Ray instance started by these tests: the same
answers as the local backend, files shipped through the object store, a lost worker retried, a
failing job reported once, and evaluation and collection through it."""

from __future__ import annotations

import hashlib
import json
import math
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from agent.demos.collect import collect, plan_jobs
from agent.evaluation.evaluate import evaluate
from agent.workers import PoolStats, RunConfig, pool_map, shipped
from sim.config import EnvConfig

ray = pytest.importorskip("ray")
RAY = RunConfig(backend="ray", max_retries=2)


@pytest.fixture(scope="module", autouse=True)
def local_ray():
    """One Ray instance for the module; `pool_map` uses a connection it finds as it is. Its
    workers import this module's job functions by name, so they get its folder on their path."""
    _start_ray()
    try:
        yield
    finally:
        ray.shutdown()


def _start_ray() -> None:
    here = str(Path(__file__).resolve().parent)
    path = os.pathsep.join(p for p in (here, os.environ.get("PYTHONPATH", "")) if p)
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False,
             runtime_env={"env_vars": {"PYTHONPATH": path}})


@dataclass
class FileJob:
    path: str
    marker: str = ""


def _read(job: FileJob) -> tuple[str, bytes]:
    return shipped(job.path), Path(shipped(job.path)).read_bytes()


def _fail_on_three(job: FileJob) -> str:
    with open(job.marker, "a") as f:
        f.write(f"{job.path}\n")
    if job.path == "3":
        raise ValueError("job 3 is bad")
    return job.path


def _die_once(job: FileJob) -> str:
    """Kills its own worker process the first time (a lost worker), then succeeds."""
    if not os.path.exists(job.marker):
        Path(job.marker).write_text("died")
        os.kill(os.getpid(), signal.SIGKILL)
    return job.path


def _die_always(job: FileJob) -> str:
    os.kill(os.getpid(), signal.SIGKILL)
    return job.path


def test_ray_gives_the_local_answers_in_order_or_as_they_come():
    jobs = [float(i * i) for i in range(10)]
    assert list(pool_map(math.sqrt, jobs, 2, ordered=True, run=RAY)) == \
        list(pool_map(math.sqrt, jobs, 1))
    assert sorted(pool_map(math.sqrt, jobs, 2, run=RAY)) == [float(i) for i in range(10)]


def test_a_shipped_file_reaches_the_worker_through_the_object_store(tmp_path):
    src = tmp_path / "weights.pt"
    src.write_bytes(os.urandom(1000))
    ((where, data),) = pool_map(_read, [FileJob(str(src))], 2, run=RAY, ship=[src])
    assert data == src.read_bytes()
    assert where != str(src) and Path(where).suffix == ".pt"  # the worker read its own copy


def test_a_failing_job_is_reported_once_and_not_retried(tmp_path):
    attempts = tmp_path / "attempts"
    stats = PoolStats()
    with pytest.raises(ValueError, match="job 3 is bad"):
        list(pool_map(_fail_on_three, [FileJob(str(i), str(attempts)) for i in range(1, 5)], 2,
                      run=RAY, stats=stats))
    assert stats.retried == 0
    assert attempts.read_text().split().count("3") == 1


def test_a_lost_worker_costs_its_job_a_retry_not_the_run(tmp_path, capfd):
    jobs = [FileJob(f"job{i}", str(tmp_path / f"marker{i}")) for i in range(3)]
    stats = PoolStats()
    out = list(pool_map(_die_once, jobs, 2, ordered=True, run=RAY, stats=stats))
    assert out == ["job0", "job1", "job2"] and stats.retried == 3
    assert "3 job(s) retried after their worker was lost" in capfd.readouterr().err


def test_a_job_that_keeps_losing_its_worker_fails_the_run(tmp_path):
    with pytest.raises(RuntimeError, match="lost its worker 2 times"):
        list(pool_map(_die_always, [FileJob("x")], 2,
                      run=RunConfig(backend="ray", max_retries=1)))


def _descends_from_us(pid: int) -> bool:
    """Whether `pid` is a descendant of this process (the Ray instance this module started)."""
    while pid > 1:
        if pid == os.getpid():
            return True
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            return False
        pid = int(stat.rsplit(")", 1)[1].split()[1])  # the parent's pid
    return False


def _kill_one_episode_worker(stop: threading.Event, killed: list[int]) -> None:
    """Kill the first of our Ray workers seen running a job (its process title names the task)."""
    while not stop.is_set() and not killed:
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
            if cmdline.startswith(b"ray::_call_job") and _descends_from_us(int(pid)):
                os.kill(int(pid), signal.SIGKILL)
                killed.append(int(pid))
                return
        time.sleep(0.05)


def test_evaluation_on_ray_matches_local_even_when_a_worker_is_killed(capfd):
    env = EnvConfig(split="heldout")
    ids = ["Roomby/GoToRoom-v0", "Roomby/VacuumRoom-v0"]
    local = evaluate(env, ids, 3, "expert", workers=1, progress=False)
    stop, killed = threading.Event(), []
    killer = threading.Thread(target=_kill_one_episode_worker, args=(stop, killed))
    killer.start()
    try:
        remote = evaluate(env, ids, 3, "expert", workers=2, progress=False, run=RAY)
    finally:
        stop.set()
        killer.join()
    assert killed, "no worker was running a job to kill"
    assert remote == local  # every episode once, the same outcome
    assert "retried after their worker was lost" in capfd.readouterr().err


def test_a_learned_policy_evaluates_the_same_through_ray():
    env = EnvConfig(split="heldout")
    local = evaluate(env, ["Roomby/GoToRoom-v0"], 2, "learned", progress=False)
    assert evaluate(env, ["Roomby/GoToRoom-v0"], 2, "learned", progress=False, run=RAY) == local


def _digest(folder: Path) -> dict[str, str]:
    """Per shard, a hash of its arrays and records (npz files also hold zip timestamps)."""
    out = {}
    for npz in sorted(folder.glob("*.npz")):
        h = hashlib.sha256()
        with np.load(npz) as data:
            for key in sorted(data.files):
                h.update(key.encode())
                h.update(np.ascontiguousarray(data[key]).tobytes())
        h.update(npz.with_suffix(".json").read_bytes())
        out[npz.name] = h.hexdigest()
    return out


def test_collection_on_ray_writes_the_same_shards(tmp_path):
    env = EnvConfig(split="train")
    digests = []
    for name, run in (("local", None), ("ray", RAY)):
        jobs = plan_jobs(tmp_path / name, env, ["Roomby/GoToRoom-v0"], 12, frame_every=8)
        res = collect(tmp_path / name, jobs, 2, progress=False, run=run)
        assert res["shards_written"] == 2 and res["episodes"] == 12
        digests.append(_digest(tmp_path / name))
    assert len(digests[0]) == 2 and digests[0] == digests[1]
    manifest = json.loads((tmp_path / "ray" / "manifest.json").read_text())
    assert manifest[-1]["backend"] == "ray" and manifest[-1]["jobs_retried"] == 0


def test_the_cli_runs_on_ray_from_the_config_key_or_the_flag():
    """`roomby eval` starts (and stops) its own Ray instance; the same results as local."""
    base = [sys.executable, "-m", "agent.cli", "eval", "--policy", "expert", "--families",
            "goto_room", "--episodes", "2", "--workers", "2", "--json"]
    outs = []
    for extra in ([], ["--set", "run.backend=ray"], ["--backend", "ray"]):
        r = subprocess.run(base + extra, capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stderr
        outs.append(json.loads(r.stdout)["results"])
    assert outs[0] == outs[1] == outs[2]


def test_bad_run_settings_are_named(tmp_path):
    with pytest.raises(ValueError, match="run.max_retries must be 0 or more"):
        list(pool_map(math.sqrt, [1.0], 1, run=RunConfig(backend="ray", max_retries=-1)))
    with pytest.raises(FileNotFoundError, match="missing.pt: no such file"):
        list(pool_map(_read, [FileJob("x")], 1, run=RAY, ship=[tmp_path / "missing.pt"]))


def test_an_address_where_no_cluster_answers_is_a_clear_error_not_a_wait():
    t0 = time.monotonic()
    r = subprocess.run([sys.executable, "-m", "agent.cli", "eval", "--policy", "expert",
                        "--families", "goto_room", "--episodes", "1", "--ray-address",
                        "127.0.0.1:9"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "no Ray cluster answers there" in r.stderr, r.stderr
    assert time.monotonic() - t0 < 60
