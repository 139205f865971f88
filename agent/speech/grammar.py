"""The speech grammar and pronunciations, derived at run time from the sim's vocabulary: the
phrasings and words of `sim.language` and the synonyms of the free-text reader's lexicon
(`sim/lexicon.py`).

Every phrasing in `sim.language.TEMPLATES` (training and held-out) becomes a path through a
JSGF grammar whose slots are the colours, objects and rooms the sim knows, so adding a colour, a
furniture type, a room or a phrasing to the sim adds it to what the robot can hear with no other
change. Each slot takes the sim's own words for a value (`sim.language.OBJECT_WORDS`, …) and the
lexicon's synonyms for it ("settee", "lounge", "loo", "telly"…; `lexicon_synonyms`), so a
synonym added to the lexicon is heard too. A synonym enters a slot only where the parser reads
it, in every phrasing that slot appears in, as exactly that slot's value (checked with
`sim.language.parse` while the grammar is built), only where all its words can be
pronounced, and not where it sounds exactly like a phrase the slot already has ("bath room",
"livingroom": nothing the decoder could tell apart); the rest are listed in `Grammar.skipped`
with the reason.

Words of the same role are interchangeable in speech as they are to the parser: any
vacuum word ("vacuum", "hoover", "sweep"…) may stand where a template says "vacuum" or "clean",
any "under" word where it says "under". "roomby" may open any command (a wake word), and
`vacuum_under` phrasings only take objects the robot can get under, so that the decoder never
produces a sentence the parser would reject.

Every word of the vocabulary needs a pronunciation: from the CMU dictionary that ships with
PocketSphinx, or from `EXTRA_PRONUNCIATIONS` here. A word of `sim.language` with neither is an
error when the grammar is built (and in the tests), never a word the recogniser silently cannot
hear; a lexicon synonym with such a word is left out of the grammar (`Grammar.skipped`).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from sim import language

# ARPAbet for vocabulary words the CMU dictionary lacks (the lexicon's synonyms included).
# One pronunciation each: the recogniser adds the first only.
EXTRA_PRONUNCIATIONS: dict[str, tuple[str, ...]] = {
    "roomby": ("R UW M B IY",),
    "settee": ("S EH T IY",),
    "loveseat": ("L AH V S IY T",),  # love + seat
    "bathmat": ("B AE TH M AE T",),  # bath + mat
    "houseplant": ("HH AW S P L AE N T",),  # house + plant
    "ficus": ("F AY K AH S",),
    "monstera": ("M AA N S T EH R AH",),
    "wc": ("D AH B AH L Y UW S IY",),  # the letters w + c, as the dictionary has them
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
    variants, garbage phones included) and `sentence`, a regular expression for its commands.

    `synonyms`: the lexicon's phrases the slots take besides the sim's own words (slot ->
    value -> phrases); `skipped`: the lexicon's phrases left out ("slot value: phrase" -> why).
    """

    jsgf: str
    words: frozenset[str]
    extra_words: dict[str, tuple[str, ...]]
    sentence: re.Pattern[str]
    synonyms: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)

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
    """Phrases as one JSGF alternative, shared first words factored ("lounge [ room ]")."""
    return _factor(list(dict.fromkeys(tuple(language.tokenize(p)) for p in phrases)))


def _slot_values() -> dict[str, dict[str, tuple[str, ...]]]:
    """slot -> value -> the sim's own words for it (`sim.language`)."""
    return {"color": {c: (c,) for c in language.COLOR_NAMES},
            "object": {k: tuple(v) for k, v in language.OBJECT_WORDS.items()},
            "room": {k: tuple(v) for k, v in language.ROOM_WORDS.items()}}


def _lexicon_tables() -> dict[str, dict[str, tuple[str, ...]]]:
    """slot -> value -> the free-text reader's synonyms for it (`sim/lexicon.py`)."""
    from sim import lexicon

    return {"color": lexicon.COLOR_SYNONYMS, "object": lexicon.OBJECT_SYNONYMS,
            "room": lexicon.ROOM_SYNONYMS}


