"""Policies an env runs: the learned policy (a checkpoint), the expert and random ones by name,
and the one episode loop they all go through."""
