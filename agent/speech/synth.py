"""Spoken test material: commands sampled from the sim's tasks, spoken by `espeak-ng`, noise
mixed in by `sox`. Used by the speech tests and `benchmarks/speech.py`; a robot never needs it.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from agent.speech.audio import read_wav, rms_dbfs
from sim.language import parse

# Voices and speeds (words per minute) the tests and benchmark speak in, used round-robin.
VOICES: tuple[str, ...] = ("en-us", "en-us+m3", "en-us+f3", "en-gb")
SPEEDS: tuple[int, ...] = (140, 175)
# Everyday speech that is not a command, for measuring false accepts. Some of it shares words
# with commands ("in the kitchen", "the blue couch") on purpose.
CHATTER: tuple[str, ...] = (
    "what is the weather like today", "play some music in the kitchen", "turn off the lights",
    "call my mother", "how tall is the eiffel tower", "set an alarm for seven",
    "the cat is sleeping on the blue couch", "I would like a cup of coffee please",
    "open the garage door", "tell me a joke", "where are my keys", "go to sleep now",
    "remind me to buy milk tomorrow", "what time is it", "the dog ate my homework",
    "order a pizza with extra cheese", "how do you spell necessary", "start the washing machine",
    "who won the football game last night", "read me the news", "lock the front door",
    "is it going to rain this afternoon", "add eggs to the shopping list", "stop",
    "thank you very much", "my sister lives in canada", "can you hear me",
    "the meeting starts at ten", "close the window in the bedroom", "good morning roomby",
)


@dataclass(frozen=True)
class SpokenCommand:
    """A command as the sim phrases it, the goal its text means, and how it is spoken."""

    family: str
    text: str
    goal: dict
    voice: str
    speed: int


def sample_commands(per_family: int, seed: int = 0, families: tuple[str, ...] | None = None,
                    voices: tuple[str, ...] = VOICES, speeds: tuple[int, ...] = SPEEDS
                    ) -> list[SpokenCommand]:
    """`per_family` commands of each task family, drawn from the sim's own task samplers over
    training and held-out phrasings (seeded), each assigned a voice and speed round-robin.

    The room is left out of half the object goals, as the sim does when a target is unique.
    The reference goal is what `sim.language.parse` makes of the text: the goal a typed
    command gets.
    """
    from sim.tasks import FAMILIES, TASKS, Split

    rng = np.random.default_rng(seed)
    out: list[SpokenCommand] = []
    for family in families or FAMILIES:
        task = TASKS[family]
        for _ in range(per_family):
            split = Split.named("heldout_phrasing" if rng.random() < 0.3 else "train")
            goal = task.sample(rng, split).goal
            steps = goal["steps"] if goal["task"] == "sequence" else [goal]
            for s in steps:
                if s.get("object") and rng.random() < 0.5:
                    s["room"] = None
            text = task.instruction(goal, rng, split)
            parsed = parse(text).goal
            if parsed is None:  # the sim's phrasings always parse; a failure is a sim bug
                raise ValueError(f"sampled command does not parse: {text!r}")
            k = len(out)
            out.append(SpokenCommand(family, text, parsed, voices[k % len(voices)],
                                     speeds[(k // len(voices)) % len(speeds)]))
    return out


def speak(text: str, path: str | Path, voice: str = "en-us", speed: int = 150) -> Path:
    """Synthesise `text` to a WAV file with espeak-ng (22.05 kHz mono)."""
    path = Path(path)
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(path), text],
                   check=True, capture_output=True, timeout=60)
    return path


def add_noise(src: str | Path, dst: str | Path, snr_db: float) -> Path:
    """Mix white noise into `src` at `snr_db` dB signal-to-noise ratio, with sox.

    The noise level comes from the signal's RMS over its active part (frames above -50 dBFS),
    so pauses do not lower the reference and the SNR is that of the speech itself. The noise is
    sox's `synth whitenoise` (repeatable: `-R` fixes its seed), scaled by `sox -v` from its
    measured RMS.
    """
    src, dst = Path(src), Path(dst)
    samples, rate = read_wav(src)
    mono = samples.mean(axis=1)
    frames = mono[: len(mono) // 160 * 160].reshape(-1, 160)
    frame_db = np.array([rms_dbfs((f * 32768).astype(np.int16)) for f in frames])
    active = frames[frame_db > -50.0]
    signal_rms = float(np.sqrt(np.mean(np.square(active if len(active) else mono))))
    noise_path = dst.with_suffix(".noise.wav")
    seconds = len(mono) / rate
    subprocess.run(["sox", "-R", "-n", "-r", str(rate), "-c", "1", "-b", "16", str(noise_path),
                    "synth", f"{seconds:.6f}", "whitenoise", "vol", "0.5"],
                   check=True, capture_output=True, timeout=60)
    noise = read_wav(noise_path)[0].mean(axis=1)
    noise_rms = float(np.sqrt(np.mean(np.square(noise))))
    gain = signal_rms / noise_rms / (10.0 ** (snr_db / 20.0))
    # -m mixes with unit gain per input once -v sets each; sox would otherwise halve both.
    subprocess.run(["sox", "-m", "-v", "1", str(src), "-v", f"{gain:.6f}", str(noise_path),
                    "-b", "16", str(dst)], check=True, capture_output=True, timeout=60)
    noise_path.unlink()
    return dst
