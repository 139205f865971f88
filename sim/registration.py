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
    "Roomby/Sequence3-v0": (SKILL_ENTRY, 64, {"task": "sequence3"}),
    "Roomby/Return-v0": (SKILL_ENTRY, 48, {"task": "return"}),
    "Roomby/PreviousRoom-v0": (SKILL_ENTRY, 64, {"task": "previous_room"}),
    "Roomby/Mixed-OneRoom-v0": (SKILL_ENTRY, 24, {"task": "mixed", "n_rooms": 1}),
    "Roomby/Mixed-v0": (SKILL_ENTRY, 48, {"task": "mixed"}),
    "Roomby/GoToObject-OneRoom-Motor-v0": (MOTOR_ENTRY, 1500,
                                           {"task": "goto_object", "n_rooms": 1}),
    "Roomby/Mixed-Motor-v0": (MOTOR_ENTRY, 6000, {"task": "mixed"}),
}

FAMILY_IDS: dict[str, str] = {
    kwargs["task"]: env_id for env_id, (entry, _, kwargs) in ENV_SPECS.items()
    if entry == SKILL_ENTRY and "n_rooms" not in kwargs and kwargs["task"] != "mixed"
}
"""Task family -> its whole-home skill-level id: what `roomby eval --families` and DAgger run."""


def family_ids(families: list[str]) -> list[str]:
    """Family names -> their ids (every family when empty); an unknown name is a ValueError that
    lists the known ones."""
    unknown = [f for f in families if f not in FAMILY_IDS]
    if unknown:
        name = unknown[0] if len(unknown[0]) <= 40 else unknown[0][:37] + "..."
        raise ValueError(f"unknown family {name!r}; known: {', '.join(FAMILY_IDS)}")
    return [FAMILY_IDS[f] for f in (families or FAMILY_IDS)]


def register_envs() -> None:
    for env_id, (entry, steps, kwargs) in ENV_SPECS.items():
        if env_id not in gym.registry:
            gym.register(env_id, entry_point=entry, max_episode_steps=steps, kwargs=kwargs)
