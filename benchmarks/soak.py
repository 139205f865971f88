"""Soak and burst: `roomby-sim-node` and `roomby-agent-node` as separate processes on a private
ROS_DOMAIN_ID, commanded from this process for a long time, then all at once.

Soak: every `--every` seconds (jittered) one of: a command (one, two or three steps), a
pre-emption (a command while one runs), garbage (noise, empty, huge, unicode), an emergency
stop. Checked: every command is answered on `/roomby/status` (its number in `received`) within
`--answer-within` seconds; after an e-stop the robot's odometry shows no motion until the next
command; both nodes stay alive; their resident memory (VmRSS) grows less than `--max-growth`
between the end of the warm-up (a fifth of the run, at least 30 s of a short one) and the end.

Burst: `--burst` commands at `--burst-rate` Hz; each answered, and the last one is the one the
agent carries out.

    .venv/bin/python benchmarks/soak.py --minutes 60 [--burst 1000 --burst-rate 50] [--json F]

Prints the figures; exit status 1 when a check fails (tests/ros/test_soak.py runs it short).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import rclpy
from nav_msgs.msg import Odometry
from rclpy.executors import SingleThreadedExecutor
from ros_loop import rss_mib, start  # benchmarks/ros_loop.py (the script's folder is on sys.path)
from std_msgs.msg import Empty, String

from ros import topics

COMMANDS = [
    "go to the kitchen", "go to the bedroom", "vacuum the living room",
    "vacuum under the bed", "go to the couch", "clean the bathroom",
    "vacuum under the table, then go to the hallway",
    "go to the kitchen and then go to the bedroom",
    "go to the bathroom, then vacuum the kitchen, then go to the living room",
]
GARBAGE = ["", "   ", "flibber the wug", "what's the weather", "🧹🧹🧹", "go go go go",
           "vacuum under the " + "very " * 4000 + "red couch", "\x00\x01", "über küche"]
MOVING = 1e-3  # m/s or rad/s: odometry twist above this is motion


class Driver:
    """This process's ROS side: publishers, and everything the nodes say, timestamped."""

    def __init__(self, domain: int):
        self.ctx = rclpy.Context()
        rclpy.init(context=self.ctx, domain_id=domain)
        self.node = rclpy.create_node("roomby_soak", context=self.ctx)
        self.ex = SingleThreadedExecutor(context=self.ctx)
        self.ex.add_node(self.node)
        self.pub_cmd = self.node.create_publisher(String, topics.COMMAND, topics.EVENTS)
        self.pub_stop = self.node.create_publisher(Empty, topics.STOP, 10)
        self.status: list[tuple[float, dict]] = []
        self.motion: list[tuple[float, float]] = []  # (time, |v| + |w|) from /odom
        self.node.create_subscription(String, topics.STATUS, self._on_status, topics.EVENTS)
        self.node.create_subscription(Odometry, topics.ODOM, self._on_odom, 10)

    def _on_status(self, msg: String) -> None:
        self.status.append((time.monotonic(), json.loads(msg.data)))

    def _on_odom(self, msg: Odometry) -> None:
        t = msg.twist.twist
        self.motion.append((time.monotonic(), abs(t.linear.x) + abs(t.angular.z)))

    def spin(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.ex.spin_once(timeout_sec=min(0.02, max(0.0, end - time.monotonic())))

    def spin_until(self, done, timeout: float) -> bool:
        end = time.monotonic() + timeout
        while time.monotonic() < end and not done():
            self.ex.spin_once(timeout_sec=0.02)
        return bool(done())

    def received(self) -> int:
        return max((s.get("received", 0) for _, s in self.status), default=0)

    def close(self) -> None:
        self.ex.shutdown()
        self.node.destroy_node()
        rclpy.shutdown(context=self.ctx)


def answer_times(driver: Driver, sent: list[tuple[float, int]]) -> list[float | None]:
    """Seconds from sending command k to the first status with received >= k (None: never)."""
    out = []
    for t_sent, k in sent:
        t = next((ts for ts, s in driver.status if s.get("received", 0) >= k and ts >= t_sent),
                 None)
        out.append(None if t is None else t - t_sent)
    return out


def soak(driver: Driver, procs: dict, seconds: float, every: float, rng: random.Random) -> dict:
    sent: list[tuple[float, int]] = []  # (time, command number)
    kinds = {"command": 0, "pre-emption": 0, "garbage": 0, "stop": 0}
    stops: list[tuple[float, float]] = []  # (e-stop time, next command time)
    warm_at = time.monotonic() + max(seconds / 5, min(30.0, seconds / 2))
    rss_warm: dict[str, float] = {}
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if not rss_warm and time.monotonic() >= warm_at:
            rss_warm = {name: rss_mib(p.pid)[0] for name, p in procs.items()}
        kind = rng.choices(list(kinds), weights=[4, 2, 2, 1])[0]
        executing = driver.status and driver.status[-1][1]["state"] == "executing"
        if kind == "pre-emption" and not executing:
            kind = "command"
        kinds[kind] += 1
        if kind == "stop":
            driver.pub_stop.publish(Empty())
            stops.append((time.monotonic(), end))
        else:
            text = rng.choice(GARBAGE if kind == "garbage" else COMMANDS)
            if kind != "garbage":  # a refused command leaves the robot stopped
                stops = [(t0, min(t1, time.monotonic())) for t0, t1 in stops]
            driver.pub_cmd.publish(String(data=text))
            sent.append((time.monotonic(), len(sent) + 1))
        driver.spin(every * rng.uniform(0.5, 1.5))
    driver.spin(2.0)
    rss_end = {name: rss_mib(p.pid)[0] for name, p in procs.items()}
    answers = answer_times(driver, sent)
    got = [a for a in answers if a is not None]
    moved_after_stop = [t for t, speed in driver.motion if speed > MOVING
                        and any(t0 + 0.5 < t < t1 for t0, t1 in stops)]
    return {
        "seconds": seconds, "sent": kinds, "commands": len(sent),
        "answered": len(got), "unanswered": len(answers) - len(got),
        "answer_p50_ms": 1000 * statistics.median(got) if got else None,
        "answer_max_ms": 1000 * max(got) if got else None,
        "e_stops": len(stops), "odometry_moving_after_e_stop": len(moved_after_stop),
        "odometry_moving": sum(speed > MOVING for _, speed in driver.motion),
        "rss_warm_mib": rss_warm, "rss_end_mib": rss_end,
        "rss_growth": {n: rss_end[n] / rss_warm[n] - 1 for n in rss_end if n in rss_warm},
    }


def burst(driver: Driver, n: int, rate: float) -> dict:
    first = driver.received() + 1
    t0 = time.monotonic()
    last = ""
    for i in range(n):
        last = f"{COMMANDS[i % len(COMMANDS)]}" if i < n - 1 else "go to the living room"
        driver.pub_cmd.publish(String(data=last))
        driver.spin(max(0.0, t0 + (i + 1) / rate - time.monotonic()))
    send_s = time.monotonic() - t0
    driver.spin_until(lambda: driver.received() >= first + n - 1, 30.0)

    def started_last() -> bool:
        return any(s["instruction"] == last and s["message"].startswith("policy reads")
                   and s["received"] == first + n - 1 for t, s in driver.status if t >= t0)

    driver.spin_until(started_last, 10.0)
    seen = {s.get("received") for t, s in driver.status if t >= t0}
    acked = sum(1 for k in range(first, first + n) if k in seen)
    starts = {s["received"] for t, s in driver.status
              if t >= t0 and s["message"].startswith("policy reads")}
    return {"commands": n, "rate_hz": n / send_s, "acknowledged": acked,
            "lost": n - acked, "latest_started": started_last(), "started": len(starts),
            "started_per_s": len(starts) / send_s,
            "drain_s": time.monotonic() - t0 - send_s}


def run(args: argparse.Namespace) -> dict:
    domain = 1 + (os.getpid() + args.seed) % 101  # ROS keeps ids above 101 for other uses
    os.environ.update(ROS_DOMAIN_ID=str(domain), ROS_AUTOMATIC_DISCOVERY_RANGE="LOCALHOST")
    work = Path(tempfile.mkdtemp(prefix="roomby_soak_"))
    procs = {"sim": start("roomby-sim-node", work / "sim.log", env_id="Roomby/Mixed-v0",
                          seed=args.seed),
             "agent": start("roomby-agent-node", work / "agent.log")}
    driver = Driver(domain)
    try:
        if not driver.spin_until(lambda: bool(driver.status) and bool(driver.motion), 120):
            raise SystemExit(f"the nodes did not come up; logs in {work}")
        out = {"soak": soak(driver, procs, args.minutes * 60, args.every,
                            random.Random(args.seed))}
        if args.burst:
            out["burst"] = burst(driver, args.burst, args.burst_rate)
        out["alive"] = {name: p.poll() is None for name, p in procs.items()}
        out["logs"] = str(work)
        return out
    finally:
        driver.close()
        for p in procs.values():
            p.terminate()
            p.wait(timeout=20)


def failures(out: dict, args: argparse.Namespace) -> list[str]:
    s, bad = out["soak"], []
    if s["unanswered"]:
        bad.append(f"{s['unanswered']} commands never answered")
    if s["answer_max_ms"] is not None and s["answer_max_ms"] > 1000 * args.answer_within:
        bad.append(f"slowest answer {s['answer_max_ms']:.0f} ms")
    if s["odometry_moving_after_e_stop"]:
        bad.append(f"{s['odometry_moving_after_e_stop']} odometry messages moving after e-stops")
    bad += [f"{n} died" for n, alive in out["alive"].items() if not alive]
    bad += [f"{n} RSS grew {g:.1%}" for n, g in s["rss_growth"].items() if g > args.max_growth]
    b = out.get("burst")
    if b and (b["lost"] or not b["latest_started"]):
        bad.append(f"burst: {b['lost']} lost, latest started: {b['latest_started']}")
    if b and b["started_per_s"] > 11:  # the agent node's control rate is 10 Hz
        bad.append(f"burst: {b['started_per_s']:.1f} commands started a second")
    return bad


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--every", type=float, default=3.0, help="mean seconds between events")
    ap.add_argument("--burst", type=int, default=1000, help="commands in the burst (0: none)")
    ap.add_argument("--burst-rate", type=float, default=50.0)
    ap.add_argument("--answer-within", type=float, default=1.0)
    ap.add_argument("--max-growth", type=float, default=0.10)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", metavar="FILE", help="also write the figures here")
    args = ap.parse_args(argv)
    out = run(args)
    out["failures"] = failures(out, args)
    s = out["soak"]
    print(f"soak {s['seconds'] / 60:.1f} min: {s['sent']}; {s['answered']}/{s['commands']} "
          f"commands answered (p50 {s['answer_p50_ms']:.0f} ms, max {s['answer_max_ms']:.0f} "
          f"ms); odometry moving in {s['odometry_moving']} messages, in "
          f"{s['odometry_moving_after_e_stop']} after {s['e_stops']} e-stops")
    for n in s["rss_end_mib"]:
        print(f"  {n}: RSS {s['rss_warm_mib'].get(n, float('nan')):.0f} -> "
              f"{s['rss_end_mib'][n]:.0f} MiB ({s['rss_growth'].get(n, float('nan')):+.1%})")
    if "burst" in out:
        b = out["burst"]
        print(f"burst: {b['commands']} at {b['rate_hz']:.0f} Hz: {b['acknowledged']} "
              f"acknowledged, {b['lost']} lost, {b['started']} started "
              f"({b['started_per_s']:.1f} a second), latest started {b['latest_started']}, "
              f"drained {b['drain_s']:.1f} s after the last")
    print(f"alive: {out['alive']}; logs: {out['logs']}")
    print("FAILED: " + "; ".join(out["failures"]) if out["failures"] else "all checks passed")
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1))
    return 1 if out["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
