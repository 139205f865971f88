"""A private ROS bus per test (tests/ros/harness.py)."""

from __future__ import annotations

import pytest


@pytest.fixture
def bus(monkeypatch):
    pytest.importorskip("rclpy")
    from harness import Bus

    b = Bus(monkeypatch)
    yield b
    b.close()