def _probes(slot: str, value: str, phrase: str) -> list[tuple[str, dict]]:
    """(sentence as the recogniser would give it, the goal it must parse to) for `phrase`
    standing for `value` in every phrasing with that slot, and as each step of a sequence."""
    from sim.catalog import RAISED_TYPES

    rooms = list(language.ROOM_WORDS)
    out: list[tuple[str, dict]] = []
    for task in language.TASKS:
        if slot != "room" and task in ("goto_room", "vacuum_room"):
            continue
        if task == "vacuum_under" and slot == "object" and value not in RAISED_TYPES:
            continue
        for split in ("train", "heldout"):
            for t in language.TEMPLATES[task][split]:
                if "{" + slot + "}" not in t:
                    continue
                # The other slots vary from probe to probe (a phrase that only reads right
                # next to one colour or room is caught); objects the robot gets under, so
                # that vacuum_under phrasings count.
                k = len(out)
                fill = {"color": language.COLOR_NAMES[k % len(language.COLOR_NAMES)],
                        "object": RAISED_TYPES[k % len(RAISED_TYPES)],
                        "room": rooms[k % len(rooms)], slot: value}
                words = {"color": fill["color"], "object": language.object_phrase(fill["object"]),
                         "room": language.room_phrase(fill["room"]), slot: phrase}
                goal = {"task": task, "room": fill["room"] if "{room}" in t else None}
                if task in ("goto_object", "vacuum_under"):
                    goal |= {"object": fill["object"],
                             "color": fill["color"] if "{color}" in t else None}
                out.append((" ".join(language.tokenize(t.format(**words))),
                            language.normalize_goal(goal)))
    # Sequences: the phrase just before each joiner ("… the lounge then …") and at the end.
    last = [(text, goal) for text, goal in out if text.endswith(" " + phrase)][:1]
    for text, goal in last:
        for split in ("train", "heldout"):
            for t in language.TEMPLATES["sequence"][split]:
                out.append((" ".join(language.tokenize(t.format(a=text, b=text))),
                            {"task": "sequence", "steps": [goal, goal]}))
    return out


def _inputs() -> tuple:
    """What `lexicon_synonyms` depends on, hashable: its cache key."""
    from sim import free_text
    from sim.catalog import RAISED_TYPES

    def freeze(table: dict) -> tuple:
        return tuple((k, tuple(v)) for k, v in table.items())

    return (tuple(freeze(t) for t in _lexicon_tables().values()),
            tuple(freeze(t) for t in _slot_values().values()), repr(language.TEMPLATES),
            tuple(RAISED_TYPES), tuple(free_text.PHRASES), freeze(EXTRA_PRONUNCIATIONS))


def lexicon_synonyms() -> tuple[dict[str, dict[str, tuple[str, ...]]], dict[str, str]]:
    """The lexicon's synonyms the grammar's slots take besides the sim's own words (slot ->
    value -> phrases, lexicon order), and those left out ("slot value: phrase" -> why).

    A phrase is taken when every word of it has a pronunciation (CMU dictionary or
    `EXTRA_PRONUNCIATIONS`), none of its pronunciations is one of a phrase the slot already
    has (the sim's words first, then the lexicon's in its order), and `sim.language.parse`
    reads it as exactly that value in every phrasing that has the slot, and in sequences: a
    sentence the recogniser may answer with one of them always means what it says. Cached on
    everything it reads.
    """
    return _lexicon_synonyms(_inputs())


