"""Word tokenizer over the task vocabulary of `sim.language`, with an unknown-word token.

The vocabulary is the sim's: every word of the objects, colours, rooms and phrasings (train and
held-out templates), plus `<pad>` (id 0) and `<unk>` (id 1). A word outside it becomes `<unk>`:
the model sees that *a* word stood there (position and count are kept) but not which. Training
replaces known words by `<unk>` now and then (`word_dropout`) so the model learns that `<unk>`
carries no meaning and leans on the words it knows; `Tokenized.unknown` lists the words that were
replaced, and `roomby parse` reports them to the user.

A network keeps the vocabulary it was trained with (stored in its checkpoint): the sim derives
its vocabulary from the templates, sorted, so a new phrasing shifts the ids of the words after it.
`token_map` maps the ids the env and the tokenizer give today onto a network's own vocabulary: a
word it never saw becomes `<unk>`, every other word keeps its embedding. Checkpoints written
before vocabularies were stored used `LEGACY_VOCAB`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.language import MAX_TOKENS, PAD, UNK, VOCAB, WORD_TO_ID, tokenize


@dataclass(frozen=True)
class Tokenized:
    ids: np.ndarray
    """int64 [max_len], 0-padded."""
    words: list[str]
    """The words of the text, lower-cased, in order (before truncation)."""
    unknown: list[str] = field(default_factory=list)
    """Words outside the vocabulary (encoded as `<unk>`)."""
    truncated: bool = False
    """True when the text had more than max_len words (the rest were dropped)."""


class Tokenizer:
    """Text <-> token ids over `sim.language.VOCAB`."""

    vocab: tuple[str, ...] = VOCAB
    pad_id: int = PAD
    unk_id: int = UNK

    def __init__(self, max_len: int = MAX_TOKENS):
        self.max_len = max_len

    @property
    def vocab_size(self) -> int:
        return len(self.vocab)

    def __call__(self, text: str) -> Tokenized:
        words = tokenize(text)
        ids = np.zeros(self.max_len, dtype=np.int64)
        kept = [WORD_TO_ID.get(w, UNK) for w in words[: self.max_len]]
        ids[: len(kept)] = kept
        unknown = [w for w in words if w not in WORD_TO_ID]
        return Tokenized(ids, words, unknown, len(words) > self.max_len)

    def decode(self, ids: np.ndarray) -> str:
        return " ".join(self.vocab[int(i)] for i in np.asarray(ids).reshape(-1) if int(i) != PAD)


def word_dropout(ids: np.ndarray, p: float, rng: np.random.Generator) -> np.ndarray:
    """Replace each non-padding token by `<unk>` with probability p (a copy; any leading shape)."""
    ids = np.array(ids, copy=True)
    hit = (ids != PAD) & (rng.random(ids.shape) < p)
    ids[hit] = UNK
    return ids


LEGACY_VOCAB: tuple[str, ...] = (
    "<pad>", "<unk>", "a", "after", "afterwards", "and", "bathroom", "bed", "bedroom", "below",
    "beneath", "black", "blue", "bookcase", "bookshelf", "carpet", "chair", "clean", "cleaning",
    "corridor", "couch", "could", "desk", "dirty", "drive", "entire", "find", "first", "floor",
    "forgot", "fridge", "give", "go", "green", "hall", "hallway", "head", "hoover", "in", "into",
    "is", "it", "kitchen", "living", "lounge", "move", "navigate", "next", "office", "orange",
    "over", "plant", "please", "purple", "red", "refrigerator", "room", "roomby", "rug", "sofa",
    "spot", "stand", "study", "sweep", "table", "television", "that", "the", "then", "to", "tv",
    "under", "underneath", "vacuum", "vacuuming", "white", "whole", "yellow", "you")
"""The vocabulary of checkpoints that do not store one (the templates before the memory
families)."""


def check_vocabulary(vocab: object) -> tuple[str, ...]:
    """`vocab` as a tuple of words, or ValueError saying what is wrong with it."""
    if not isinstance(vocab, (list, tuple)) or not all(isinstance(w, str) for w in vocab):
        raise ValueError("vocabulary must be a list of words")
    if len(vocab) < 2 or tuple(vocab[:2]) != ("<pad>", "<unk>"):
        raise ValueError("vocabulary must start with '<pad>', '<unk>'")
    if len(set(vocab)) != len(vocab):
        raise ValueError("vocabulary has a word twice")
    return tuple(vocab)


def token_map(vocab: tuple[str, ...]) -> np.ndarray | None:
    """[len(VOCAB)] int64: today's id -> the id in `vocab` (`<unk>` for words it lacks), or None
    when the two are the same."""
    if tuple(vocab) == VOCAB:
        return None
    index = {w: i for i, w in enumerate(vocab)}
    return np.array([index.get(w, UNK) for w in VOCAB], dtype=np.int64)
