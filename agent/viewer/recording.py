"""MCAP recordings of Roomby's topics without ROS installed (the `mcap` and `mcap-ros2-support`
libraries): `ros2 bag info/play` and Foxglove open them as ROS 2 recordings, with the standard
message schemas (`agent.viewer.schemas`)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from agent.viewer.schemas import definition
from agent.viewer.topics import RECORDED


def _mcap():
    try:
        from mcap_ros2.reader import read_ros2_messages
        from mcap_ros2.writer import Writer
    except ImportError as e:
        raise ValueError("recordings need the 'record' extra (pip install -e '.[record]'): "
                         f"{e}") from None
    return Writer, read_ros2_messages


class Recorder:
    """Writes messages (dicts) to an MCAP file, one channel per topic of `types`."""

    def __init__(self, path: str | os.PathLike, types: dict[str, str] | None = None):
        writer_cls, _ = _mcap()
        self.path = Path(path)
        if self.path.suffix != ".mcap":
            raise ValueError(f"{path}: a recording is an .mcap file")
        if self.path.is_dir():
            raise ValueError(f"{path} is a directory; give a file name ending in .mcap")
        self.types = dict(RECORDED if types is None else types)
        self._file = open(self.path, "wb")  # noqa: SIM115 (closed in close())
        self._writer = writer_cls(self._file)
        self._schemas: dict[str, Any] = {}
        self.count = 0

    def __call__(self, topic: str, ns: int, msg: dict) -> None:
        type_name = self.types.get(topic)
        if type_name is None:
            raise KeyError(f"topic {topic} is not one this recording has a type for")
        schema = self._schemas.get(type_name)
        if schema is None:
            schema = self._writer.register_msgdef(type_name, definition(type_name))
            self._schemas[type_name] = schema
        self._writer.write_message(topic, schema, msg, log_time=ns, publish_time=ns)
        self.count += 1

    def close(self) -> None:
        if not self._file.closed:
            self._writer.finish()
            self._file.close()

    def __enter__(self) -> Recorder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_recording(path: str | os.PathLike) -> Iterator[tuple[str, str, int, Any]]:
    """(topic, type, log time ns, decoded message) in log-time order; ValueError when the file
    is not an MCAP recording of ROS 2 messages."""
    _, read = _mcap()
    p = Path(path)
    if not p.is_file():
        raise ValueError(f"{path}: no such recording")
    try:
        with open(p, "rb") as f:
            for r in read(f):
                yield r.channel.topic, r.schema.name, r.log_time_ns, r.ros_msg
    except ValueError:
        raise
    except Exception as e:  # the reader's own errors (bad magic, truncated, bad CDR) vary
        raise ValueError(f"{path}: not a readable ROS 2 MCAP recording: "
                         f"{type(e).__name__}: {e}") from None
