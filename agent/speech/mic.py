"""Microphone input through `arecord` (ALSA) or `sox -d`, and energy-based utterance cutting.

No audio library is linked: a recorder subprocess writes raw 16 kHz mono int16 to a pipe,
so a machine without a sound card (CI, this project's development machine) gets a clear
`MicrophoneError` instead of a crash, and the cutting logic (`utterances`) is plain numpy that
tests feed with synthetic audio.
"""

from __future__ import annotations

import shutil
import subprocess
from collections import deque
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

from agent.speech.audio import RATE

FRAME = RATE // 100  # 10 ms


class MicrophoneError(RuntimeError):
    """No microphone, or the recorder failed; the message says which."""


def recorder_command() -> list[str]:
    """The command that streams raw 16 kHz mono int16 from the default capture device."""
    if shutil.which("arecord") and Path("/dev/snd").exists():
        return ["arecord", "-q", "-t", "raw", "-f", "S16_LE", "-r", str(RATE), "-c", "1"]
    if shutil.which("sox"):
        return ["sox", "-q", "-d", "-t", "raw", "-r", str(RATE), "-b", "16", "-c", "1",
                "-e", "signed-integer", "-"]
    raise MicrophoneError("no microphone recorder: install alsa-utils (arecord) or sox")


class Microphone:
    """A running recorder; iterate `chunks()` for int16 blocks of `block` samples."""

    def __init__(self, command: list[str] | None = None, block: int = FRAME * 10):
        self.command = command or recorder_command()
        self.block = block
        try:
            self._proc = subprocess.Popen(self.command, stdout=subprocess.PIPE,
                                          stderr=subprocess.PIPE)
        except OSError as e:
            raise MicrophoneError(f"cannot start {self.command[0]}: {e}") from None

    def chunks(self) -> Iterator[np.ndarray]:
        assert self._proc.stdout is not None
        while True:
            data = self._proc.stdout.read(self.block * 2)
            if not data:
                err = self._proc.stderr.read().decode(errors="replace").strip() \
                    if self._proc.stderr else ""
                self.close()
                if self._proc.returncode not in (0, None, -15):
                    first = err.splitlines()[-1] if err else f"exit {self._proc.returncode}"
                    raise MicrophoneError(f"no microphone ({self.command[0]}: {first})")
                return
            yield np.frombuffer(data[: len(data) // 2 * 2], "<i2").copy()

    def close(self) -> None:
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()

    def __enter__(self) -> Microphone:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def utterances(chunks: Iterable[np.ndarray], threshold_dbfs: float = -45.0,
               margin_db: float = 12.0, end_silence: float = 0.8, min_speech: float = 0.3,
               max_seconds: float = 15.0, pre_roll: float = 0.3) -> Iterator[np.ndarray]:
    """Cut a stream of int16 blocks into utterances.

    A 10 ms frame is loud when it is above both `threshold_dbfs` and the running noise floor
    (20th percentile of the last 3 s) plus `margin_db`. An utterance starts at a loud frame
    (keeping `pre_roll` seconds before it), ends after `end_silence` seconds without one, and
    is yielded if it held at least `min_speech` seconds of loud frames; a stream that ends
    mid-utterance yields what it has.
    """
    history: deque[float] = deque(maxlen=300)
    before: deque[np.ndarray] = deque(maxlen=max(1, int(pre_roll * 100)))
    current: list[np.ndarray] = []
    loud_frames = quiet_run = 0
    rest = np.zeros(0, np.int16)
    for chunk in chunks:
        buf = np.concatenate([rest, np.asarray(chunk, np.int16)])
        n = len(buf) // FRAME
        rest = buf[n * FRAME:]
        for frame in buf[: n * FRAME].reshape(n, FRAME):
            rms = float(np.sqrt(np.mean(np.square(frame.astype(np.float64))))) / 32768.0
            db = 20.0 * np.log10(max(rms, 1e-12))
            floor = float(np.percentile(history, 20)) if len(history) >= 50 else -120.0
            loud = db > threshold_dbfs and db > floor + margin_db
            history.append(db)
            if not current:
                if loud:
                    current = [*before, frame]
                    loud_frames, quiet_run = 1, 0
                else:
                    before.append(frame)
                continue
            current.append(frame)
            loud_frames += loud
            quiet_run = 0 if loud else quiet_run + 1
            if quiet_run >= end_silence * 100 or len(current) >= max_seconds * 100:
                if loud_frames >= min_speech * 100:
                    yield np.concatenate(current)
                current, before = [], deque(maxlen=before.maxlen)
    if current and loud_frames >= min_speech * 100:
        yield np.concatenate(current)


def record_utterance(seconds: float = 8.0, command: list[str] | None = None) -> np.ndarray:
    """Record from the microphone until one utterance ends or `seconds` pass (then all of it)."""
    got: list[np.ndarray] = []
    with Microphone(command) as mic:
        def limited() -> Iterator[np.ndarray]:
            total = 0
            for c in mic.chunks():
                got.append(c)
                yield c
                total += len(c)
                if total >= seconds * RATE:
                    return

        for utt in utterances(limited(), max_seconds=seconds):
            return utt
    return np.concatenate(got) if got else np.zeros(0, np.int16)
