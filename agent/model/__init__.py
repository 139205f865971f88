"""The policy network and its parts: tokenizer, language encoder, perception, map encoder,
attention, memory, goal codec and goal map, the network that joins them (`network.py`), its
config, the checkpoint format, and the readers of a checkpoint's perception calibration."""
