"""Sensor and actuation models: what separates the simulated robot from a real one (noisy,
holey depth; exposure, white balance, blur and noise in colour; wheel slip; drifting odometry
with re-localisation). Numpy only, seeded through the env's `np_random`; docs/world.md#realism."""

from sim.realism.rig import PROFILES, Realism, Rig, realism_of

__all__ = ["PROFILES", "Realism", "Rig", "realism_of"]
