"""Every subcommand fuzzed (hypothesis) in a real process: odd text, numbers out of range, paths
that do not exist, directories where files belong, damaged files, unicode, very long arguments.
Each run must end with exit status 0, 1 or 2 and say why on stderr, never with a traceback.

Each example carries one to three arguments drawn from values meant to be wrong for their option
(a few, such as a Ray address, may happen to be valid), so no example starts an hour of
evaluation; which ones, and what comes with them, is the fuzzer's choice.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[2]
WORDS = ["go", "to", "the", "kitchen", "vacuum", "under", "red", "couch", "roomby", "clean",
         "bedroom", "then", "and", "please", "piano", "über", "🧹", "", " ", "-", "--json"]

TEXT = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
            max_size=30),
    st.lists(st.sampled_from(WORDS), max_size=8).map(" ".join),
    st.integers(1, 20).map(lambda n: "clean " * 500 * n),
)
BAD_NUMBERS = st.one_of(
    st.integers(max_value=-1).map(str), st.integers(min_value=2**32).map(str),
    st.sampled_from(["nan", "inf", "-inf", "1e400", "0x10", "1_0.5", "", "one", "½", "٣"]),
    st.floats(allow_nan=True).map(repr).filter(lambda s: "." in s or "e" in s),
)


def _files(root: Path) -> dict[str, str]:
    """Paths of every awkward kind, made once for the module."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "dir").mkdir(exist_ok=True)
    (root / "empty.json").write_text("")
    (root / "junk.bin").write_bytes(bytes(range(256)) * 8)
    (root / "text.txt").write_text("hello, this is not what you expected\n")
    (root / "object.json").write_text('{"a": 1}\n')
    (root / "list.json").write_text("[1, 2, 3]\n")
    (root / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    (root / "half.pt").write_bytes(b"PK\x03\x04" + bytes(100))
    (root / "noread.json").write_text('{"rooms": []}')
    os.chmod(root / "noread.json", 0)  # unreadable for anyone but root (CI may run as root)
    if not (root / "dangling").is_symlink():
        (root / "dangling").symlink_to(root / "gone")
    names = ["dir", "empty.json", "junk.bin", "text.txt", "object.json", "list.json",
             "deep.json", "half.pt", "noread.json", "dangling"]
    paths = {n: str(root / n) for n in names}
    paths |= {"missing": str(root / "missing.pt"), "under_a_file": str(root / "text.txt" / "x"),
              "long": str(root / ("a" * 300)), "unicode": str(root / "ünï cødé 🧹.json")}
    return paths


def _remove(root: Path) -> None:
    os.chmod(root / "noread.json", 0o600)
    shutil.rmtree(root, ignore_errors=True)


_ROOT = Path(tempfile.mkdtemp(prefix="roomby-cli-fuzz-"))
FILES = _files(_ROOT)
atexit.register(_remove, _ROOT)
BAD_PATH = st.sampled_from(sorted(FILES.values()))
BAD_OUT = st.sampled_from([FILES[k] for k in ("dir", "under_a_file", "long", "dangling")]
                          + [FILES["text.txt"] + ".avi", FILES["dir"] + "/x.webm"])
"""Where a file cannot be written."""
BAD_DIR = st.sampled_from([FILES[k] for k in ("text.txt", "under_a_file", "long", "dangling")])
"""Where a folder cannot be made."""
BAD_SET = st.one_of(
    TEXT, st.sampled_from(["env.camera_width=-5", "env.nope=1", "model.dim=7", "train.lr=0",
                           "env.split=test", "env.n_rooms=[3,1]", "run.max_retries=-2",
                           "env.id=" + "x" * 5000, "env.hfov_deg=.nan", "x.y.z=1", "=",
                           "env.split=[", "model.heads=0", "train.seed=-1",
                           "env.split=!!timestamp x", "train.lr=1" + "0" * 400]))
CHOICE = st.one_of(TEXT, st.sampled_from(["Learned", "EXPERT", "oracle ", "ray ", "heldout2"]))


def opt(flag: str, values: st.SearchStrategy) -> st.SearchStrategy:
    return values.map(lambda v: [flag, v] if not v.startswith("-") else [f"{flag}={v}"])


CONFIG = [opt("--config", BAD_PATH), opt("--set", BAD_SET)]
EPISODES = [opt("--episodes", BAD_NUMBERS), opt("--seed", BAD_NUMBERS),
            opt("--workers", BAD_NUMBERS), opt("--families", TEXT), opt("--env", TEXT),
            opt("--backend", CHOICE), opt("--ray-address", TEXT), opt("--split", CHOICE),
            *CONFIG]
POLICY = [opt("--policy", st.one_of(BAD_PATH, CHOICE)), opt("--perception", CHOICE)]

BAD_ARGS: dict[str, list[st.SearchStrategy]] = {
    # `run`'s instruction is free text: a made-up one is almost never a command, and one that
    # is costs one episode.
    "run": [TEXT.map(lambda t: [t] if not t.startswith("-") else ["--", t]),
            opt("--wav", BAD_PATH), opt("--seed", BAD_NUMBERS), opt("--home", BAD_PATH),
            opt("--video", BAD_OUT), opt("--record", BAD_OUT), *POLICY, *CONFIG],
    "replay": [BAD_PATH.map(lambda p: [p]), opt("--video", BAD_OUT), opt("--still", BAD_OUT)],
    "eval": [*EPISODES, *POLICY, opt("--episodes-file", BAD_PATH)],
    "collect": [*EPISODES, opt("--out", BAD_DIR), opt("--frame-every", BAD_NUMBERS),
                opt("--policy", BAD_PATH), opt("--beta", BAD_NUMBERS),
                opt("--perception", st.one_of(BAD_PATH, CHOICE))],
    "train": [opt("--out", BAD_DIR), opt("--backend", CHOICE), opt("--ray-address", TEXT),
              *CONFIG],
    "parse": [TEXT.map(lambda t: [t] if not t.startswith("-") else ["--", t])],
    "listen": [opt("--wav", BAD_PATH), opt("--seconds", BAD_NUMBERS)],
    "home generate": [opt("--seed", BAD_NUMBERS), opt("--rooms", BAD_NUMBERS),
                      opt("--out", BAD_OUT), opt("--picture", BAD_OUT)],
    "home check": [BAD_PATH.map(lambda p: [p])],
    "compare": [st.lists(BAD_PATH, min_size=1, max_size=4)],
    "export": [opt("--checkpoint", BAD_PATH), opt("--out", BAD_DIR)],
}
FLAGS = {"run": ["--json"], "eval": ["--json"], "collect": ["--json"],
         "train": ["--resume", "--quiet"], "parse": ["--json"], "listen": ["--json"],
         "compare": ["--json"], "export": ["--json", "--fp16"], "replay": ["--json"]}
REQUIRED = {"collect": ["--out", FILES["dir"] + "/shards"], "train": ["--out", FILES["dir"]],
            "export": ["--out", FILES["dir"] + "/bundle"], "home generate": ["--out", "h.json"],
            "listen": ["--wav", FILES["junk.bin"]], "parse": ["x"]}


@st.composite
def argv(draw, command: str) -> list[str]:
    """The subcommand, one to three wrong arguments, and maybe a flag or two."""
    bad = BAD_ARGS[command]
    chosen = draw(st.lists(st.sampled_from(range(len(bad))), min_size=1, max_size=3))
    args: list[str] = []
    for i in chosen:
        args += draw(bad[i])
    flags = draw(st.lists(st.sampled_from(FLAGS.get(command, ["--help"])), max_size=2))
    if command in REQUIRED and draw(st.booleans()):
        args = REQUIRED[command] + args
    return [*command.split(), *args, *flags]


def roomby(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "agent.cli", *args], capture_output=True,
                          text=True, cwd=cwd, env=env, timeout=240)


@pytest.mark.parametrize("command", sorted(BAD_ARGS))
@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_wrong_arguments_end_with_a_message_not_a_traceback(command, data, tmp_path):
    args = data.draw(argv(command))
    r = roomby(args, tmp_path)
    shown = f"roomby {' '.join(a if len(a) < 80 else a[:77] + '...' for a in args)}"
    assert "Traceback" not in r.stderr, f"{shown}\n{r.stderr[-3000:]}"
    assert r.returncode in (0, 1, 2), f"{shown}: exit {r.returncode}\n{r.stderr[-3000:]}"
    if r.returncode:
        assert (r.stderr + r.stdout).strip(), f"{shown}: exit {r.returncode} without a word"
        assert len(r.stderr) < 5_000, f"{shown}: a message, not a dump"


def test_every_subcommand_is_fuzzed():
    from agent.cli.main import COMMANDS

    assert {c.split()[0] for c in BAD_ARGS} == set(COMMANDS)
