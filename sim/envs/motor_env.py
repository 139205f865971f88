"""The motor-level env: discrete wheel actions every control period (for research/ablations)."""

from __future__ import annotations

from typing import Any

from gymnasium import spaces

from sim.envs.base import RoombyBaseEnv

MOTOR_ACTIONS: tuple[str, ...] = ("forward", "left", "right", "stop")
FORWARD_SPEED = 0.3  # m/s
TURN_RATE = 1.2  # rad/s


class RoombyMotorEnv(RoombyBaseEnv):
    """## Description
    The same homes, tasks and observations as the skill-level env, but the policy drives the
    wheels itself: one step is one 0.1 s control period with a camera frame.

    ## Mission
    The instruction (`obs["instruction"]`, `info["instruction"]`).

    ## Action Space
    `Discrete(4)`: 0 forward (0.3 m/s), 1 turn left, 2 turn right (1.2 rad/s in place), 3 stop.

    ## Observation
    As the skill-level env.

    ## Rewards
    -0.001 per control period, -0.01 per period in contact with an obstacle, +1 x the gain in
    cleaned fraction of the current step's region for vacuum steps, +0.5 per completed step of a
    sequence, and at stop +1 on success or -0.2 otherwise.

    ## Termination
    Terminates at stop; truncated by the registered time limit (control periods).
    """

    def __init__(self, *args: Any, **kw: Any):
        super().__init__(*args, **kw)
        self.action_space = spaces.Discrete(len(MOTOR_ACTIONS))

    def step(self, action):
        a = int(action)
        if not 0 <= a < len(MOTOR_ACTIONS):
            raise ValueError(f"action {action} is outside Discrete({len(MOTOR_ACTIONS)})")
        self.decisions += 1
        pr = self.progress
        vacuuming = pr.current["task"].startswith("vacuum")
        before_cov = pr.region_coverage(self.dirt.cleaned) if vacuuming else 0.0
        before_step = pr.index
        reward = -0.001
        terminated = False
        if a == 3:
            x, y, _ = self.world.pose()
            terminated = True
            reward += 1.0 if pr.stop((x, y), self.dirt.cleaned) else -0.2
        else:
            v, w = {0: (FORWARD_SPEED, 0.0), 1: (0.0, TURN_RATE), 2: (0.0, -TURN_RATE)}[a]
            if self._period(v, w):
                reward -= 0.01
            x, y, _ = self.world.pose()
            if pr.index == before_step and vacuuming:
                reward += pr.region_coverage(self.dirt.cleaned) - before_cov
            reward += 0.5 * pr.after_decision((x, y), self.dirt.cleaned)
        self._sense()
        return self._obs(), float(reward), terminated, False, self._info()
