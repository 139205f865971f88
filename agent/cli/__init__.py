"""`roomby`: one command-line entry point with subcommands (`python -m agent.cli` works too)."""

from __future__ import annotations

from agent.cli.main import build_parser, main

__all__ = ["build_parser", "main"]