@lru_cache(maxsize=4)
def _lexicon_synonyms(_key: tuple) -> tuple[dict[str, dict[str, tuple[str, ...]]],
                                             dict[str, str]]:
    dictionary = load_dictionary()
    own = _slot_values()
    added: dict[str, dict[str, tuple[str, ...]]] = {}
    skipped: dict[str, str] = {}
    for slot, table in _lexicon_tables().items():
        added[slot] = {}
        # What the slot's phrases sound like -> (value, phrase): a synonym that sounds like one
        # already there ("bath room", "livingroom") adds nothing the decoder can tell apart.
        heard = {sound: (v, f) for v, forms in own[slot].items() for f in forms
                 for sound in _sounds(language.tokenize(f), dictionary)}
        for value, forms in table.items():
            if value not in own[slot]:
                continue  # a value the parser does not know (cannot happen for the catalogue)
            known = {" ".join(language.tokenize(f)) for f in own[slot][value]}
            taken = []
            for phrase in forms:
                tokens = language.tokenize(phrase)
                text = " ".join(tokens)
                if text in known or text in taken:
                    continue
                where = f"{slot} {value}: {phrase}"
                unsaid = [w for w in tokens
                          if w not in EXTRA_PRONUNCIATIONS and w not in dictionary]
                if text != phrase.lower().strip() or not tokens:
                    skipped[where] = "not plain words"
                elif unsaid:
                    skipped[where] = f"no pronunciation for {unsaid}"
                elif like := next((heard[x] for x in _sounds(tokens, dictionary)
                                   if x in heard), None):
                    skipped[where] = f"sounds like '{like[1]}'" + (
                        "" if like[0] == value else f", which is {slot} {like[0]}")
                else:
                    wrong = next(((s, g) for s, g in _probes(slot, value, text)
                                  if language.parse(s).goal != g), None)
                    if wrong is None:
                        taken.append(text)
                        heard.update({x: (value, text) for x in _sounds(tokens, dictionary)})
                    else:
                        skipped[where] = (f"'{wrong[0]}' parses to "
                                          f"{language.parse(wrong[0]).goal}, not {wrong[1]}")
            if taken:
                added[slot][value] = tuple(taken)
    return added, skipped


def _sounds(tokens: list[str], dictionary: dict[str, tuple[str, ...]]) -> set[str]:
    """Every pronunciation of the words `tokens` (ARPAbet, joined); none if a word has none."""
    prons = [EXTRA_PRONUNCIATIONS.get(w) or dictionary.get(w, ()) for w in tokens]
    return {" ".join(p) for p in itertools.product(*prons)}


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
    """The grammar of every command the sim can phrase, read now from `sim.language` (its
    phrasings, words and slot values) and from the lexicon's synonyms (`lexicon_synonyms`).

    `<sentence>` is any single-task phrasing, or two or three joined as the sequence phrasings
    join them, where a later step may also be a phrasing that goes back ("come back here");
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
    backs = list(dict.fromkeys(tuple(_words(t)) for task in language.MEMORY_TASKS
                               for split in ("train", "heldout")
                               for t in language.TEMPLATES[task][split]))
    # Vacuum words in the imperative only ("vacuuming" does not fit where "vacuum" stands).
    verbs = [w for w in language.VACUUM_WORDS if not w.endswith("ing")]
    synonyms, skipped = lexicon_synonyms()
    slot = {name: {v: [*forms, *synonyms[name].get(v, ())] for v, forms in values.items()}
            for name, values in _slot_values().items()}
    raised = [f for t in RAISED_TYPES for f in slot["object"][t]]
    phones = phone_set()
    rules = {
        "command": f"/1/ <sentence> | /{garbage_weight:g}/ <garbage>",
        # One copy of <single> per step, not one per sequence phrasing: the search grows with
        # every copy, and "first" / "then" / "after that" mean the same to the parser anyway.
        # Later steps may go back ("…, then come back here"); up to three steps.
        "sentence": f"[ {WAKE_WORD} ] {_factor(openers)} <single> "
                    f"[ {_factor(joiners)} <step> [ {_factor(joiners)} <step> ] ]",
        "step": "<single> | <back>",
        "back": _factor(backs),
        "color": _alternatives([f for fs in slot["color"].values() for f in fs]),
        "object": _alternatives([f for fs in slot["object"].values() for f in fs]),
        "raised_object": _alternatives(raised),
        "room": _alternatives([f for fs in slot["room"].values() for f in fs]),
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
    return Grammar(jsgf, words, extra, _to_regex(rules, "sentence"),
                   {name: dict(v) for name, v in synonyms.items()}, dict(skipped))


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
