"""The `roomby_speech` node as a separate process on real DDS: a WAV file to /roomby/command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

rclpy = pytest.importorskip("rclpy")
from harness import Bus  # noqa: E402
from rcl_interfaces.msg import Parameter, ParameterType, ParameterValue  # noqa: E402
from rcl_interfaces.srv import SetParameters  # noqa: E402
from std_msgs.msg import String  # noqa: E402

from agent.speech.synth import speak  # noqa: E402


def _commands(bus: Bus) -> list[str]:
    return [m.data for _, m in bus.got.get("/roomby/command", [])]


def test_node_publishes_a_spoken_command_and_exits(bus: Bus, tmp_path: Path):
    wav = speak("vacuum under the blue table in the kitchen", tmp_path / "cmd.wav")
    bus.record(String, "/roomby/command")
    node = bus.start("roomby-speech-node", wav=wav, once=True)
    assert bus.spin_until(lambda: _commands(bus)), bus.logs()
    assert _commands(bus) == ["vacuum under the blue table in the kitchen"]
    assert node.proc.wait(timeout=15) == 0, bus.logs()


def test_bad_wav_path_warns_and_the_node_keeps_listening(bus: Bus, tmp_path: Path):
    missing = tmp_path / "missing.wav"
    bus.record(String, "/roomby/command")
    node = bus.start("roomby-speech-node", wav=missing, wait_for_subscriber=0.0)
    assert bus.spin_until(lambda: "cannot read" in node.log()), node.log()
    assert f"cannot read {missing}" in node.log() and "WARN" in node.log()
    assert node.alive and _commands(bus) == []
    # Still alive and useful: setting the parameter to a good file publishes that command.
    wav = speak("go to the bedroom", tmp_path / "cmd.wav")
    client = bus.node.create_client(SetParameters, "/roomby_speech/set_parameters")
    assert bus.spin_until(lambda: client.service_is_ready()), node.log()
    value = ParameterValue(type=ParameterType.PARAMETER_STRING, string_value=str(wav))
    future = client.call_async(SetParameters.Request(parameters=[Parameter(name="wav",
                                                                           value=value)]))
    # The command can arrive before the parameter service's reply: wait for both.
    assert bus.spin_until(lambda: _commands(bus) and future.done()), node.log()
    assert future.result().results[0].successful
    assert _commands(bus) == ["go to the bedroom"]


def test_ros_package_imports_without_rclpy():
    code = "import sys; sys.modules['rclpy'] = None; import ros; print('ok')"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr
