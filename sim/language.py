"""Instruction text: templates per task, the vocabulary, a tokenizer and a rule-based parser.

The vocabulary is derived from the catalog and the templates, so adding a colour, a furniture
type or a phrasing extends the tokenizer, the parser and the speech grammar at once. Token id 0
is padding and id 1 stands for any word outside the vocabulary: the model sees that a word was
there but not which, and `parse` names such words in its answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from sim.catalog import COLOR_NAMES, FURNITURE_TYPES, RAISED_TYPES, ROOM_TYPES
from sim.free_text import normalise

PAD, UNK = 0, 1
MAX_TOKENS = 32

# Spoken/written forms. The first form of each is what templates write.
OBJECT_WORDS: dict[str, tuple[str, ...]] = {
    "couch": ("couch", "sofa"),
    "bed": ("bed",),
    "table": ("table",),
    "desk": ("desk",),
    "chair": ("chair",),
    "rug": ("rug", "carpet"),
    "fridge": ("fridge", "refrigerator"),
    "plant": ("plant",),
    "bookshelf": ("bookshelf", "bookcase"),
    "tv_stand": ("tv stand", "television stand"),
}
ROOM_WORDS: dict[str, tuple[str, ...]] = {
    "living_room": ("living room", "lounge"),
    "kitchen": ("kitchen",),
    "bedroom": ("bedroom",),
    "bathroom": ("bathroom",),
    "office": ("office", "study"),
    "hallway": ("hallway", "hall", "corridor"),
}
VACUUM_WORDS = ("vacuum", "clean", "hoover", "sweep", "vacuuming", "cleaning")
UNDER_WORDS = ("under", "underneath", "beneath", "below")
THEN_WORDS = ("then", "afterwards", "after that", "and then")
# Steps whose place is known only from what happened earlier in the episode (the memory's job):
# back to where the command was given; back to the room the robot was in when the step before
# began. The first form of each is what the free-text reader writes.
MEMORY_WORDS: dict[str, tuple[str, ...]] = {
    "return": ("come back here", "come back to me", "go back to where you started",
               "return to where you started", "return to your starting point",
               "head back to where you were", "go back to the start", "come back"),
    "previous_room": ("go back to the room you were just in", "return to the room you came from",
                      "go back to the previous room", "head back to the room you were in before",
                      "back to the room you were just in", "back to the room you came from"),
}

# {color} {object} {room}: filled from the goal. Split into train and held-out phrasings.
TEMPLATES: dict[str, dict[str, tuple[str, ...]]] = {
    "goto_object": {
        "train": (
            "go to the {color} {object}",
            "go to the {color} {object} in the {room}",
            "drive to the {color} {object}",
            "roomby, head over to the {color} {object} in the {room}",
            "please move next to the {color} {object}",
            "find the {color} {object} in the {room}",
        ),
        "heldout": (
            "could you go over to the {color} {object} in the {room}?",
            "navigate to the {color} {object}",
        ),
    },
    "goto_room": {
        "train": (
            "go to the {room}",
            "drive into the {room}",
            "roomby, head to the {room}",
            "please go to the {room}",
        ),
        "heldout": ("could you move to the {room}?", "navigate into the {room}"),
    },
    "vacuum_under": {
        "train": (
            "vacuum under the {color} {object}",
            "vacuum under the {color} {object} in the {room}",
            "roomby, you forgot to vacuum the spot under the {color} {object} in the {room}!",
            "clean under the {color} {object} in the {room}",
            "please clean the floor beneath the {color} {object}",
        ),
        "heldout": (
            "could you clean underneath the {color} {object}?",
            "the floor below the {color} {object} in the {room} is dirty, vacuum it",
        ),
    },
    "vacuum_room": {
        "train": (
            "vacuum the {room}",
            "clean the {room}",
            "roomby, please vacuum the whole {room}",
            "give the {room} a clean",
        ),
        "heldout": ("could you vacuum the entire {room}?", "the {room} is dirty, clean it"),
    },
    "return": {
        "train": ("come back here", "come back to me", "go back to where you started",
                  "return to where you started"),
        "heldout": ("head back to where you were", "return to your starting point"),
    },
    "previous_room": {
        "train": ("go back to the room you were just in", "return to the room you came from",
                  "go back to the previous room"),
        "heldout": ("head back to the room you were in before",),
    },
    "sequence": {
        "train": ("{a}, then {b}", "{a} and then {b}"),
        "heldout": ("first {a}, after that {b}",),
    },
    "sequence3": {
        "train": ("{a}, then {b}, then {c}", "{a}, then {b} and then {c}"),
        "heldout": ("first {a}, after that {b}, then {c}",),
    },
}
TASKS: tuple[str, ...] = ("goto_object", "goto_room", "vacuum_under", "vacuum_room")
"""The four single tasks (what the shipped checkpoint's goal head knows)."""
MEMORY_TASKS: tuple[str, ...] = tuple(MEMORY_WORDS)
"""Step tasks whose target is where the robot was earlier: they come after another step."""
STEP_TASKS: tuple[str, ...] = (*TASKS, *MEMORY_TASKS)
GOAL_TASKS: tuple[str, ...] = (*STEP_TASKS, "sequence")
MIN_STEPS, MAX_STEPS = 2, 3
"""Steps of a sequence ("A, then B", "A, then B, then C")."""
_TOKEN = re.compile(r"[a-z]+")


def tokenize(text: str) -> list[str]:
    """Lower-case words; punctuation and digits are dropped."""
    return _TOKEN.findall(text.lower())


def _build_vocab() -> tuple[str, ...]:
    words: set[str] = set()
    for forms in (*OBJECT_WORDS.values(), *ROOM_WORDS.values()):
        for f in forms:
            words.update(tokenize(f))
    words.update(COLOR_NAMES)
    words.update(VACUUM_WORDS)
    words.update(UNDER_WORDS)
    for t in THEN_WORDS:
        words.update(tokenize(t))
    for forms in MEMORY_WORDS.values():
        for f in forms:
            words.update(tokenize(f))
    for per_split in TEMPLATES.values():
        for templates in per_split.values():
            for t in templates:
                words.update(tokenize(re.sub(r"\{\w+\}", " ", t)))
    return ("<pad>", "<unk>", *sorted(words))


VOCAB: tuple[str, ...] = _build_vocab()
WORD_TO_ID: dict[str, int] = {w: i for i, w in enumerate(VOCAB)}


def encode(text: str, max_len: int = MAX_TOKENS) -> np.ndarray:
    """Token ids (int64, padded with 0, truncated to `max_len`)."""
    ids = [WORD_TO_ID.get(w, UNK) for w in tokenize(text)][:max_len]
    out = np.zeros(max_len, dtype=np.int64)
    out[: len(ids)] = ids
    return out


def decode(ids: np.ndarray) -> str:
    return " ".join(VOCAB[int(i)] for i in ids if int(i) != PAD)


def object_phrase(type_: str) -> str:
    return OBJECT_WORDS[type_][0]


def room_phrase(room: str) -> str:
    return ROOM_WORDS[room][0]


def render_instruction(goal: dict, template: str) -> str:
    """Fill a single-task template from a goal dict."""
    return template.format(
        color=goal.get("color") or "",
        object=object_phrase(goal["object"]) if goal.get("object") else "",
        room=room_phrase(goal["room"]) if goal.get("room") else "",
    ).replace("  ", " ").strip()


def templates_for(goal: dict, split: str) -> list[str]:
    """Templates of `split` whose slots the goal fills exactly (no slot left empty or unused)."""
    out = []
    for t in TEMPLATES[goal["task"]][split]:
        needs_room = "{room}" in t
        needs_color = "{color}" in t
        if needs_room != (goal.get("room") is not None):
            continue
        if needs_color != (goal.get("color") is not None):
            continue
        out.append(t)
    return out


# ---- parsing ---------------------------------------------------------------------------
@dataclass
class ParseResult:
    """What a command means: `goal` (None if it could not be understood), the words the parser
    could not place, and an `error` explaining a failure."""

    goal: dict | None
    unknown_words: list[str] = field(default_factory=list)
    error: str | None = None

    def to_dict(self) -> dict:
        d: dict = {"goal": self.goal, "unknown_words": self.unknown_words}
        if self.error:
            d["error"] = self.error
        return d


MAX_COMMAND_CHARS = 500


def _find_phrases(words: list[str], table: dict[str, tuple[str, ...]]) -> list[tuple[int, str]]:
    """(position, id) of every phrase of `table` in `words`, longest phrases first."""
    found: list[tuple[int, str]] = []
    used = [False] * len(words)
    phrases = sorted(((tokenize(f), k) for k, fs in table.items() for f in fs),
                     key=lambda p: -len(p[0]))
    for toks, key in phrases:
        n = len(toks)
        for i in range(len(words) - n + 1):
            if words[i:i + n] == toks and not any(used[i:i + n]):
                found.append((i, key))
                for j in range(i, i + n):
                    used[j] = True
    return sorted(found)


_CLAUSE_FILLER = frozenset(("and", "now", "please", "roomby", "first"))


def _memory_step(words: list[str]) -> str | None:
    """The memory task a clause states ("come back here" -> return), or None."""
    rest = [w for w in words if w not in _CLAUSE_FILLER]
    for task, forms in MEMORY_WORDS.items():
        if any(tokenize(f) == rest for f in forms):
            return task
    return None


def _parse_clause(words: list[str]) -> tuple[dict | None, str | None]:
    memory = _memory_step(words)
    if memory is not None:
        return {"task": memory}, None
    objects = _find_phrases(words, OBJECT_WORDS)
    rooms = _find_phrases(words, ROOM_WORDS)
    colors = [w for w in words if w in COLOR_NAMES]
    vacuum = any(w in VACUUM_WORDS for w in words)
    under = any(w in UNDER_WORDS for w in words)
    if len({o for _, o in objects}) > 1:
        return None, f"names more than one object: {sorted({o for _, o in objects})}"
    if len(set(colors)) > 1:
        return None, f"names more than one colour: {sorted(set(colors))}"
    if len({r for _, r in rooms}) > 1:
        return None, f"names more than one room: {sorted({r for _, r in rooms})}"
    obj = objects[0][1] if objects else None
    color = colors[0] if colors else None
    room = rooms[0][1] if rooms else None
    if obj is not None:
        task = "vacuum_under" if (vacuum or under) else "goto_object"
        if task == "vacuum_under" and obj not in RAISED_TYPES:
            return None, (f"the robot cannot get under a {object_phrase(obj)}; it can vacuum "
                          f"under: {', '.join(object_phrase(t) for t in RAISED_TYPES)}")
        return {"task": task, "object": obj, "color": color, "room": room}, None
    if color is not None:
        return None, f"'{color}' names a colour but no object"
    if room is not None:
        return {"task": "vacuum_room" if vacuum else "goto_room", "room": room}, None
    return None, "no object or room I know"


def parse(text: str) -> ParseResult:
    """The goal a command means, in the sim's goal schema, or an error saying why not."""
    if not text or not text.strip():
        return ParseResult(None, error="empty command")
    if len(text) > MAX_COMMAND_CHARS:
        return ParseResult(None, error=f"command too long ({len(text)} characters; "
                                       f"at most {MAX_COMMAND_CHARS})")
    if not tokenize(text):
        return ParseResult(None, [], "no words in the command")
    reading = normalise(text, COLOR_NAMES)  # free text -> the words below (sim/free_text.py)
    unknown = [w for w in reading.ignored if w not in WORD_TO_ID]
    if reading.text is None:
        hint = f" (unknown words: {', '.join(unknown)})" if unknown else ""
        return ParseResult(None, unknown, f"not a command: {reading.refused}{hint}")
    words = tokenize(reading.text)
    # Split into steps at "then" / "after that".
    clauses: list[list[str]] = [[]]
    i = 0
    while i < len(words):
        if words[i] == "then" or (words[i] == "after" and words[i + 1:i + 2] == ["that"]):
            if clauses[-1] and clauses[-1][-1] == "and":
                clauses[-1].pop()
            clauses.append([])
            i += 2 if words[i] == "after" else 1
            continue
        clauses[-1].append(words[i])
        i += 1
    clauses = [c for c in clauses if c]
    if len(clauses) > MAX_STEPS:
        return ParseResult(None, unknown, f"{len(clauses)} steps; at most {MAX_STEPS} are "
                                          "supported")
    steps = []
    for c in clauses:
        goal, err = _parse_clause(c)
        if goal is None:
            where = f" in '{' '.join(c)}'" if len(clauses) > 1 else ""
            hint = f" (unknown words: {', '.join(unknown)})" if unknown else ""
            return ParseResult(None, unknown, f"{err}{where}{hint}")
        steps.append(goal)
    if steps[0]["task"] in MEMORY_TASKS:
        phrase = MEMORY_WORDS[steps[0]["task"]][0]
        return ParseResult(None, unknown, f"'{phrase}' needs something to do first: say what, "
                                          f"then '{phrase}' (e.g. 'go to the kitchen, then "
                                          f"{phrase}')")
    goal = steps[0] if len(steps) == 1 else {"task": "sequence", "steps": steps}
    return ParseResult(normalize_goal(goal), unknown)


def normalize_goal(goal: dict) -> dict:
    """Fill the optional keys with None so that goals compare equal regardless of spelling."""
    if goal.get("task") == "sequence":
        return {"task": "sequence", "steps": [normalize_goal(g) for g in goal["steps"]]}
    out = {"task": goal.get("task"), "object": goal.get("object"), "color": goal.get("color"),
           "room": goal.get("room")}
    return out


def validate_goal(goal: object) -> dict:
    """A normalised goal, or ValueError naming the bad key or value."""
    if not isinstance(goal, dict):
        raise ValueError(f"a goal is a dict like {{'task': 'goto_room', 'room': 'kitchen'}}, "
                         f"got {type(goal).__name__}")
    task = goal.get("task")
    if task not in GOAL_TASKS:
        raise ValueError(f"goal task {task!r} is not one of {list(GOAL_TASKS)}")
    if task == "sequence":
        steps = goal.get("steps")
        if not isinstance(steps, list) or not MIN_STEPS <= len(steps) <= MAX_STEPS:
            raise ValueError(f"a 'sequence' goal needs 'steps': a list of {MIN_STEPS} to "
                             f"{MAX_STEPS} goals")
        if any(isinstance(s, dict) and s.get("task") == "sequence" for s in steps):
            raise ValueError("a sequence's steps are single goals, not sequences")
        out = [_validate_memory_step(s) if isinstance(s, dict) and s.get("task") in MEMORY_TASKS
               else validate_goal(s) for s in steps]
        if out[0]["task"] in MEMORY_TASKS:
            raise ValueError(f"a sequence cannot start with {out[0]['task']!r}: it goes back to "
                             f"where the robot was before another step")
        return {"task": "sequence", "steps": out}
    if task in MEMORY_TASKS:
        _validate_memory_step(goal)
        raise ValueError(f"{task!r} is a step of a sequence (after another step), e.g. "
                         f"{{'task': 'sequence', 'steps': [{{'task': 'goto_room', 'room': "
                         f"'kitchen'}}, {{'task': '{task}'}}]}}")
    unknown = set(goal) - {"task", "object", "color", "room"}
    if unknown:
        raise ValueError(f"unknown goal key(s) {sorted(unknown)}; allowed: task, object, color, "
                         f"room")
    g = normalize_goal(goal)
    if g["object"] is not None and g["object"] not in FURNITURE_TYPES:
        raise ValueError(f"goal object {g['object']!r} is not one of {list(FURNITURE_TYPES)}")
    if g["color"] is not None and g["color"] not in COLOR_NAMES:
        raise ValueError(f"goal color {g['color']!r} is not one of {list(COLOR_NAMES)}")
    if g["room"] is not None and g["room"] not in ROOM_TYPES:
        raise ValueError(f"goal room {g['room']!r} is not one of {list(ROOM_TYPES)}")
    if task in ("goto_object", "vacuum_under") and g["object"] is None:
        raise ValueError(f"a {task} goal needs an 'object'")
    if task == "vacuum_under" and g["object"] not in RAISED_TYPES:
        raise ValueError(f"vacuum_under needs a raised object, one of {list(RAISED_TYPES)}")
    if task in ("goto_room", "vacuum_room"):
        if g["room"] is None:
            raise ValueError(f"a {task} goal needs a 'room'")
        if g["object"] is not None or g["color"] is not None:
            raise ValueError(f"a {task} goal takes only a 'room'")
    return g


def _validate_memory_step(goal: dict) -> dict:
    task = goal["task"]
    extra = set(goal) - {"task", "object", "color", "room"}
    named = [k for k in ("object", "color", "room") if goal.get(k) is not None]
    if extra or named:
        raise ValueError(f"a {task!r} step takes no {sorted(extra) or named}: its place is where "
                         f"the robot was earlier")
    return normalize_goal(goal)
