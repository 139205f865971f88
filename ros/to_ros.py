"""A message dict (`agent.viewer.messages`) as the rclpy message: the node publishes exactly what
a recording holds, from one builder."""

from __future__ import annotations

import importlib
from functools import cache
from typing import Any


@cache
def _field_classes(cls: type) -> dict[str, type | None]:
    """Each field's message class, for fields that are messages or sequences of them."""
    out: dict[str, type | None] = {}
    for name, slot in zip(cls.get_fields_and_field_types(), cls.SLOT_TYPES, strict=True):
        t = getattr(slot, "value_type", slot)  # a sequence's element type
        names = getattr(t, "namespaces", None)
        out[name] = getattr(importlib.import_module(".".join(names)), t.name) if names else None
    return out


def to_ros(cls: type, value: dict[str, Any]) -> Any:
    """`cls(**value)`, recursively: dict fields become their message class, lists of dicts
    lists of it. Fields the dict leaves out keep the message's defaults; a name the message
    lacks is a KeyError (a builder's bug, not bad input)."""
    msg = cls()
    fields = _field_classes(cls)
    for name, v in value.items():
        sub = fields[name]
        if sub is not None and isinstance(v, dict):
            v = to_ros(sub, v)
        elif sub is not None and isinstance(v, list):
            v = [to_ros(sub, e) if isinstance(e, dict) else e for e in v]
        setattr(msg, name, v)
    return msg
