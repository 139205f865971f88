"""Roomby's world: procedural homes, the robot, dirt, tasks, skills and Gymnasium envs.

`import sim` never imports pybullet: the skills, grids and language are reused on a robot.
The Gymnasium ids (``Roomby/*-v0``) are registered on import.
"""

from __future__ import annotations

from sim.registration import ENV_SPECS, register_envs

register_envs()

__all__ = ["ENV_SPECS", "register_envs"]
