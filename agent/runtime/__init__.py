"""The torch-free inference runtime: an exported bundle under onnxruntime, the map and the skills
in numpy. What a robot runs; imports neither torch nor pybullet (tested).

    from agent.runtime import RuntimePolicy
    policy = RuntimePolicy("bundle/")              # roomby export --checkpoint ... --out bundle/
    policy.reset("vacuum under the red couch")
    decision = policy.act(obs)                     # decision.skill_name, decision.cell

`RobotAgent` (agent.runtime.robot) adds the robot's own map and the skills: camera frames and
poses in, velocity commands out.
"""

from __future__ import annotations

from agent.runtime.bundle import Bundle, BundleError, available_providers, load_bundle
from agent.runtime.policy import Command, Decision, Percept, RuntimePolicy

__all__ = ["Bundle", "BundleError", "Command", "Decision", "Percept", "RuntimePolicy",
           "available_providers", "load_bundle"]
