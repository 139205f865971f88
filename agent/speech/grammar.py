"""The speech grammar and pronunciations, generated from the sim's task vocabulary at run time.

Every phrasing in `sim.language.TEMPLATES` (training and held-out) becomes a path through a
JSGF grammar whose slots are the colours, objects and rooms the sim knows, so adding a colour, a
furniture type, a room or a phrasing to the sim adds it to what the robot can hear with no other
change. Words of the same role are interchangeable in speech as they are to the parser: any
vacuum word ("vacuum", "hoover", "sweep"…) may stand where a template says "vacuum" or "clean",
any "under" word where it says "under". "roomby" may open any command (a wake word), and
`vacuum_under` phrasings only take objects the robot can get under, so that the decoder never
produces a sentence the parser would reject.

Every word of the vocabulary needs a pronunciation: from the CMU dictionary that ships with
PocketSphinx, or from `EXTRA_PRONUNCIATIONS` here. A word with neither is an error when the
grammar is built (and in the tests), never a word the recogniser silently cannot hear.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from sim import language

# ARPAbet for vocabulary words the CMU dictionary lacks.
EXTRA_PRONUNCIATIONS: dict[str, tuple[str, ...]] = {
    "roomby": ("R UW M B IY",),
}
WAKE_WORD = "roomby"
GARBAGE_PREFIX = "_"  # garbage "words" are single phones: "_aa", "_b"… (no sim word has "_")
_SLOT = re.compile(r"\{(\w+)\}")


class MissingPronunciation(ValueError):
    """A vocabulary word has no pronunciation: add it to EXTRA_PRONUNCIATIONS."""


@dataclass(frozen=True)
class Grammar:
    """A JSGF grammar (`jsgf`, public rule `roomby.command`), its command words, the
    pronunciations the decoder's dictionary needs added (`extra_words`: word -> ARPAbet
    variants, garbage phones included) and `sentence`, a regular expression for its commands."""

    jsgf: str
    words: frozenset[str]
    extra_words: dict[str, tuple[str, ...]]
    sentence: re.Pattern[str]

    def accepts(self, text: str) -> bool:
        """Whether `text` (space-separated words) is a whole sentence of the grammar."""
        return self.sentence.fullmatch(" ".join(text.split()) + " ") is not None


def cmu_dictionary_path() -> Path:
    import pocketsphinx

    return Path(pocketsphinx.get_model_path("en-us")) / "cmudict-en-us.dict"


@lru_cache(maxsize=2)
def load_dictionary(path: str | None = None) -> dict[str, tuple[str, ...]]:
    """word -> its pronunciations (alternates such as ``tv(2)`` folded into one entry)."""
    out: dict[str, list[str]] = {}
    with open(path or cmu_dictionary_path(), encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) < 2:
                continue
            word = re.sub(r"\(\d+\)$", "", parts[0])
            out.setdefault(word, []).append(" ".join(parts[1:]))
    return {w: tuple(p) for w, p in out.items()}


def pronunciations(words: set[str] | frozenset[str],
                   dictionary: dict[str, tuple[str, ...]] | None = None
                   ) -> dict[str, tuple[str, ...]]:
    """The pronunciations of `words`; MissingPronunciation names every word that has none."""
    dictionary = load_dictionary() if dictionary is None else dictionary
    out: dict[str, tuple[str, ...]] = {}
    missing = []
    for w in sorted(words):
        if w in EXTRA_PRONUNCIATIONS:
            out[w] = EXTRA_PRONUNCIATIONS[w]
        elif w in dictionary:
            out[w] = dictionary[w]
        else:
            missing.append(w)
    if missing:
        raise MissingPronunciation(
            f"no pronunciation for {missing}: add ARPAbet for them to "
            f"agent/speech/grammar.py EXTRA_PRONUNCIATIONS")
    return out


def _alternatives(phrases: list[str]) -> str:
    unique = list(dict.fromkeys(" ".join(language.tokenize(p)) for p in phrases))
    return " | ".join(unique)


def _template_tokens(template: str, object_rule: str) -> tuple[str, ...]:
    """A template as JSGF tokens: slots become rules, role words their class."""
    out: list[str] = []
    pos = 0
    for m in _SLOT.finditer(template):
        out += _words(template[pos:m.start()])
        out.append({"color": "<color>", "object": object_rule, "room": "<room>",
                    "a": "<single>", "b": "<single>"}[m.group(1)])
        pos = m.end()
    out += _words(template[pos:])
    return tuple(out)


def _words(text: str) -> list[str]:
    out = []
    for w in language.tokenize(text):
        if w in language.VACUUM_WORDS:
            out.append("<vacuum>")
        elif w in language.UNDER_WORDS:
            out.append("<under>")
        else:
            out.append(w)
    return out


def _strip_wake_word(template: str) -> str:
    words = template.split(None, 1)
    if words and language.tokenize(words[0]) == [WAKE_WORD]:
        return words[1] if len(words) > 1 else ""
    return template


def _factor(seqs: list[tuple[str, ...]]) -> str:
    """Alternatives as a prefix tree: "go to the ( <room> | <color> <object> [ in … ] )".

    PocketSphinx turns a JSGF grammar into a finite-state graph without merging shared
    prefixes, and every alternative's first word is a live hypothesis at every frame; sharing
    the prefixes keeps the search small (and fast) without changing the language.
    """
    groups: dict[str, list[tuple[str, ...]]] = {}
    ends = False
    for s in seqs:
        if s:
            groups.setdefault(s[0], []).append(s[1:])
        else:
            ends = True
    alts = []
    for head, rests in groups.items():
        tail = _factor(rests)
        alts.append(f"{head} {tail}".strip() if tail else head)
    if not alts:
        return ""
    body = alts[0] if len(alts) == 1 else "( " + " | ".join(alts) + " )"
    return f"[ {body} ]" if ends else body


def _connectives() -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
    """What may open a two-step command ("first") and what joins its steps ("then", "and then",
    "after that"), read from the sequence phrasings ("first {a}, after that {b}")."""
    openers, joiners = [], []
    for split in ("train", "heldout"):
        for t in language.TEMPLATES["sequence"][split]:
            before, rest = _strip_wake_word(t).split("{a}", 1)
            between, after = rest.split("{b}", 1)
            if language.tokenize(after):
                raise ValueError(f"sequence phrasing {t!r}: words after {{b}} are not supported")
            openers.append(tuple(_words(before)))
            joiners.append(tuple(_words(between)))
    return list(dict.fromkeys(openers)), list(dict.fromkeys(joiners))


def phone_set(dictionary: dict[str, tuple[str, ...]] | None = None) -> list[str]:
    """The acoustic model's phones, as its dictionary uses them."""
    dictionary = load_dictionary() if dictionary is None else dictionary
    return sorted({p for prons in dictionary.values() for pr in prons for p in pr.split()})


