"""Spoken-command accuracy and speed: espeak-ng speech, clean and with white noise mixed in by
sox at 20 dB and 10 dB SNR, decoded by `agent.speech.Recognizer`.

    .venv/bin/python benchmarks/speech.py [--per-family 40] [--seed 2024] [--snr 20,10]

Commands are sampled from the sim's task families (training and held-out phrasings), spoken in
each voice of `agent.speech.synth.VOICES` at each speed, round-robin. Speech is resampled to
16 kHz before noise is added, so the SNR (speech RMS over its active frames, to the noise RMS)
is the one in the decoder's band. Prints accuracy (right goal) and rejections per family and
condition, accuracy per voice, the real-time factor (decode time / audio duration, one
thread), and false accepts: everyday speech that is not a command, and noise alone.
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from agent.speech import COMMAND, Recognizer
from agent.speech.audio import RATE, load, write_wav
from agent.speech.synth import CHATTER, SPEEDS, VOICES, add_noise, sample_commands, speak


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--per-family", type=int, default=40, help="commands per task family")
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--snr", default="20,10", help="comma-separated SNRs in dB (besides clean)")
    ap.add_argument("--voices", default=",".join(VOICES), help="espeak-ng voices, round-robin")
    ap.add_argument("--misses", action="store_true", help="print every command not understood")
    args = ap.parse_args()
    voices = tuple(v for v in args.voices.split(",") if v)
    conditions = ["clean", *(f"{float(s):g} dB" for s in args.snr.split(",") if s)]
    commands = sample_commands(args.per_family, args.seed, voices=voices)
    t0 = time.time()
    recognizer = Recognizer()
    right: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    rejected: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    by_voice: dict[str, list[bool]] = defaultdict(list)
    decode = defaultdict(float)
    audio = defaultdict(float)
    with tempfile.TemporaryDirectory() as tmp:
        for i, c in enumerate(commands):
            clean = Path(tmp, f"{i}.wav")
            write_wav(clean, load(speak(c.text, Path(tmp, "raw.wav"), c.voice, c.speed)))
            for cond in conditions:
                path = clean if cond == "clean" else add_noise(
                    clean, Path(tmp, f"{i}_noisy.wav"), float(cond.split()[0]))
                heard = recognizer.hear(load(path))
                ok = heard.status == COMMAND and heard.goal == c.goal
                right[cond][c.family] += ok
                rejected[cond][c.family] += heard.status != COMMAND
                decode[cond] += heard.decode_seconds
                audio[cond] += heard.seconds
                if cond == "clean":
                    by_voice[f"{c.voice} {c.speed} wpm"].append(ok)
                if args.misses and not ok:
                    print(f"miss ({cond}, {c.voice} {c.speed}): {c.text!r} -> {heard.status} "
                          f"{heard.text!r}", flush=True)
        chatter = [recognizer.hear(load(speak(t, Path(tmp, "c.wav"), voices[k % len(voices)])))
                   for k, t in enumerate(CHATTER)]
        noises = []
        for kind in ("whitenoise", "pinknoise", "brownnoise"):
            for level in (0.01, 0.1, 0.5):
                out = Path(tmp, "n.wav")
                subprocess.run(["sox", "-R", "-n", "-r", str(RATE), "-b", "16", str(out), "synth",
                                "3", kind, "vol", str(level)], check=True, capture_output=True)
                noises.append(recognizer.hear(load(out)))
    families = list(dict.fromkeys(c.family for c in commands))
    n = args.per_family
    print(f"speech: {len(commands)} commands ({n} per family), seed {args.seed}, voices "
          f"{', '.join(voices)} at {', '.join(map(str, SPEEDS))} wpm "
          f"({time.time() - t0:.0f} s)")
    print(f"{'family':14s}" + "".join(f" {c:>17s}" for c in conditions))
    for fam in [*families, "all"]:
        cells = []
        for cond in conditions:
            ok = sum(right[cond].values()) if fam == "all" else right[cond][fam]
            rej = sum(rejected[cond].values()) if fam == "all" else rejected[cond][fam]
            total = len(commands) if fam == "all" else n
            cells.append(f"{ok / total:6.3f} (rej {rej:3d})")
        print(f"{fam:14s}" + "".join(f" {c:>17s}" for c in cells))
    print("accuracy per voice (clean): " + ", ".join(
        f"{v} {np.mean(r):.3f}" for v, r in sorted(by_voice.items())))
    print("real-time factor (decode / audio, 1 thread): " + ", ".join(
        f"{c} {decode[c] / audio[c]:.3f}" for c in conditions))
    fa = [h for h in chatter if h.status == COMMAND]
    print(f"false accepts: other speech {len(fa)}/{len(chatter)}"
          + "".join(f"\n  {CHATTER[chatter.index(h)]!r} -> {h.text!r}" for h in fa))
    statuses: dict[str, int] = defaultdict(int)
    for h in noises:
        statuses[h.status] += 1
    accepted = sum(h.status == COMMAND for h in noises)
    print(f"false accepts: noise alone (white, pink, brown at 3 levels, 3 s) "
          f"{accepted}/{len(noises)}; answers {dict(statuses)}")


if __name__ == "__main__":
    main()
