"""Commands as people type them, rewritten into the words the command parser knows.

`normalise("hi roomby, could you hoover under the red loveseat pls")` gives
`"vacuum under the red couch"`: filler and politeness dropped, synonyms mapped to the catalogue's
names, spelling corrected where one known word is clearly closest, events that imply a task
("the bathroom is a mess") turned into the task, steps put in the order they are to be done
("go to the hall, but first clean the kitchen") and joined by "then". Text that is not a
command for a vacuum ("open the fridge", "is the kitchen clean?", "don't vacuum the bedroom")
is refused with the reason.

Numpy-free and import-light: `sim.language.parse` runs every command through it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sim.catalog import COLOR_NAMES, FURNITURE_TYPES, ROOM_TYPES
from sim.lexicon import (
    COLOR_SYNONYMS,
    CONTRACTIONS,
    EVENT_WORDS,
    FOREIGN_VERBS,
    FUNCTION_WORDS,
    GO_PHRASES,
    GO_WORDS,
    MEMORY_PHRASES,
    NEGATIONS,
    OBJECT_SYNONYMS,
    OTHER_COLORS,
    OTHER_PLACES,
    OTHER_THINGS,
    QUESTION_WORDS,
    ROOM_SYNONYMS,
    THEN_PHRASES,
    UNDER_WORDS,
    VACUUM_PHRASES,
)

_SPLIT = re.compile(r"[.;!?]+|,|\s+-+\s+|\s*[—–:]\s*")
_WORD = re.compile(r"[a-z']+")


@dataclass
class Reading:
    """What `normalise` made of a command."""

    text: str | None
    """The command in the parser's words, steps joined by ", then " (None: refused)."""
    corrections: list[tuple[str, str]] = field(default_factory=list)
    """(typed, read as) for each spelling corrected."""
    ignored: list[str] = field(default_factory=list)
    """Words that carried no meaning here (filler, politeness, unknown names)."""
    refused: str | None = None
    """Why this is not a command for the robot."""
    sure: bool = True
    """False where the refusal is only that nothing known was found (a semantic reader may
    still place it); True for what is known not to be a command (another verb, a question)."""


def _phrase_table() -> list[tuple[tuple[str, ...], str]]:
    """(surface words, what they become), longest first; ids with "_" are written spaced."""
    rows: list[tuple[tuple[str, ...], str]] = []
    for table in (OBJECT_SYNONYMS, ROOM_SYNONYMS, COLOR_SYNONYMS):
        for key, forms in table.items():
            rows += [(tuple(f.split()), key.replace("_", " ")) for f in forms]
    rows += [(tuple(p.split()), "vacuum") for p in VACUUM_PHRASES]
    rows += [(tuple(p.split()), "go") for p in GO_PHRASES]
    rows += [(tuple(p.split()), "|then|") for p in THEN_PHRASES]
    rows += [(tuple(p.split()), f"|mem:{task}|") for task, ps in MEMORY_PHRASES.items()
             for p in ps]
    return sorted(rows, key=lambda r: -len(r[0]))


PHRASES = _phrase_table()
KNOWN = frozenset(w for words, _ in PHRASES for w in words) | EVENT_WORDS | GO_WORDS | \
    UNDER_WORDS | FOREIGN_VERBS | QUESTION_WORDS | \
    FUNCTION_WORDS | OTHER_THINGS | OTHER_PLACES | OTHER_COLORS
MEANINGFUL = frozenset(w for words, _ in PHRASES for w in words) | EVENT_WORDS | GO_WORDS | \
    UNDER_WORDS
"""Words that mean something to `normalise`; the rest (filler, unknown names) is ignored."""
CORRECTABLE = sorted(w for w in frozenset(w for words, _ in PHRASES for w in words)
                     | UNDER_WORDS | {"vacuum", "then", "first", "before"} if len(w) >= 3)
_MEANS = {words[0]: out for words, out in PHRASES if len(words) == 1}
assert set(OBJECT_SYNONYMS) == set(FURNITURE_TYPES) and set(ROOM_SYNONYMS) == set(ROOM_TYPES)


def _distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein (adjacent swaps count one), or limit + 1 once it is exceeded."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


def correct(word: str) -> str | None:
    """The known word `word` is a clear misspelling of, or None: within one edit (two for words
    of six letters or more; both, and three-letter words, keeping their first letter), and
    closer than every other
    candidate; among equally close ones, the only one with the same first letter (people
    seldom mistype the first letter)."""
    if word in KNOWN or len(word) < 3:
        return None
    limit = 1 if len(word) < 6 else 2
    scored = [(d, w) for w in CORRECTABLE if (d := _distance(word, w, limit)) <= limit
              and ((d == 1 and len(word) > 3) or w[0] == word[0])]
    if not scored:
        return None
    least = min(d for d, _ in scored)
    best = [w for d, w in scored if d == least]
    if len({_MEANS.get(w, w) for w in best}) == 1:  # "vacuum" or "vacuumed": the same
        return min(best, key=len)
    best = [w for w in best if w[0] == word[0]]
    return best[0] if len(best) == 1 else None


