"""Demonstrations: expert-labelled episodes collected in worker processes, their shards on disk,
and the map cells that count as the expert's choice."""
