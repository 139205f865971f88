"""The `roomby_speech` node as a separate process on real DDS: a WAV file to /roomby/command."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

rclpy = pytest.importorskip("rclpy")
from rcl_interfaces.msg import Parameter, ParameterType, ParameterValue  # noqa: E402
from rcl_interfaces.srv import SetParameters  # noqa: E402
from rclpy.executors import SingleThreadedExecutor  # noqa: E402
from std_msgs.msg import String  # noqa: E402

from agent.speech.synth import speak  # noqa: E402

NODE = Path(sys.executable).parent / "roomby-speech-node"


class Bus:
    """A subscriber to /roomby/command in this process and a node process, on a private
    domain limited to this machine."""

    def __init__(self, monkeypatch):
        self.domain = random.randint(120, 200)
        monkeypatch.setenv("ROS_AUTOMATIC_DISCOVERY_RANGE", "LOCALHOST")
        monkeypatch.setenv("ROS_DOMAIN_ID", str(self.domain))
        self.ctx = rclpy.Context()
        rclpy.init(context=self.ctx, domain_id=self.domain)
        self.node = rclpy.create_node("speech_test", context=self.ctx)
        self.got: list[str] = []
        self.node.create_subscription(String, "/roomby/command",
                                      lambda m: self.got.append(m.data), 10)
        self.executor = SingleThreadedExecutor(context=self.ctx)
        self.executor.add_node(self.node)
        self.proc: subprocess.Popen | None = None
        self.lines: list[str] = []

    def start(self, *params: str) -> None:
        args = [str(NODE), "--ros-args"]
        for p in params:
            args += ["-p", p]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True, env=dict(os.environ))
        threading.Thread(target=lambda: self.lines.extend(self.proc.stdout), daemon=True).start()

    def spin_until(self, done, timeout: float = 30.0) -> bool:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if done():
                return True
            self.executor.spin_once(timeout_sec=0.1)
        return done()

    def log(self) -> str:
        return "".join(self.lines)

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        self.executor.shutdown()
        self.node.destroy_node()
        rclpy.shutdown(context=self.ctx)


@pytest.fixture
def bus(monkeypatch):
    b = Bus(monkeypatch)
    yield b
    b.close()


def test_node_publishes_a_spoken_command_and_exits(bus: Bus, tmp_path: Path):
    wav = speak("vacuum under the blue table in the kitchen", tmp_path / "cmd.wav")
    bus.start(f"wav:={wav}", "once:=true")
    assert bus.spin_until(lambda: bus.got), bus.log()
    assert bus.got == ["vacuum under the blue table in the kitchen"]
    assert bus.proc.wait(timeout=15) == 0, bus.log()


def test_bad_wav_path_warns_and_the_node_keeps_listening(bus: Bus, tmp_path: Path):
    missing = tmp_path / "missing.wav"
    bus.start(f"wav:={missing}", "wait_for_subscriber:=0.0")
    assert bus.spin_until(lambda: "cannot read" in bus.log()), bus.log()
    assert f"cannot read {missing}" in bus.log() and "WARN" in bus.log()
    assert bus.proc.poll() is None and bus.got == []
    # Still alive and useful: setting the parameter to a good file publishes that command.
    wav = speak("go to the bedroom", tmp_path / "cmd.wav")
    client = bus.node.create_client(SetParameters, "/roomby_speech/set_parameters")
    assert bus.spin_until(lambda: client.service_is_ready()), bus.log()
    value = ParameterValue(type=ParameterType.PARAMETER_STRING, string_value=str(wav))
    future = client.call_async(SetParameters.Request(parameters=[Parameter(name="wav",
                                                                           value=value)]))
    assert bus.spin_until(lambda: bus.got), bus.log()
    assert future.done() and future.result().results[0].successful
    assert bus.got == ["go to the bedroom"]


def test_ros_package_imports_without_rclpy():
    code = "import sys; sys.modules['rclpy'] = None; import ros; print('ok')"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr
