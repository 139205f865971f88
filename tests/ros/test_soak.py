"""The soak and burst benchmark (benchmarks/soak.py), run short: both nodes as processes, a
command, garbage or e-stop every two seconds for a minute, then 1 000 commands at 50 Hz.
Memory growth is only loosely bounded here (a minute is mostly warm-up); docs/reliability.md has
the hour-long run's figures, with the 10 % bound."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_a_minute_of_commands_and_a_burst_lose_nothing(tmp_path: Path):
    pytest.importorskip("rclpy")
    out = tmp_path / "soak.json"
    r = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "soak.py"), "--minutes", "1",
                        "--every", "2", "--burst", "1000", "--burst-rate", "50",
                        "--seed", "3", "--max-growth", "0.5", "--json", str(out)],
                       capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert out.exists(), r.stdout + r.stderr
    figures = json.loads(out.read_text())
    soak, burst = figures["soak"], figures["burst"]
    # What the run did, so that "nothing failed" means something.
    assert soak["commands"] >= 15 and soak["sent"]["garbage"] >= 1, soak
    assert soak["sent"]["stop"] >= 1 and soak["sent"]["pre-emption"] >= 1, soak
    assert soak["answered"] == soak["commands"], soak
    assert soak["answer_max_ms"] < 1000, soak
    assert soak["odometry_moving"] > 0 and soak["odometry_moving_after_e_stop"] == 0, soak
    assert all(figures["alive"].values()), r.stdout
    assert burst["acknowledged"] == burst["commands"] == 1000 and burst["latest_started"], burst
    assert r.returncode == 0, r.stdout + r.stderr
