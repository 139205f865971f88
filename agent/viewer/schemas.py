"""ROS 2 message schemas for MCAP files: a type's `.msg` text followed by every type it uses, in
the `ros2msg` encoding rosbag2 writes (each dependency after a line of 80 '=' and
`MSG: pkg/Type`). The definitions ship in `msgdefs/` (copied from ROS 2 Jazzy)."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

MSGDEFS = Path(__file__).with_name("msgdefs")
PRIMITIVES = frozenset({"bool", "byte", "char", "float32", "float64", "int8", "uint8", "int16",
                        "uint16", "int32", "uint32", "int64", "uint64", "string", "wstring"})


def _short(type_name: str) -> tuple[str, str]:
    """'nav_msgs/msg/Path' or 'nav_msgs/Path' -> ('nav_msgs', 'Path')."""
    parts = type_name.split("/")
    if len(parts) not in (2, 3) or (len(parts) == 3 and parts[1] != "msg"):
        raise ValueError(f"not a ROS 2 message type name: {type_name!r} (pkg/msg/Type)")
    return parts[0], parts[-1]


@cache
def _text(pkg: str, name: str) -> str:
    path = MSGDEFS / pkg / f"{name}.msg"
    if not path.is_file():
        raise ValueError(f"no message definition for {pkg}/msg/{name} in {MSGDEFS}")
    return path.read_text()


def _uses(pkg: str, text: str) -> list[tuple[str, str]]:
    """The message types a definition's fields use, in order of first use."""
    out: list[tuple[str, str]] = []
    for line in text.splitlines():
        words = line.split("#", 1)[0].split()
        if len(words) < 2 or "=" in words[1] or words[0].startswith("string<"):
            continue  # blank, comment or constant
        base = re.sub(r"(\[[^\]]*\]|<=\d+)$", "", words[0])
        if base in PRIMITIVES:
            continue
        if "/" in base:
            dep_pkg, dep_name = base.split("/")[0], base.split("/")[-1]
        else:  # a bare name is the same package's, but Header is always std_msgs'
            dep_pkg, dep_name = ("std_msgs" if base == "Header" else pkg), base
        if (dep_pkg, dep_name) not in out:
            out.append((dep_pkg, dep_name))
    return out


@cache
def definition(type_name: str) -> str:
    """The full schema text of `type_name` ('sensor_msgs/msg/Image')."""
    pkg, name = _short(type_name)
    order: list[tuple[str, str]] = []
    stack = list(reversed(_uses(pkg, _text(pkg, name))))
    while stack:
        dep = stack.pop()
        if dep in order:
            continue
        order.append(dep)
        stack.extend(reversed(_uses(dep[0], _text(*dep))))
    parts = [_text(pkg, name).rstrip("\n")]
    for dep_pkg, dep_name in order:
        parts.append("=" * 80 + f"\nMSG: {dep_pkg}/{dep_name}\n" + _text(dep_pkg, dep_name)
                     .rstrip("\n"))
    return "\n".join(parts) + "\n"
