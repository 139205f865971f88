"""Spoken commands: grammar from the sim's vocabulary and the lexicon's synonyms, WAV reading
and resampling, recognition of espeak-ng speech, clear answers for silence, noise and bad files,
the CLI."""

from __future__ import annotations

import itertools
import json
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from agent.cli import main
from agent.speech import COMMAND, NOT_A_COMMAND, NOTHING, UNREADABLE, Recognizer
from agent.speech.audio import RATE, AudioError, load, parse_wav, read_wav, resample, write_wav
from agent.speech.grammar import (
    EXTRA_PRONUNCIATIONS,
    MissingPronunciation,
    build_grammar,
    load_dictionary,
    pronunciations,
)
from agent.speech.mic import Microphone, MicrophoneError, record_utterance, utterances
from agent.speech.synth import SPEEDS, VOICES, sample_commands, speak
from sim import language, lexicon
from sim.catalog import COLOR_NAMES, FURNITURE_TYPES, RAISED_TYPES, ROOM_TYPES
from sim.language import parse, render_instruction, templates_for, tokenize
from sim.tasks import FAMILIES

PER_FAMILY = 30  # >= 30 spoken commands of every task family
TEST_SEED = 7  # the decoder settings were tuned on seeds 100-300, never on this one


@pytest.fixture(scope="module")
def recognizer() -> Recognizer:
    return Recognizer()


@pytest.fixture(scope="module")
def spoken(tmp_path_factory) -> Path:
    """One spoken command, "go to the kitchen" (a fast episode for `roomby run`)."""
    return speak("go to the kitchen", tmp_path_factory.mktemp("speech") / "kitchen.wav")


def test_tools_are_installed():
    # The Makefile installs them; a missing tool must fail here, not skip the speech tests.
    assert shutil.which("espeak-ng") and shutil.which("sox")


# ---- grammar ---------------------------------------------------------------------------------
def _single_goals():
    for obj, color, room in itertools.product(FURNITURE_TYPES, COLOR_NAMES, (None, "kitchen")):
        yield {"task": "goto_object", "object": obj, "color": color, "room": room}
        if obj in RAISED_TYPES:
            yield {"task": "vacuum_under", "object": obj, "color": color, "room": room}
    for room in ROOM_TYPES:
        yield {"task": "goto_room", "room": room}
        yield {"task": "vacuum_room", "room": room}


def test_grammar_accepts_every_phrasing_of_every_goal():
    g = build_grammar()
    n = 0
    for goal in _single_goals():
        for split in ("train", "heldout"):
            for t in templates_for(goal, split):
                text = " ".join(tokenize(render_instruction(goal, t)))
                assert g.accepts(text), text
                n += 1
    for c in sample_commands(40, seed=1, families=("sequence",)):
        assert g.accepts(" ".join(tokenize(c.text))), c.text
    assert n > 900


def test_grammar_rejects_what_the_parser_would():
    g = build_grammar()
    for text in ("vacuum under the red fridge", "go to the red", "go to the kitchen then",
                 "go to the kitchen and", "please", "_aa _b _k", "go to the red chair chair"):
        assert not g.accepts(text), text


def test_grammar_synonyms_are_speakable():
    g = build_grammar()
    for text in ("hoover the lounge", "sweep underneath the blue sofa in the study",
                 "go to the green bookcase in the corridor", "roomby go to the hall"):
        assert g.accepts(text) and parse(text).goal is not None, text


def _slot_sentence(slot: str, phrase: str) -> str:
    return {"color": f"go to the {phrase} chair", "object": f"go to the red {phrase}",
            "room": f"go to the {phrase}"}[slot]


