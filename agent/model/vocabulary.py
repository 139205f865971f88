"""A model's vocabulary, and the map from today's token ids to it.

The sim derives its vocabulary from the templates (`sim.language.VOCAB`, sorted), so a new
phrasing shifts the ids of the words after it. A network keeps the vocabulary it was trained
with (stored in its checkpoint) and maps the ids the env and the tokenizer give today onto it:
a word it never saw becomes `<unk>`, every other word keeps its embedding. Checkpoints written
before vocabularies were stored used `LEGACY_VOCAB`.
"""

from __future__ import annotations

import torch

from sim.language import UNK, VOCAB

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


def token_map(vocab: tuple[str, ...]) -> torch.Tensor | None:
    """[len(VOCAB)] int64: today's id -> the id in `vocab` (`<unk>` for words it lacks), or None
    when the two are the same."""
    if tuple(vocab) == VOCAB:
        return None
    index = {w: i for i, w in enumerate(vocab)}
    return torch.tensor([index.get(w, UNK) for w in VOCAB], dtype=torch.int64)
