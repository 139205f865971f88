"""The ROS loop as a robot runs it: `roomby-sim-node` and `roomby-agent-node` as separate
processes on a private ROS_DOMAIN_ID (localhost discovery), commands from this process.

Per backend (torch: the shipped checkpoint; onnx: that checkpoint exported by `roomby export`)
and per episode: the latency from publishing the command to the first `/cmd_vel` and to the
first non-zero one, the achieved control rate (cmd_vel messages per second while executing, and
the 50th/95th percentile of the gaps between them), the outcome the sim judged, and the agent
node's resident memory (VmRSS, and its peak VmHWM).

With `--viewer none --viewer all` each backend runs twice, without and with the agent node's viewer
topics (parameter `viewer`; this process subscribes to them as RViz would), and the summary
gives the ratio of the command -> first /cmd_vel latency and the control rate, side by side.

    .venv/bin/python benchmarks/ros_loop.py [--episodes 3] [--backends torch,onnx]
        [--viewer none --viewer all]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import rclpy
from geometry_msgs.msg import Twist
from rclpy.executors import SingleThreadedExecutor
from std_msgs.msg import String

from ros import topics
from ros.viewer import CLASSES, viewer_topics

BIN = Path(sys.executable).parent
ENV_ID = "Roomby/GoToRoom-v0"


def rss_mib(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) of a process in MiB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(("VmRSS", "VmHWM")):
            key, value = line.split(":")
            fields[key] = int(value.split()[0]) / 1024
    return fields["VmRSS"], fields["VmHWM"]


def start(script: str, log: Path, **params: object) -> subprocess.Popen:
    args = [str(BIN / script), "--ros-args"]
    for k, v in params.items():
        args += ["-p", f"{k}:={str(v).lower() if isinstance(v, bool) else v}"]
    return subprocess.Popen(args, stdout=log.open("w"), stderr=subprocess.STDOUT)


def run_backend(backend: str, bundle: str, episodes: int, seeds: list[int], work: Path,
                viewer: str = "none") -> list[dict]:
    domain = random.randint(101, 200)
    os.environ.update(ROS_DOMAIN_ID=str(domain), ROS_AUTOMATIC_DISCOVERY_RANGE="LOCALHOST")
    ctx = rclpy.Context()
    rclpy.init(context=ctx, domain_id=domain)
    node = rclpy.create_node("roomby_bench", context=ctx)
    ex = SingleThreadedExecutor(context=ctx)
    ex.add_node(node)
    sim_status: list[dict] = []
    status: list[dict] = []
    cmd_vel: list[tuple[float, bool]] = []
    node.create_subscription(String, "/roomby/sim_status",
                             lambda m: sim_status.append(json.loads(m.data)), 10)
    node.create_subscription(String, "/roomby/status",
                             lambda m: status.append(json.loads(m.data)), 10)
    node.create_subscription(
        Twist, "/cmd_vel", lambda m: cmd_vel.append(
            (time.monotonic(), abs(m.linear.x) + abs(m.angular.z) > 1e-6)), 10)
    viewed = {t: 0 for t in viewer_topics(viewer)}
    for t in viewed:
        qos = topics.SENSOR_QOS if t == topics.CAMERA_OVERLAY else topics.MAP_QOS
        node.create_subscription(CLASSES[topics.VIEWER[t]], t,
                                 lambda m, t=t: viewed.__setitem__(t, viewed[t] + 1), qos)
    command = node.create_publisher(String, "/roomby/command", 10)
    reset = node.create_publisher(String, "/roomby/sim_reset", 10)
    rooms = work / "rooms.yaml"
    sim = start("roomby-sim-node", work / f"sim_{backend}_{viewer}.log", env_id=ENV_ID,
                seed=seeds[0], rooms_file=rooms)
    extra = {"bundle": bundle} if bundle else {}
    agent = start("roomby-agent-node", work / f"agent_{backend}_{viewer}.log",
                  backend=backend, rooms_file=rooms, viewer=viewer, **extra)

    def spin_until(done, timeout: float) -> bool:
        end = time.monotonic() + timeout
        while time.monotonic() < end and not done():
            ex.spin_once(timeout_sec=0.02)
        return bool(done())

    rows = []
    try:
        if not spin_until(lambda: sim_status and status and command.get_subscription_count(),
                          90):
            raise RuntimeError(f"nodes did not come up; logs in {work}")
        rss_idle = rss_mib(agent.pid)[0]
        for i in range(episodes):
            if i > 0:
                reset.publish(String(data=json.dumps({"seed": seeds[i]})))
                spin_until(lambda i=i: sim_status[-1]["seed"] == seeds[i], 30)
            instruction = sim_status[-1]["instruction"]
            n_vel, n_status = len(cmd_vel), len(status)
            t0 = time.monotonic()
            command.publish(String(data=instruction))
            # The agent's periodic status may still say how the last command ended: wait for
            # this command to be executing first.
            spin_until(lambda n=n_status, text=instruction: any(
                s["state"] == "executing" and s["instruction"] == text for s in status[n:]), 10)
            finished = spin_until(lambda n=n_status, text=instruction: any(
                s["state"] in ("succeeded", "error") and s["instruction"] == text
                and s["step"] > 0 for s in status[n:]), 180)
            t1 = time.monotonic()
            spin_until(lambda: sim_status[-1]["state"] == "stopped", 5)
            vel = cmd_vel[n_vel:]
            times = [t for t, _ in vel if t <= t1]
            gaps = sorted(b - a for a, b in zip(times, times[1:], strict=False))
            first = times[0] - t0 if times else float("nan")
            moving = next((t - t0 for t, m in vel if m), float("nan"))
            rss, peak = rss_mib(agent.pid)
            rows.append({"backend": backend, "viewer": viewer, "seed": seeds[i],
                         "instruction": instruction,
                         "finished": finished, "success": sim_status[-1]["success"],
                         "seconds": t1 - t0, "first_cmd_vel_ms": 1000 * first,
                         "first_motion_ms": 1000 * moving,
                         "rate_hz": (len(times) - 1) / (times[-1] - times[0])
                         if len(times) > 1 else float("nan"),
                         "gap_p50_ms": 1000 * statistics.median(gaps) if gaps else float("nan"),
                         "gap_p95_ms": 1000 * gaps[int(0.95 * (len(gaps) - 1))]
                         if gaps else float("nan"),
                         "rss_idle_mib": rss_idle, "rss_mib": rss, "rss_peak_mib": peak,
                         "viewer_messages": dict(viewed)})
            print(json.dumps(rows[-1]), flush=True)
    finally:
        for p in (agent, sim):
            p.terminate()
            p.wait(timeout=10)
        ex.shutdown()
        node.destroy_node()
        rclpy.shutdown(context=ctx)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--episodes", type=int, default=3)
    ap.add_argument("--backends", default="torch,onnx")
    ap.add_argument("--seeds", default="3,1,2", help="GoToRoom held-out seeds, one per episode")
    ap.add_argument("--viewer", action="append",
                    help="a value of the agent node's 'viewer' parameter (none, all, or a comma "
                         "list of topics); repeat to compare settings side by side "
                         "(default: none)")
    args = ap.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    if len(seeds) < args.episodes:
        ap.error(f"--seeds gives {len(seeds)} seeds for {args.episodes} episodes")
    work = Path(tempfile.mkdtemp(prefix="roomby_ros_loop_"))
    rows = []
    for backend in args.backends.split(","):
        bundle = ""
        if backend == "onnx":
            bundle = str(work / "bundle")
            print("exporting the shipped checkpoint ...", flush=True)
            subprocess.run([str(BIN / "roomby"), "export", "--out", bundle], check=True,
                           stdout=subprocess.DEVNULL)
        for viewer in args.viewer or ["none"]:
            rows += run_backend(backend, bundle, args.episodes, seeds, work, viewer)
    print(f"\n{'backend':8} {'viewer':7} {'seed':>4} {'ok':>3} {'s':>6} {'first cmd_vel':>14} "
          f"{'first motion':>13} {'rate Hz':>8} {'gap p50/p95 ms':>15} {'RSS MiB':>8} "
          f"{'peak':>6}")
    for r in rows:
        print(f"{r['backend']:8} {r['viewer'][:7]:7} {r['seed']:>4} "
              f"{'yes' if r['success'] else 'no':>3} "
              f"{r['seconds']:6.1f} {r['first_cmd_vel_ms']:11.0f} ms {r['first_motion_ms']:10.0f}"
              f" ms {r['rate_hz']:8.2f} {r['gap_p50_ms']:7.0f}/{r['gap_p95_ms']:<7.0f} "
              f"{r['rss_mib']:8.0f} {r['rss_peak_mib']:6.0f}")
    settings = list(dict.fromkeys(r["viewer"] for r in rows))
    if len(settings) > 1:
        base = settings[0]
        print(f"\nside by side, paired by episode (the same seed under each setting): median "
              f"over episodes of the ratio to viewer={base}")
        for backend in dict.fromkeys(r["backend"] for r in rows):
            ref = {r["seed"]: r for r in rows if r["backend"] == backend and r["viewer"] == base}
            for v in settings[1:]:
                mine = [r for r in rows if r["backend"] == backend and r["viewer"] == v]
                lat = statistics.median(r["first_cmd_vel_ms"] / ref[r["seed"]]["first_cmd_vel_ms"]
                                        for r in mine)
                rate = statistics.median(r["rate_hz"] / ref[r["seed"]]["rate_hz"] for r in mine)
                p95 = statistics.median(r["gap_p95_ms"] for r in mine)
                print(f"  {backend:6} viewer={v}: first cmd_vel x{lat:.2f}, rate x{rate:.3f} "
                      f"(median {statistics.median(r['rate_hz'] for r in mine):.2f} Hz), "
                      f"gap p95 {p95:.0f} ms (viewer={base}: "
                      f"{statistics.median(r['gap_p95_ms'] for r in ref.values()):.0f} ms)")
    print(f"\nlogs: {work}")


if __name__ == "__main__":
    main()
