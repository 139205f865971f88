"""Speech to a command: PocketSphinx decoding 16 kHz audio against the sim's command grammar.

The recogniser returns text, the sentence as heard ("vacuum under the red settee in the
lounge": the lexicon's synonyms as said); the goal comes from `sim.language.parse(text)`,
exactly the path a typed command takes, so it names the catalogue's ids ("couch",
"living_room"). A grammar-constrained decoder maps any audio to some sentence of its
grammar, so "not a command" needs a rival: the grammar's `<garbage>` alternative is a free loop
of single phones. Speech that fits no command is explained better by the loop, and the decoder
says so by answering with phones ("_w _eh _dh …"). Its prior weight and the word insertion
penalty (each phone of the loop is a "word") set the trade-off between commands rejected and
other speech accepted; `benchmarks/speech.py` measures both.

Answers (`Heard.status`):
- ``command``: a whole sentence of the grammar that parses to a goal;
- ``not_a_command``: speech, but the garbage loop won (or, never seen, the text did not parse);
- ``nothing``: no 0.2 s of sound above -50 dBFS, an empty hypothesis, or a garbage hypothesis
  of fewer than three phones (noise bursts);
- ``unreadable``: the file cannot be read as audio ("cannot read FILE: why").
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from agent.speech.audio import RATE, AudioError, load
from agent.speech.grammar import GARBAGE_PREFIX, Grammar, build_grammar

COMMAND, NOT_A_COMMAND, NOTHING, UNREADABLE = "command", "not_a_command", "nothing", "unreadable"
SILENCE_DBFS = -50.0  # quieter than this is not speech, whatever the decoder would make of it
MIN_SOUND_SECONDS = 0.2
MIN_GARBAGE_PHONES = 3


@dataclass(frozen=True)
class Settings:
    """Decoder settings, tuned on espeak-ng speech from a seed the tests and benchmark do not
    use (see docs/speech.md).

    - `lw` 1.0: the grammar's branch probabilities at face value. The default 6.5 makes short
      branches (e.g. "go to the <room>") win over long ones the audio supports.
    - `wip`: word insertion penalty; tiny, so that the garbage loop pays per phone.
    - `garbage_weight`: prior of the garbage loop against all sentences.
    - `topn` 8 Gaussians per senone (the default 4 loses accuracy for little speed).
    - `level_dbfs`: speech is scaled to this RMS (gain only: cepstral mean normalisation
      removes it anyway) so that `dither_dbfs`, the white noise added to hide digital
      silence, sits at a known level below it. Synthetic and edited audio has runs of exact
      zeros, which wreck the front end's noise estimate (without dither PocketSphinx decodes
      espeak-ng speech to fragments). `seed` fixes the dither, so results are repeatable.
    """

    lw: float = 1.0
    wip: float = 1e-10
    garbage_weight: float = 1e-10
    topn: int = 8
    level_dbfs: float = -21.0
    dither_dbfs: float = -61.0
    seed: int = 0


@dataclass
class Heard:
    """What a recording says: `status` (see module docstring), the decoded `text` (the words as
    heard, synonyms as said), its `goal` in the sim's schema (`sim.language.parse(text)`;
    None unless status is "command") and a one-line `message`."""

    status: str
    text: str = ""
    goal: dict | None = None
    message: str = ""
    seconds: float = 0.0  # audio duration
    decode_seconds: float = 0.0
    extra: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == COMMAND

    def to_dict(self) -> dict:
        d: dict = {"text": self.text, "goal": self.goal}
        if not self.ok:
            d["error"] = self.message
        d["status"] = self.status
        return d


class Recognizer:
    """One PocketSphinx decoder with the command grammar; reuse it, building one takes ~1 s."""

    def __init__(self, settings: Settings | None = None, grammar: Grammar | None = None):
        import pocketsphinx

        self.settings = settings or Settings()
        self.grammar = grammar or build_grammar(self.settings.garbage_weight)
        s = self.settings
        model = pocketsphinx.get_model_path("en-us")
        self._decoder = pocketsphinx.Decoder(
            hmm=str(Path(model) / "en-us"), dict=str(Path(model) / "cmudict-en-us.dict"),
            lm=None, loglevel="FATAL", lw=s.lw, wip=s.wip, topn=s.topn,
            # The lattice best path may end off the grammar ("… kitchen and"); the Viterbi
            # search's own result ends in a final state.
            bestpath=False)
        words = list(self.grammar.extra_words.items())
        for i, (word, prons) in enumerate(words):
            # add_word takes one pronunciation; the extra words have one each so far.
            self._decoder.add_word(word, prons[0], i == len(words) - 1)
        self._decoder.add_jsgf_string("command", self.grammar.jsgf)
        self._decoder.activate_search("command")

    def transcribe(self, pcm: np.ndarray) -> str:
        """The decoder's hypothesis for 16 kHz mono int16 audio ("" if none)."""
        x = pcm.astype(np.float64)
        rms = _active_rms(x)
        s = self.settings
        gain = 32768.0 * 10.0 ** (s.level_dbfs / 20.0) / rms if rms > 0 else 1.0
        peak = float(np.abs(x).max()) if len(x) else 0.0
        if peak > 0:
            gain = min(gain, 32000.0 / peak)
        # The same dither for every call: a file decodes the same whatever was decoded before.
        dither = np.random.default_rng(s.seed).normal(0.0, 1.0, len(x))
        x = x * gain + dither * 32768.0 * 10.0 ** (s.dither_dbfs / 20.0)
        audio = np.clip(np.round(x), -32768, 32767).astype(np.int16)
        d = self._decoder
        d.start_utt()
        d.process_raw(audio.tobytes(), full_utt=True)
        d.end_utt()
        hyp = d.hyp()
        return hyp.hypstr.strip() if hyp is not None else ""

    def hear(self, pcm: np.ndarray) -> Heard:
        """What 16 kHz mono int16 audio says, as a `Heard`."""
        from sim.language import parse

        seconds = len(pcm) / RATE
        if _sound_seconds(pcm) < MIN_SOUND_SECONDS:
            return Heard(NOTHING, message="heard nothing", seconds=seconds)
        t0 = time.perf_counter()
        text = self.transcribe(pcm)
        took = time.perf_counter() - t0
        words = text.split()
        garbage = [w for w in words if w.startswith(GARBAGE_PREFIX)]
        if not words or (garbage and len(garbage) < MIN_GARBAGE_PHONES):
            return Heard(NOTHING, message="heard nothing", seconds=seconds, decode_seconds=took)
        if garbage:
            return Heard(NOT_A_COMMAND, message="not a command: heard speech that is not one of "
                         "the commands Roomby knows", seconds=seconds, decode_seconds=took,
                         extra={"phones": " ".join(w[len(GARBAGE_PREFIX):] for w in garbage)})
        res = parse(text)
        if res.goal is None or not self.grammar.accepts(text):
            return Heard(NOT_A_COMMAND, text, message=f"not a command: '{text}' "
                         f"({res.error or 'not a whole command'})", seconds=seconds,
                         decode_seconds=took)
        return Heard(COMMAND, text, res.goal, message=text, seconds=seconds, decode_seconds=took)

    def hear_file(self, path: str | Path) -> Heard:
        """`hear` for a WAV file; an unreadable file is a `Heard` with status "unreadable"."""
        try:
            pcm = load(path)
        except AudioError as e:
            return Heard(UNREADABLE, message=f"cannot read {e}")  # e names the file
        return self.hear(pcm)


def _frame_dbfs(pcm: np.ndarray, frame: int = RATE // 100) -> np.ndarray:
    n = len(pcm) // frame * frame
    if n == 0:
        return np.zeros(0)
    frames = pcm[:n].astype(np.float64).reshape(-1, frame)
    rms = np.sqrt(np.mean(np.square(frames), axis=1)) / 32768.0
    return 20.0 * np.log10(np.maximum(rms, 1e-12))


def _sound_seconds(pcm: np.ndarray) -> float:
    """Seconds of 10 ms frames louder than SILENCE_DBFS."""
    return float(np.sum(_frame_dbfs(pcm) > SILENCE_DBFS)) / 100.0


def _active_rms(x: np.ndarray) -> float:
    """RMS over the louder frames (above SILENCE_DBFS), so pauses do not set the gain."""
    db = _frame_dbfs(x)
    frame = RATE // 100
    loud = np.nonzero(db > SILENCE_DBFS)[0]
    if len(loud) == 0:
        return float(np.sqrt(np.mean(np.square(x)))) if len(x) else 0.0
    frames = x[: len(db) * frame].reshape(-1, frame)[loud]
    return float(np.sqrt(np.mean(np.square(frames))))