def test_grammar_takes_the_lexicons_synonyms():
    g = build_grammar()
    # Derived from the lexicon: every phrase added is one of its synonyms for that value.
    tables = {"color": lexicon.COLOR_SYNONYMS, "object": lexicon.OBJECT_SYNONYMS,
              "room": lexicon.ROOM_SYNONYMS}
    assert sum(len(p) for p in g.synonyms["object"].values()) > 40
    assert sum(len(p) for p in g.synonyms["room"].values()) > 20
    for slot, per_value in g.synonyms.items():
        for value, phrases in per_value.items():
            for phrase in phrases:
                assert phrase in tables[slot][value], (slot, value, phrase)
                text = _slot_sentence(slot, phrase)
                goal = parse(text).goal
                assert g.accepts(text) and goal is not None, text
                assert goal["object" if slot == "object" else slot] == value, (text, goal)
                assert goal["task"] == ("goto_room" if slot == "room" else "goto_object")
    assert {"settee", "loveseat", "telly"} <= set(g.synonyms["object"]["couch"]
                                                   + g.synonyms["object"]["tv_stand"])
    assert {"loo", "washroom", "lavatory"} <= set(g.synonyms["room"]["bathroom"])
    assert "sitting room" in g.synonyms["room"]["living_room"]
    # A synonym with a word the decoder cannot say, or one the parser would read otherwise, is
    # left out with the reason; the shipped lexicon has none (add its ARPAbet to
    # EXTRA_PRONUNCIATIONS if this fails for a new synonym). Only spellings that sound
    # exactly like a phrase of the same value are left out ("bath room", "livingroom").
    assert g.skipped and all(why.startswith("sounds like '") and ", which is" not in why
                             for why in g.skipped.values()), g.skipped
    assert g.skipped["room bathroom: bath room"] == "sounds like 'bathroom'"
    # Every grammar word, the synonyms' included, has a pronunciation.
    assert set(pronunciations(g.words)) == g.words


def test_grammar_sentences_with_synonyms_parse_to_their_goals():
    g = build_grammar()
    cases = {
        "vacuum under the red settee in the sitting room":
            {"task": "vacuum_under", "object": "couch", "color": "red", "room": "living_room"},
        "hoover underneath the blue loveseat in the lounge":
            {"task": "vacuum_under", "object": "couch", "color": "blue", "room": "living_room"},
        "go to the green telly in the front room":
            {"task": "goto_object", "object": "tv_stand", "color": "green",
             "room": "living_room"},
        "clean the loo": {"task": "vacuum_room", "object": None, "color": None,
                          "room": "bathroom"},
        "drive into the washroom": {"task": "goto_room", "object": None, "color": None,
                                    "room": "bathroom"},
        "find the white armchair in the spare room":
            {"task": "goto_object", "object": "chair", "color": "white", "room": "bedroom"},
        "go to the yellow doormat in the entrance hall":
            {"task": "goto_object", "object": "rug", "color": "yellow", "room": "hallway"},
    }
    for text, goal in cases.items():
        assert g.accepts(text) and parse(text).goal == goal, text
    assert g.accepts("vacuum the loo then go to the kitchenette")
    assert parse("vacuum the loo then go to the kitchenette").goal["steps"][1]["room"] == \
        "kitchen"
    # Only objects the robot gets under, synonyms included, after an under word.
    assert not g.accepts("vacuum under the red telly")
    assert not g.accepts("vacuum under the red doormat")


def test_synonyms_the_grammar_cannot_hear_are_left_out(monkeypatch):
    monkeypatch.setitem(lexicon.OBJECT_SYNONYMS, "couch",
                        (*lexicon.OBJECT_SYNONYMS["couch"], "glorbulator", "bookcase"))
    monkeypatch.setitem(lexicon.ROOM_SYNONYMS, "kitchen",
                        (*lexicon.ROOM_SYNONYMS["kitchen"], "pantry", "hall way"))
    g = build_grammar()  # no MissingPronunciation: a lexicon phrase is skipped, not an error
    assert "no pronunciation" in g.skipped["object couch: glorbulator"]
    assert "bookshelf" in g.skipped["object couch: bookcase"]  # the parser reads a bookshelf
    assert "pantry" in g.skipped["room kitchen: pantry"]  # the parser does not know it
    # Sounds like another value's word: the decoder could not tell them apart.
    assert g.skipped["room kitchen: hall way"] == "sounds like 'hallway', which is room hallway"
    assert "glorbulator" not in g.words and "pantry" not in g.words
    assert not g.accepts("go to the pantry")
    assert "settee" in g.synonyms["object"]["couch"]


