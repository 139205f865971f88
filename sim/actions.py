"""What a decision of the skill-level env is: a skill and a map cell.

Kept apart from `sim.envs` (which imports pybullet) so the model, the trainer and the runtime
can name the skills without the simulator.
"""

from __future__ import annotations

from sim.grid import MAP_SIZE

SKILLS: tuple[str, ...] = ("stop", "navigate", "clean")
STOP, NAVIGATE, CLEAN = range(3)
N_CELLS = MAP_SIZE * MAP_SIZE
OBJECT_SNAP = 0.2  # metres: a clean at a cell this close to a raised object or rug cleans it
