"""Spoken commands, offline: a WAV file or a microphone to the same text a typed command is.

- `audio`: any WAV to 16 kHz mono int16 (numpy resampling);
- `grammar`: the JSGF grammar and pronunciations, generated from `sim.language` at run time;
- `recognizer`: PocketSphinx against that grammar; `Heard` says what a recording means;
- `mic`: recording from a microphone where one exists (`arecord` or `sox`);
- `synth`: espeak-ng speech and sox noise for tests and benchmarks.

PocketSphinx is the `speech` extra: it is imported when a `Recognizer` is built, not here.
"""

from __future__ import annotations

from agent.speech.audio import RATE, AudioError, load
from agent.speech.recognizer import (
    COMMAND,
    NOT_A_COMMAND,
    NOTHING,
    UNREADABLE,
    Heard,
    Recognizer,
    Settings,
)

__all__ = ["COMMAND", "NOTHING", "NOT_A_COMMAND", "RATE", "UNREADABLE", "AudioError", "Heard",
           "Recognizer", "Settings", "load"]