def build_grammar(garbage_weight: float = 1e-10) -> Grammar:
    """The grammar of every command the sim can phrase, read from `sim.language` now.

    `<sentence>` is any single-task phrasing, or two joined as the sequence phrasings join them;
    `<garbage>`, a loop of single phones with prior weight `garbage_weight` against the
    sentences, absorbs speech that is not a command (see `agent/speech/recognizer.py`).
    """
    from sim.catalog import RAISED_TYPES

    singles: list[tuple[str, ...]] = []
    for task in language.TASKS:
        object_rule = "<raised_object>" if task == "vacuum_under" else "<object>"
        for split in ("train", "heldout"):
            for t in language.TEMPLATES[task][split]:
                singles.append(_template_tokens(_strip_wake_word(t), object_rule))
    openers, joiners = _connectives()
    # Vacuum words in the imperative only ("vacuuming" does not fit where "vacuum" stands).
    verbs = [w for w in language.VACUUM_WORDS if not w.endswith("ing")]
    raised = [f for t in RAISED_TYPES for f in language.OBJECT_WORDS[t]]
    phones = phone_set()
    rules = {
        "command": f"/1/ <sentence> | /{garbage_weight:g}/ <garbage>",
        # One copy of <single> per step, not one per sequence phrasing: the search grows with
        # every copy, and "first" / "then" / "after that" mean the same to the parser anyway.
        "sentence": f"[ {WAKE_WORD} ] {_factor(openers)} <single> [ {_factor(joiners)} <single> ]",
        "color": _alternatives(list(language.COLOR_NAMES)),
        "object": _alternatives([f for fs in language.OBJECT_WORDS.values() for f in fs]),
        "raised_object": _alternatives(raised),
        "room": _alternatives([f for fs in language.ROOM_WORDS.values() for f in fs]),
        "vacuum": _alternatives(verbs),
        "under": _alternatives(list(language.UNDER_WORDS)),
        "single": _factor(list(dict.fromkeys(singles))),
        "garbage": "<phone>+",
        "phone": " | ".join(GARBAGE_PREFIX + p.lower() for p in phones),
    }
    lines = ["#JSGF V1.0;", "grammar roomby;"]
    lines += [("public " if name == "command" else "") + f"<{name}> = {body};"
              for name, body in rules.items()]
    jsgf = "\n".join(lines) + "\n"
    words = frozenset(tok for name, body in rules.items() if name not in ("command", "phone")
                      for tok in re.findall(r"<?\w+>?", body) if not tok.startswith("<"))
    # Every vocabulary word, not only the grammar's, so a new sim word is caught here.
    prons = pronunciations(words | set(language.VOCAB[2:]))
    extra = {w: p for w, p in prons.items() if w in EXTRA_PRONUNCIATIONS}
    extra.update({GARBAGE_PREFIX + p.lower(): (p,) for p in phones})
    return Grammar(jsgf, words, extra, _to_regex(rules, "sentence"))


def _to_regex(rules: dict[str, str], top: str) -> re.Pattern[str]:
    """A regular expression for the sentences of `rules` (words joined by single spaces)."""
    memo: dict[str, str] = {}

    def expand(name: str) -> str:
        if name not in memo:
            out = []
            for tok in re.findall(r"<\w+>|\w+|[|()\[\]]", rules[name]):
                if tok.startswith("<"):
                    out.append(f"(?:{expand(tok[1:-1])})")
                else:
                    out.append({"|": "|", "(": "(?:", ")": ")", "[": "(?:", "]": ")?"}.get(
                        tok, tok + " "))
            memo[name] = "".join(out)
        return memo[name]

    return re.compile(expand(top))
