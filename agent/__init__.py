"""Roomby's mind: policies, training, evaluation, the CLI."""
