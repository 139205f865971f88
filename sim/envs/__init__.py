"""Gymnasium envs (import this module to use the classes; `import sim` registers the ids)."""

from __future__ import annotations

from sim.envs.motor_env import MOTOR_ACTIONS, RoombyMotorEnv
from sim.envs.skill_env import SKILLS, RoombySkillEnv

__all__ = ["MOTOR_ACTIONS", "SKILLS", "RoombyMotorEnv", "RoombySkillEnv"]
