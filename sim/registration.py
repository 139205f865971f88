"""Registered Gymnasium ids, each with its time limit (decisions, or control periods for motor).

Curriculum: one room -> the whole home (3-6 rooms). `Roomby/Mixed-v0` samples every family.
"""

from __future__ import annotations

import gymnasium as gym

SKILL_ENTRY = "sim.envs.skill_env:RoombySkillEnv"
MOTOR_ENTRY = "sim.envs.motor_env:RoombyMotorEnv"

# id: (entry point, max_episode_steps, kwargs)
ENV_SPECS: dict[str, tuple[str, int, dict]] = {
    "Roomby/GoToObject-OneRoom-v0": (SKILL_ENTRY, 16, {"task": "goto_object", "n_rooms": 1}),
    "Roomby/GoToObject-v0": (SKILL_ENTRY, 40, {"task": "goto_object"}),
    "Roomby/GoToRoom-v0": (SKILL_ENTRY, 16, {"task": "goto_room"}),
    "Roomby/VacuumUnder-OneRoom-v0": (SKILL_ENTRY, 16, {"task": "vacuum_under", "n_rooms": 1}),
    "Roomby/VacuumUnder-v0": (SKILL_ENTRY, 40, {"task": "vacuum_under"}),
    "Roomby/VacuumRoom-v0": (SKILL_ENTRY, 16, {"task": "vacuum_room"}),
    "Roomby/Sequence-v0": (SKILL_ENTRY, 48, {"task": "sequence"}),
    "Roomby/Mixed-OneRoom-v0": (SKILL_ENTRY, 24, {"task": "mixed", "n_rooms": 1}),
    "Roomby/Mixed-v0": (SKILL_ENTRY, 48, {"task": "mixed"}),
    "Roomby/GoToObject-OneRoom-Motor-v0": (MOTOR_ENTRY, 1500,
                                           {"task": "goto_object", "n_rooms": 1}),
    "Roomby/Mixed-Motor-v0": (MOTOR_ENTRY, 6000, {"task": "mixed"}),
}


def register_envs() -> None:
    for env_id, (entry, steps, kwargs) in ENV_SPECS.items():
        if env_id not in gym.registry:
            gym.register(env_id, entry_point=entry, max_episode_steps=steps, kwargs=kwargs)
