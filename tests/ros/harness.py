"""A private ROS 2 bus for tests: node processes (console scripts) and a test node in this
process, on a random ROS_DOMAIN_ID with localhost-only discovery."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import threading
import time
from pathlib import Path

import rclpy
from rclpy.executors import SingleThreadedExecutor

BIN = Path(sys.executable).parent


class Proc:
    """A node process with its output collected."""

    def __init__(self, script: str, params: dict[str, object], env: dict[str, str]):
        args = [str(BIN / script), "--ros-args"]
        for k, v in params.items():
            v = str(v).lower() if isinstance(v, bool) else v
            args += ["-p", f"{k}:={v}"]
        self.name = script
        self.lines: list[str] = []
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True, env=env)
        threading.Thread(target=lambda: self.lines.extend(self.proc.stdout),
                         daemon=True).start()

    def log(self) -> str:
        return f"--- {self.name} ---\n" + "".join(self.lines)

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self, kill: bool = False) -> None:
        if self.alive:
            self.proc.kill() if kill else self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)


class Bus:
    def __init__(self, monkeypatch):
        self.domain = random.randint(1, 100)
        monkeypatch.setenv("ROS_AUTOMATIC_DISCOVERY_RANGE", "LOCALHOST")
        monkeypatch.setenv("ROS_DOMAIN_ID", str(self.domain))
        self.ctx = rclpy.Context()
        rclpy.init(context=self.ctx, domain_id=self.domain)
        self.node = rclpy.create_node("roomby_test", context=self.ctx)
        self.executor = SingleThreadedExecutor(context=self.ctx)
        self.executor.add_node(self.node)
        self.procs: list[Proc] = []
        self.got: dict[str, list[tuple[float, object]]] = {}

    def start(self, script: str, **params: object) -> Proc:
        proc = Proc(script, params, dict(os.environ))
        self.procs.append(proc)
        return proc

    def record(self, msg_type, topic: str, qos=10) -> list[tuple[float, object]]:
        """Every message on `topic` as (arrival time.monotonic(), message)."""
        got = self.got.setdefault(topic, [])
        self.node.create_subscription(msg_type, topic,
                                      lambda m: got.append((time.monotonic(), m)), qos)
        return got

    def json_log(self, topic: str) -> list[dict]:
        return [json.loads(m.data) for _, m in self.got.get(topic, [])]

    def publisher(self, msg_type, topic: str, qos=10):
        return self.node.create_publisher(msg_type, topic, qos)

    def spin_until(self, done, timeout: float = 30.0) -> bool:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if done():
                return True
            self.executor.spin_once(timeout_sec=0.05)
        return bool(done())

    def spin_for(self, seconds: float) -> None:
        self.spin_until(lambda: False, seconds)

    def logs(self) -> str:
        return "\n".join(p.log() for p in self.procs)

    def close(self) -> None:
        for p in self.procs:
            p.stop()
        self.executor.shutdown()
        self.node.destroy_node()
        rclpy.shutdown(context=self.ctx)