_OBJECTS = frozenset(k.replace("_", " ") for k in OBJECT_SYNONYMS)
_ROOMS = frozenset(k.replace("_", " ") for k in ROOM_SYNONYMS)
_COLORS = frozenset(COLOR_NAMES)
_FILLER_STARTS = frozenset(("roomby", "hey", "hi", "hello", "ok", "okay", "um", "uh", "so",
                            "right", "now", "and", "but", "oh", "well", "please", "pls", "yo",
                            "you", "like", "just", "also", "alright", "then"))


@dataclass
class _Step:
    words: list[str]
    objects: list[str] = field(default_factory=list)
    rooms: list[str] = field(default_factory=list)
    colors: list[str] = field(default_factory=list)
    vacuum: bool = False
    under: bool = False
    go: bool = False
    memory: str | None = None  # "come back here": return; "the room you came from": previous
    first: bool = False  # "but first ...": done before the step before it
    before: bool = False  # "before ...": done after the step after it

    @property
    def target(self) -> bool:
        return bool(self.objects or self.rooms)

    @property
    def action(self) -> bool:
        return self.vacuum or self.under or self.go

    def absorb(self, other: _Step) -> None:
        self.words += other.words
        for name in ("objects", "rooms", "colors"):
            for v in getattr(other, name):
                if v not in getattr(self, name):
                    getattr(self, name).append(v)
        self.vacuum |= other.vacuum
        self.under |= other.under
        self.go |= other.go


def _step(words: list[str], colors: frozenset[str] = _COLORS) -> _Step:
    s = _Step(list(words))
    for w in words:
        if w in _OBJECTS:
            s.objects.append(w)
        elif w in _ROOMS:
            s.rooms.append(w)
        elif w in colors:
            s.colors.append(w)
        elif w == "vacuum" or w in EVENT_WORDS:
            s.vacuum = True
        elif w in UNDER_WORDS:
            s.under = True
        elif w in GO_WORDS:
            s.go = True
    body = [w for w in words if w not in _FILLER_STARTS]
    s.first = bool(body) and body[0] == "first" and words[:1] != ["first"]
    s.before = bool(body) and body[0] == "before"
    return s


def _refusal(words: list[str], opening: bool, colors: frozenset[str] = _COLORS) -> str | None:
    """Why a clause is not a command for the robot (None: it may be one). Only the opening
    clause can be a question ("..., which is blue" is a description)."""
    body = [w for w in words if w not in _FILLER_STARTS]
    for other, kind, known in ((OTHER_THINGS, "furniture", _OBJECTS), (OTHER_PLACES, "a room",
                                                                        _ROOMS),
                               (OTHER_COLORS, "a colour", colors)):
        named = [w for w in words if w in other and w not in known]
        if named:
            return (f"'{named[0]}' is not {kind} I know; I know "
                    f"{', '.join(sorted(known))}")
    for neg in NEGATIONS:
        n = len(neg)
        if any(tuple(words[i:i + n]) == neg for i in range(len(words))):
            return "it says not to do something; I only take what to do"
    if not body:
        return None
    head = body[0]
    if head in FOREIGN_VERBS or (head == "move" and len(body) > 1 and body[1] in ("the", "a")):
        return f"'{head}' is not something I do: I go to rooms and furniture and vacuum"
    if opening and head in QUESTION_WORDS:
        return "a question, not a command"
    if body[:3] in (["i", "am", "going"], ["we", "are", "going"], ["i", "am", "off"]):
        return "says what you are doing, not what I should do"
    return None


def _split_and(step: _Step, colors: frozenset[str]) -> list[_Step]:
    """'vacuum the bathroom and the kitchen': one step per target joined by 'and'. Going to two
    places at once is not split: the parser asks which ("names more than one object")."""
    if len(step.rooms) + len(step.objects) < 2 or "and" not in step.words or not step.vacuum:
        return [step]
    parts, cur = [], []
    for w in step.words:
        if w == "and":
            parts.append(cur)
            cur = []
        else:
            cur.append(w)
    parts.append(cur)
    steps = [_step(p, colors) for p in parts if p]
    if not all(s.target for s in steps):
        return [step]
    kind = bool(steps[0].objects)
    if not all(s.action or bool(s.objects) == kind for s in steps[1:]):
        return [step]  # "the couch that is black and sits in the living room": one target
    for s in steps[1:]:
        if not s.action:
            s.vacuum, s.under, s.go = steps[0].vacuum, steps[0].under, steps[0].go
    return steps