def test_a_new_sim_colour_is_heard_with_no_other_change(monkeypatch):
    monkeypatch.setattr(language, "COLOR_NAMES", (*COLOR_NAMES, "pink"))
    g = build_grammar()
    assert "pink" in g.words
    assert g.accepts("go to the pink chair in the kitchen")
    assert parse("go to the pink chair in the kitchen").goal["color"] == "pink"


def test_a_word_without_pronunciation_fails_loudly(monkeypatch):
    monkeypatch.setitem(language.OBJECT_WORDS, "lamp", ("lamp", "glorbulator"))
    with pytest.raises(MissingPronunciation, match="glorbulator"):
        build_grammar()


def test_every_vocabulary_word_has_a_pronunciation():
    prons = pronunciations(set(language.VOCAB[2:]))
    assert set(prons) == set(language.VOCAB[2:])
    # The wake word is not in the CMU dictionary: its entry here is what makes it speakable.
    assert "roomby" not in load_dictionary()
    assert prons["roomby"] == EXTRA_PRONUNCIATIONS["roomby"]


# ---- audio -----------------------------------------------------------------------------------
@pytest.mark.parametrize("rate", [8000, 11025, 22050, 44100, 48000])
def test_resample_keeps_a_tone_and_its_timing(rate: int):
    t = np.arange(rate) / rate
    y = resample(np.sin(2 * np.pi * 440.0 * t), rate)
    assert len(y) == RATE
    ref = np.sin(2 * np.pi * 440.0 * np.arange(RATE) / RATE)
    assert np.abs(y - ref)[500:-500].max() < 1e-3


def test_resample_removes_what_16_khz_cannot_carry():
    rate = 44100
    y = resample(np.sin(2 * np.pi * 10000.0 * np.arange(rate) / rate), rate)
    assert np.sqrt(np.mean(y[500:-500] ** 2)) < 1e-3  # would alias to 6 kHz at full level


@pytest.mark.parametrize("args", [
    ["-r", "44100", "-c", "2"],
    ["-r", "48000", "-e", "floating-point", "-b", "32"],
    ["-r", "16000", "-b", "24"],
    ["-r", "11025", "-b", "8", "-e", "unsigned-integer"],
    ["-r", "8000"],
])
def test_any_wav_encoding_reads_to_the_same_audio(tmp_path: Path, spoken: Path, args: list):
    ref = load(spoken).astype(np.float64)
    out = tmp_path / "converted.wav"
    subprocess.run(["sox", str(spoken), *args, str(out)], check=True)
    got = load(out).astype(np.float64)
    assert abs(len(got) - len(ref)) <= 2
    n = min(len(got), len(ref))
    if "8000" in args:  # band-limited to 4 kHz: compare only the level
        assert 0.7 < np.std(got) / np.std(ref) < 1.1
    else:
        assert np.corrcoef(got[:n], ref[:n])[0, 1] > 0.99


def test_bad_wav_files_say_why(tmp_path: Path, spoken: Path):
    with pytest.raises(AudioError, match="not a WAV"):
        parse_wav(b"hello, this is text")
    data = spoken.read_bytes()
    with pytest.raises(AudioError, match="'data' chunk"):
        parse_wav(data[:36])
    adpcm = tmp_path / "adpcm.wav"
    subprocess.run(["sox", str(spoken), "-e", "ima-adpcm", str(adpcm)], check=True)
    with pytest.raises(AudioError, match="unsupported WAV encoding"):
        read_wav(adpcm)
    with pytest.raises(AudioError, match="No such file"):
        read_wav(tmp_path / "missing.wav")


# ---- recognition -----------------------------------------------------------------------------
def test_spoken_commands_decode_to_their_goals(recognizer: Recognizer, tmp_path: Path):
    commands = sample_commands(PER_FAMILY, seed=TEST_SEED)
    assert Counter(c.family for c in commands) == {f: PER_FAMILY for f in FAMILIES}
    assert {c.voice for c in commands} == set(VOICES) and {c.speed for c in commands} == \
        set(SPEEDS)
    right: Counter = Counter()
    misses = []
    for i, c in enumerate(commands):
        heard = recognizer.hear(load(speak(c.text, tmp_path / f"{i}.wav", c.voice, c.speed)))
        if heard.ok and heard.goal == c.goal:
            right[c.family] += 1
        else:
            misses.append(f"{c.voice} {c.speed}: {c.text!r} -> {heard.status} {heard.text!r}")
    accuracy = sum(right.values()) / len(commands)
    print(f"speech accuracy {accuracy:.3f}", dict(right), *misses, sep="\n")
    assert accuracy >= 0.90, misses
    assert min(right.values()) >= 0.75 * PER_FAMILY, right


