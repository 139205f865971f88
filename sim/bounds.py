"""What a config key allows, written beside its type: `Annotated[int, Range(ge=1)]`.

The config loader (agent/config.py) checks each rule when a file or `--set` gives the key a
value, and names the key, the value and what is allowed when one fails. The rules live in `sim`
because the `env:` section does; the agent's sections import them from here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any


@dataclass(frozen=True)
class Range:
    """A number's interval: ge/le inclusive, gt/lt exclusive bounds; None leaves a side open.
    Floats must also be finite (no nan, no inf)."""

    ge: float | None = None
    gt: float | None = None
    le: float | None = None
    lt: float | None = None

    def allows(self, value: float) -> bool:
        if isinstance(value, float) and not math.isfinite(value):
            return False
        return ((self.ge is None or value >= self.ge) and (self.gt is None or value > self.gt)
                and (self.le is None or value <= self.le) and (self.lt is None or value < self.lt))

    def problem(self, value: Any) -> str | None:
        return None if self.allows(value) else f"must be {self}"

    def __str__(self) -> str:
        def num(x: float) -> str:
            return str(int(x)) if float(x).is_integer() else f"{x:g}"

        low, high = self.ge if self.ge is not None else self.gt, \
            self.le if self.le is not None else self.lt
        if low is not None and high is not None:
            return (f"in {'[' if self.ge is not None else '('}{num(low)}, {num(high)}"
                    f"{']' if self.le is not None else ')'}")
        if low is not None:
            return f"{'>=' if self.ge is not None else '>'} {num(low)}"
        if high is not None:
            return f"{'<=' if self.le is not None else '<'} {num(high)}"
        return "a finite number"


@dataclass(frozen=True)
class Length:
    """A list's allowed lengths."""

    allowed: tuple[int, ...] = ()
    at_least: int = 0

    def problem(self, value: Sequence) -> str | None:
        n = len(value)
        if self.allowed and n not in self.allowed:
            return f"must have {' or '.join(map(str, self.allowed))} items, has {n}"
        if n < self.at_least:
            return f"must have at least {self.at_least} item{'s' * (self.at_least != 1)}"
        return None


@dataclass(frozen=True)
class Ascending:
    """A list whose items do not decrease (a [min, max] pair)."""

    def problem(self, value: Sequence) -> str | None:
        if any(a > b for a, b in zip(value, value[1:], strict=False)):
            return "must be [min, max] with min <= max"
        return None


@dataclass(frozen=True)
class OneOf:
    """A string from a set known when the config is read (registered ids, family names)."""

    choices: tuple[str, ...]

    def problem(self, value: str) -> str | None:
        if value in self.choices:
            return None
        return f"is not one of: {', '.join(self.choices)}"


Positive = Annotated[int, Range(ge=1)]
"""An integer count or size of at least 1."""
NonNegative = Annotated[int, Range(ge=0)]
"""An integer of at least 0 (0 usually means "none" or "skip")."""
Fraction = Annotated[float, Range(ge=0.0, le=1.0)]
"""A probability or share, in [0, 1]."""
Rate = Annotated[float, Range(gt=0.0, le=1.0)]
"""A learning rate: above 0 (an optimiser with rate 0 learns nothing)."""
Budget = Annotated[float, Range(ge=0.0, le=10_000.0)]
"""Minutes of a training budget; 0: no limit."""
Seed = Annotated[int, Range(ge=0, le=2**32 - 1)]
"""A seed numpy and torch both accept."""