def _render(s: _Step) -> str:
    if s.memory:
        return MEMORY_PHRASES[s.memory][0]
    color = f"{s.colors[0]} " if len(s.colors) == 1 else " ".join(s.colors) + " " \
        if s.colors else ""
    rooms = " and the ".join(s.rooms)
    if s.objects:
        where = f" in the {rooms}" if s.rooms else ""
        verb = "vacuum under" if s.vacuum or s.under else "go to"
        return f"{verb} the {color}{' and the '.join(s.objects)}{where}"
    if s.colors:
        return f"{'vacuum' if s.vacuum else 'go to'} the {color}{rooms}".strip()
    return f"{'vacuum' if s.vacuum or s.under else 'go to'} the {rooms}"


def normalise(text: str, colors: tuple[str, ...] = COLOR_NAMES) -> Reading:
    """`text` in the parser's words (see the module doc), or the reason it is not a command.
    `colors`: the colour names the parser takes (sim.language passes its own)."""
    palette = frozenset(colors)
    lower = text.lower().replace("\u2019", "'")
    for short, full in CONTRACTIONS.items():
        lower = lower.replace(short, full)
    tokens: list[str] = []
    for chunk in _SPLIT.split(lower):
        words = [w.strip("'") for w in _WORD.findall(chunk)]
        tokens += [w for w in words if w] + ["|"]
    reading = Reading(None)
    for i, w in enumerate(tokens):
        if w != "|" and w not in KNOWN:
            fixed = correct(w)
            if fixed:
                reading.corrections.append((w, fixed))
                tokens[i] = fixed
    canon: list[str] = []
    i = 0
    while i < len(tokens):
        for words, out in PHRASES:
            if tuple(tokens[i:i + len(words)]) == words:
                canon.append(out)
                i += len(words)
                break
        else:
            canon.append(tokens[i])
            i += 1
    # Clauses, each with the kind of boundary before it.
    clauses: list[tuple[bool, list[str]]] = []
    then, cur = False, []
    for w in [*canon, "|"]:
        if w.startswith("|mem:"):  # its own step, after what came before it
            if cur:
                clauses.append((then, cur))
            clauses.append((True, [w]))
            then, cur = False, []
        elif w in ("|", "|then|"):
            if cur:
                clauses.append((then, cur))
                then, cur = False, []
            then |= w == "|then|"
        else:
            cur.append(w)
    steps: list[_Step] = []
    for n, (is_then, words) in enumerate(clauses):
        if words[0].startswith("|mem:"):
            steps.append(_Step(words, memory=words[0][5:-1]))
            continue
        why = _refusal(words, opening=n == 0, colors=palette)
        if why:
            reading.refused = why
            return reading
        s = _step(words, palette)
        if not (s.target or s.action or s.colors):
            continue  # filler: "hi roomby", "cheers", "thanks so much"
        last = steps[-1] if steps else None
        if last is None or is_then or s.first or s.before or last.before:
            if last is not None and is_then and not s.action:
                s.vacuum, s.under, s.go = last.vacuum, last.under, last.go
            steps.append(s)
        elif not s.target or not last.target:
            last.absorb(s)
        elif s.rooms and not s.objects and last.objects and not last.rooms and not s.action:
            last.absorb(s)
        elif s.action:
            steps.append(s)
        else:
            last.absorb(s)
    steps = [part for s in steps for part in _split_and(s, palette)]
    ordered: list[_Step] = []
    for s in steps:
        if s.first and ordered:
            ordered.insert(len(ordered) - 1, s)
        elif ordered and ordered[-1].before:
            ordered.insert(len(ordered) - 1, s)
        else:
            ordered.append(s)
    for s in ordered:
        if s.target and not s.action:
            reading.sure = False
            reading.refused = (f"it names the {(s.objects or s.rooms)[0]} but not what to do "
                               "there (go to it, or vacuum it)")
            return reading
    reading.ignored = sorted({w for w in tokens
                              if w != "|" and w not in MEANINGFUL and w not in palette})
    reading.text = ", then ".join(_render(s) for s in ordered
                                  if s.target or s.colors or s.memory) or None
    if reading.text is None:
        reading.refused, reading.sure = "no object or room I know", False
    return reading


def read_command(text: str) -> str:
    """The command as the policy should read it: `normalise`'s rewrite in the parser's words
    (the phrasings training used), or the text as given where it is not a command."""
    return normalise(text).text or text
