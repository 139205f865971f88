"""`roomby train`: the staged trainer and its config and log, the network a run starts from,
perception fitting and calibration, behaviour cloning (skill and motor level), DAgger and PPO."""
