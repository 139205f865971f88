"""The skill-level env: one step is one decision, a skill and a cell of the map."""

from __future__ import annotations

from typing import Any

from gymnasium import spaces

from sim.actions import CLEAN, N_CELLS, NAVIGATE, OBJECT_SNAP, SKILLS, STOP
from sim.envs.base import RoombyBaseEnv

__all__ = ["CLEAN", "N_CELLS", "NAVIGATE", "OBJECT_SNAP", "SKILLS", "STOP", "RoombySkillEnv"]



class RoombySkillEnv(RoombyBaseEnv):
    """## Description
    A robot vacuum in a procedurally generated PyBullet home follows a natural-language
    instruction. Each step is a decision: the policy picks a skill and a cell of the 48x48 map
    (25 cm cells, a 12 m square); classical skills drive the wheels for as many 0.1 s control
    periods as they need, the camera writing the semantic layer of the map along the way.

    ## Mission
    The instruction, e.g. "vacuum under the red couch in the living room" (token ids in
    `obs["instruction"]`; the text in `info["instruction"]`, the goal in `info["goal"]`).
    Families: goto_object, goto_room, vacuum_under, vacuum_room, sequence (two steps),
    sequence3 (three), and two whose last step goes back to where the robot was, which only a
    memory of the episode knows: return ("..., then come back here") and previous_room
    ("..., then go back to the room you were just in"); see `sim.tasks`.

    ## Action Space
    `MultiDiscrete([3, 2304])`: skill (0 stop, 1 navigate, 2 clean) and map cell
    (row * 48 + col). navigate drives (A* + pure pursuit) to the reachable point nearest the
    cell's centre. clean covers the floor under the raised object or rug within 0.2 m of the
    cell, else the room the cell is in. stop ends the episode.

    ## Observation
    Dict: `rgb` uint8 (3, H, W), `depth` float32 (1, H, W) metres, `map` float32 (29, 48, 48)
    (channels in `sim.semantic_map.MAP_CHANNELS`), `pose` (x, y, cos, sin), `instruction` int64
    (32,) token ids, 0 = padding. With `realism="realistic"` (sim/realism/) the images are noisy
    and `pose` is the robot's drifting odometry; rewards and success use the true pose.

    ## Rewards
    -0.01 per decision, -0.01 per control period in contact with an obstacle, +1 x the gain in
    cleaned fraction of the current step's region for vacuum steps, +0.5 when a step of a
    sequence is completed, and at stop +1 on success or -0.2 otherwise.

    ## Termination
    Terminates when the policy chooses stop; truncated by the registered time limit (decisions).
    `info` carries success, spl, coverage, collisions and steps (see `sim.progress`).
    """

    def __init__(self, *args: Any, render_every: int = 3, max_periods: int = 4000, **kw: Any):
        super().__init__(*args, **kw)
        self.render_every = render_every
        self.max_periods = max_periods
        self.action_space = spaces.MultiDiscrete([len(SKILLS), N_CELLS])

    def _run(self, skill) -> None:
        self.skill = skill
        since = 0
        for _ in range(self.max_periods):
            cmd = skill.step(self.pose_estimate())
            if cmd is None:
                break
            self._period(*cmd)
            since += 1
            if since >= self.render_every:
                self._sense()
                since = 0

    def step(self, action):
        skill, cell = int(action[0]), int(action[1])
        if not (0 <= skill < len(SKILLS) and 0 <= cell < N_CELLS):
            raise ValueError(f"action {action} is outside MultiDiscrete([{len(SKILLS)}, "
                             f"{N_CELLS}])")
        self.decisions += 1
        pr = self.progress
        vacuuming = pr.current["task"].startswith("vacuum")
        before_cov = pr.region_coverage(self.dirt.cleaned) if vacuuming else 0.0
        before_step = pr.index
        before_coll = pr.collisions
        reward = -0.01
        terminated = False
        x, y, _ = self.world.pose()
        if skill == STOP:
            terminated = True
            reward += 1.0 if pr.stop((x, y), self.dirt.cleaned) else -0.2
        else:
            self._run(self.skill_runner(skill, cell))
            x, y, _ = self.world.pose()
            if pr.index == before_step and vacuuming:
                reward += pr.region_coverage(self.dirt.cleaned) - before_cov
            reward += 0.5 * pr.after_decision((x, y), self.dirt.cleaned)
        reward -= 0.01 * (pr.collisions - before_coll)
        self._sense()
        return self._obs(), float(reward), terminated, False, self._info()
