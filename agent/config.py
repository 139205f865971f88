"""Typed configs loaded from YAML, with `--set section.key=value` overrides.

A config file holds any subset of the sections (`env:`, `model:` ...). Unknown sections or keys,
values of the wrong type or outside a key's choices, and unreadable files are errors that name
the key and the file.
"""

from __future__ import annotations

import argparse
import dataclasses
import types
import typing
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

from agent.model.config import ModelConfig
from agent.train.config import TrainConfig
from agent.workers.config import RunConfig
from sim.config import EnvConfig

CONFIG_DIR = Path(__file__).resolve().parent.parent / "configs"


class ConfigError(ValueError):
    """A bad config file or override; the message names the key and where it came from."""


@dataclass
class RoombyConfig:
    """All sections. Later parts of Roomby add theirs here."""

    env: EnvConfig = field(default_factory=EnvConfig)
    """The simulated environment (sim.config.EnvConfig)."""
    model: ModelConfig = field(default_factory=ModelConfig)
    """The policy network (agent.model.config.ModelConfig)."""
    train: TrainConfig = field(default_factory=TrainConfig)
    """Training (agent.train.config.TrainConfig): `roomby train`."""
    run: RunConfig = field(default_factory=RunConfig)
    """Where episode-parallel jobs run (agent.workers.config.RunConfig): local or Ray."""


def _check(value: Any, tp: Any, where: str) -> Any:
    """Return `value` converted to type `tp`, or raise ConfigError naming `where`."""
    origin = typing.get_origin(tp)
    if origin is typing.Literal:
        choices = typing.get_args(tp)
        if value not in choices:
            raise ConfigError(f"{where}: {value!r} is not one of {', '.join(map(str, choices))}")
        return value
    if origin in (typing.Union, types.UnionType):
        errors = []
        for arg in typing.get_args(tp):
            if arg is type(None):
                if value is None:
                    return None
                continue
            try:
                return _check(value, arg, where)
            except ConfigError as e:
                errors.append(str(e))
        raise ConfigError(errors[0] if errors else f"{where}: unexpected value {value!r}")
    if origin in (list, tuple):
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{where}: expected a list, got {type(value).__name__} {value!r}")
        (arg, *_) = typing.get_args(tp) or (Any,)
        return [_check(v, arg, f"{where}[{i}]") for i, v in enumerate(value)]
    if tp is Any:
        return value
    if tp is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: expected true/false, got {value!r}")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{where}: expected a number, got {value!r}")
        return float(value)
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where}: expected an integer, got {value!r}")
        return value
    if tp is str:
        if not isinstance(value, str):
            raise ConfigError(f"{where}: expected a string, got {value!r}")
        return value
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: expected a mapping of keys, got {value!r}")
        return value
    return value


def _apply(section_obj: Any, key: str, value: Any, where: str) -> None:
    hints = typing.get_type_hints(type(section_obj))
    names = [f.name for f in fields(section_obj)]
    if key not in names:
        raise ConfigError(f"{where}: unknown key '{key}' (known: {', '.join(names)})")
    setattr(section_obj, key, _check(value, hints[key], where))


def merge(cfg: RoombyConfig, data: Any, source: str) -> RoombyConfig:
    """Apply a parsed YAML mapping {section: {key: value}} onto `cfg`."""
    if data is None:
        return cfg
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: expected a mapping of sections, got {type(data).__name__}")
    sections = [f.name for f in fields(cfg)]
    for sec, values in data.items():
        if sec not in sections:
            raise ConfigError(f"{source}: unknown section '{sec}' (known: {', '.join(sections)})")
        if values is None:
            continue
        if not isinstance(values, dict):
            raise ConfigError(f"{source}: section '{sec}' must be a mapping, got {values!r}")
        obj = getattr(cfg, sec)
        for key, value in values.items():
            _apply(obj, str(key), value, f"{source}: {sec}.{key}")
    return cfg


def load_file(path: str | Path) -> Any:
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as e:
        raise ConfigError(f"cannot read config file {path}: {e.strerror or e}") from e
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise ConfigError(f"{path}: not valid YAML: {e}") from e


def parse_override(text: str) -> tuple[str, str, Any]:
    """'env.split=heldout' -> ('env', 'split', 'heldout'); the value is read as YAML."""
    if "=" not in text:
        raise ConfigError(f"--set {text!r}: expected section.key=value")
    dotted, raw = text.split("=", 1)
    if dotted.count(".") != 1:
        raise ConfigError(f"--set {text!r}: the key must be section.key, e.g. env.split")
    sec, key = dotted.split(".")
    try:
        value = yaml.safe_load(raw) if raw.strip() else ""
    except yaml.YAMLError as e:
        raise ConfigError(f"--set {text!r}: cannot read the value: {e}") from e
    return sec, key, value


def load_config(path: str | Path | None = None, overrides: list[str] | tuple[str, ...] = ()
                ) -> RoombyConfig:
    """Defaults, then the file (if any), then each `section.key=value` override in order."""
    cfg = RoombyConfig()
    if path is not None:
        merge(cfg, load_file(path), str(path))
    for text in overrides:
        sec, key, value = parse_override(text)
        merge(cfg, {sec: {key: value}}, f"--set {text}")
    return cfg


def to_dict(cfg: RoombyConfig) -> dict:
    return dataclasses.asdict(cfg)


def args_config(args: argparse.Namespace) -> RoombyConfig:
    """The config a subcommand's --config FILE and --set SECTION.KEY=VALUE give."""
    return load_config(args.config, args.overrides)
