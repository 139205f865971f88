"""An expert for the motor-level env: the skill-level expert's decisions, driven period by
period with discrete wheel actions.

The motor env offers forward (0.3 m/s), turn left/right in place (1.2 rad/s) and stop. The
expert decides a skill and a cell exactly as `sim.expert.Expert` does, builds the same classical
skill the skill-level env would run (`skill_runner`: A* + pure pursuit, or coverage), and each
period rounds that skill's (v, w) command to the wheel action that follows it: a turn where the
command's heading correction is large, forward otherwise. The skill sees the true pose every
period, so the rounding is corrected as it goes. These are the demonstrations a motor-level
policy imitates (the ablation that measures what the two-level design buys).
"""

from __future__ import annotations

from typing import Any

from sim.actions import STOP
from sim.envs.motor_env import MOTOR_ACTIONS
from sim.expert import Expert
from sim.skills import CleanSkill, NavigateSkill

FORWARD, LEFT, RIGHT, HALT = (MOTOR_ACTIONS.index(a) for a in ("forward", "left", "right",
                                                               "stop"))
# Turn while the skill's yaw rate exceeds this many rad/s per m/s of forward speed: pure pursuit
# (0.25 m lookahead) asks for w = 2 v sin(a) / 0.25, so 1.6 means a heading error a > 0.2 rad.
TURN_PER_SPEED = 1.6
_REDECIDE = 8  # decisions tried in one period before the expert turns on the spot instead


def wheel_action(v: float, w: float, last: int | None = None) -> int:
    """The discrete wheel action nearest in effect to a skill's (v, w) command. A turn that
    would undo the `last` action's turn goes forward instead: one 0.12 rad turn step can
    overshoot a small heading error, and turning back would overshoot again."""
    if abs(w) > max(TURN_PER_SPEED * v, 1e-3):
        turn = LEFT if w > 0 else RIGHT
        if v > 0.0 and {turn, last} == {LEFT, RIGHT}:
            return FORWARD
        return turn
    if v <= 0.0:  # a skill holding still (re-planning): turning in place is the safe move
        return LEFT
    return FORWARD


class MotorExpert:
    """`act(env)` returns the expert's wheel action for the env's current state."""

    def __init__(self, env: Any):
        self.env = env.unwrapped
        self.decider = Expert(env)
        self._runner: NavigateSkill | CleanSkill | None = None
        self._episode: object = None
        self._last: int | None = None
        self.decisions = 0
        """Skill-level decisions taken this episode."""

    def act(self, env: Any = None) -> int:
        env = self.env if env is None else env.unwrapped
        self.env = env
        if self._episode is not env.progress:  # a new episode: drop the last one's skill
            self._episode, self._runner, self._last, self.decisions = env.progress, None, None, 0
        for _ in range(_REDECIDE):
            if self._runner is None:
                skill, cell = (int(a) for a in self.decider.act(env))
                self.decisions += 1
                if skill == STOP:
                    return HALT
                self._runner = env.skill_runner(skill, cell)
            cmd = self._runner.step(env.world.pose())
            if cmd is not None:
                self._last = wheel_action(*cmd, self._last)
                return self._last
            self._runner = None  # the skill has ended (reached, covered or given up)
        return LEFT