SPOKEN_SYNONYMS = [
    ("en-us", "vacuum under the red settee in the sitting room",
     {"task": "vacuum_under", "object": "couch", "color": "red", "room": "living_room"}),
    ("en-us", "go to the loo", {"task": "goto_room", "object": None, "color": None,
                                "room": "bathroom"}),
    ("en-us", "clean the washroom", {"task": "vacuum_room", "object": None, "color": None,
                                     "room": "bathroom"}),
    ("en-gb", "go to the blue telly in the lounge",
     {"task": "goto_object", "object": "tv_stand", "color": "blue", "room": "living_room"}),
    ("en-gb", "hoover the kitchenette", {"task": "vacuum_room", "object": None, "color": None,
                                         "room": "kitchen"}),
    ("en-gb", "go to the green armchair in the spare room",
     {"task": "goto_object", "object": "chair", "color": "green", "room": "bedroom"}),
    ("en-us", "vacuum the loo then go to the front room",
     {"task": "sequence", "steps": [
         {"task": "vacuum_room", "object": None, "color": None, "room": "bathroom"},
         {"task": "goto_room", "object": None, "color": None, "room": "living_room"}]}),
]


@pytest.mark.parametrize(("voice", "text", "goal"), SPOKEN_SYNONYMS,
                         ids=[t for _, t, _ in SPOKEN_SYNONYMS])
def test_spoken_synonyms_are_heard(recognizer: Recognizer, tmp_path: Path, voice: str,
                                   text: str, goal: dict):
    heard = recognizer.hear(load(speak(text, tmp_path / "c.wav", voice)))
    # The text is what was said, synonyms and all; the goal is the parser's, in catalogue ids.
    assert (heard.status, heard.text, heard.goal) == (COMMAND, text, goal)


def test_resampled_recordings_decode(recognizer: Recognizer, tmp_path: Path):
    src = speak("vacuum under the red couch in the living room", tmp_path / "c.wav")
    goal = {"task": "vacuum_under", "object": "couch", "color": "red", "room": "living_room"}
    for name, args in (("stereo44k", ["-r", "44100", "-c", "2"]), ("mono8k", ["-r", "8000"])):
        out = tmp_path / f"{name}.wav"
        subprocess.run(["sox", str(src), *args, str(out)], check=True)
        heard = recognizer.hear_file(out)
        assert heard.status == COMMAND and heard.goal == goal, (name, heard)


def test_silence_is_heard_as_nothing(recognizer: Recognizer, tmp_path: Path):
    write_wav(tmp_path / "silence.wav", np.zeros(2 * RATE, np.int16))
    heard = recognizer.hear_file(tmp_path / "silence.wav")
    assert (heard.status, heard.message, heard.goal) == (NOTHING, "heard nothing", None)
    hiss = np.random.default_rng(0).normal(0, 20, 2 * RATE).astype(np.int16)  # -64 dBFS
    assert recognizer.hear(hiss).status == NOTHING


def test_noise_is_never_a_command(recognizer: Recognizer, tmp_path: Path):
    rng = np.random.default_rng(1)
    for level in (300, 3000, 12000):
        heard = recognizer.hear(rng.normal(0, level, 3 * RATE).clip(-32768, 32767)
                                .astype(np.int16))
        assert heard.status in (NOTHING, NOT_A_COMMAND) and heard.message, (level, heard)
    out = tmp_path / "brown.wav"
    subprocess.run(["sox", "-R", "-n", "-r", "16000", "-b", "16", str(out), "synth", "3",
                    "brownnoise"], check=True)
    assert recognizer.hear_file(out).status in (NOTHING, NOT_A_COMMAND)


def test_other_speech_is_not_a_command(recognizer: Recognizer, tmp_path: Path):
    chatter = ["what is the weather like today", "turn off the lights", "call my mother",
               "set an alarm for seven", "tell me a joke", "where are my keys"]
    statuses = [recognizer.hear(load(speak(t, tmp_path / f"o{i}.wav"))).status
                for i, t in enumerate(chatter)]
    # The garbage loop is a trade-off, not a guarantee (docs/speech.md has the measured rate).
    assert statuses.count(NOT_A_COMMAND) >= len(chatter) - 1, statuses
    assert COMMAND not in statuses[:3], statuses


def test_unreadable_files_say_so(recognizer: Recognizer, tmp_path: Path):
    text = tmp_path / "notes.wav"
    text.write_text("not audio")
    for path, why in ((text, "not a WAV file"), (tmp_path / "missing.wav", "No such file")):
        heard = recognizer.hear_file(path)
        assert heard.status == UNREADABLE
        assert heard.message.startswith(f"cannot read {path}: ") and why in heard.message


# ---- microphone ------------------------------------------------------------------------------
def test_utterances_are_cut_at_pauses(spoken: Path):
    speech = load(spoken)
    rng = np.random.default_rng(0)
    hush = lambda s: rng.normal(0, 30, int(s * RATE))  # noqa: E731
    stream = np.concatenate([hush(1.5), speech, hush(1.5), speech // 4, hush(0.5)])
    stream = stream.astype(np.int16)
    chunks = [stream[i:i + 1000] for i in range(0, len(stream), 1000)]
    cut = list(utterances(chunks))
    assert len(cut) == 2
    for u in cut:
        assert len(speech) / RATE < len(u) / RATE < len(speech) / RATE + 1.5


def test_recording_from_a_stream_decodes(recognizer: Recognizer, tmp_path: Path, spoken: Path):
    raw = tmp_path / "stream.raw"
    pad = np.zeros(RATE, np.int16)
    raw.write_bytes(np.concatenate([pad, load(spoken), pad, pad]).tobytes())
    pcm = record_utterance(seconds=10, command=["cat", str(raw)])
    assert recognizer.hear(pcm).goal == {"task": "goto_room", "object": None, "color": None,
                                         "room": "kitchen"}


@pytest.mark.skipif(Path("/dev/snd").exists(), reason="this machine has a sound device")
def test_no_microphone_is_a_clear_error(capsys):
    with pytest.raises(MicrophoneError, match="no microphone"):
        with Microphone() as mic:
            list(mic.chunks())
    assert main(["listen", "--mic", "--seconds", "1"]) == 2
    assert "no microphone" in capsys.readouterr().err


# ---- CLI -------------------------------------------------------------------------------------
def test_listen_json(spoken: Path, tmp_path: Path, capsys):
    assert main(["listen", "--wav", str(spoken), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["text"] == "go to the kitchen"
    assert out["goal"] == {"task": "goto_room", "object": None, "color": None, "room": "kitchen"}
    write_wav(tmp_path / "silence.wav", np.zeros(RATE, np.int16))
    assert main(["listen", "--wav", str(tmp_path / "silence.wav"), "--json"]) == 2
    out = json.loads(capsys.readouterr().out)
    assert (out["text"], out["goal"], out["error"]) == ("", None, "heard nothing")
    assert main(["listen", "--wav", str(tmp_path / "nope.wav")]) == 2
    assert f"cannot read {tmp_path / 'nope.wav'}" in capsys.readouterr().err


def test_listen_a_synonym(tmp_path: Path, capsys):
    wav = speak("vacuum under the red settee in the lounge", tmp_path / "settee.wav")
    assert main(["listen", "--wav", str(wav)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "heard: vacuum under the red settee in the lounge"
    assert json.loads(out[1]) == {"task": "vacuum_under", "object": "couch", "color": "red",
                                  "room": "living_room"}


def test_run_executes_a_spoken_command(spoken: Path, capsys):
    assert main(["run", "--wav", str(spoken), "--policy", "expert", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["instruction"] == "go to the kitchen" and out["success"] is True
    assert out["goal"]["room"] == "kitchen"


def test_run_needs_exactly_one_command(spoken: Path, capsys):
    assert main(["run"]) == 2
    assert "neither" in capsys.readouterr().err
    assert main(["run", "go to the kitchen", "--wav", str(spoken)]) == 2
    assert "both" in capsys.readouterr().err
