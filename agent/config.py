"""Typed configs loaded from YAML, with `--set section.key=value` overrides.

A config file holds any subset of the sections (`env:`, `model:` ...). Unknown sections or keys,
values of the wrong type or outside a key's choices, and unreadable files are errors that name
the key and the file.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
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


def _cut(text: str, limit: int = 60) -> str:
    """Text as it goes into a message, cut short (a pasted file is not worth echoing)."""
    return text if len(text) <= limit else f"{text[:limit - 3]}... ({len(text)} characters)"


def _shown(value: Any) -> str:
    return _cut(repr(value))


def _check(value: Any, tp: Any, where: str) -> Any:
    """Return `value` converted to type `tp`, or raise ConfigError naming `where`. `tp` may
    carry rules (`Annotated[int, Range(ge=1)]`, sim/bounds.py), checked after the type."""
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        base, *rules = typing.get_args(tp)
        value = _check(value, base, where)
        for rule in rules:
            problem = rule.problem(value)
            if problem:
                raise ConfigError(f"{where}: {_shown(value)} {problem}")
        return value
    if origin is typing.Literal:
        choices = typing.get_args(tp)
        if value not in choices:
            raise ConfigError(f"{where}: {_shown(value)} is not one of "
                              f"{', '.join(map(str, choices))}")
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
        raise ConfigError(errors[0] if errors else f"{where}: unexpected value {_shown(value)}")
    if origin in (list, tuple):
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{where}: expected a list, got {type(value).__name__} "
                              f"{_shown(value)}")
        (arg, *_) = typing.get_args(tp) or (Any,)
        return [_check(v, arg, f"{where}[{i}]") for i, v in enumerate(value)]
    if tp is Any:
        return value
    if tp is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: expected true/false, got {_shown(value)}")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{where}: expected a number, got {_shown(value)}")
        try:
            value = float(value)
        except OverflowError:
            value = math.inf
        if not math.isfinite(value):
            raise ConfigError(f"{where}: expected a finite number, got {_shown(value)}")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where}: expected an integer, got {_shown(value)}")
        return value
    if tp is str:
        if not isinstance(value, str):
            raise ConfigError(f"{where}: expected a string, got {_shown(value)}")
        return value
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: expected a mapping of keys, got {_shown(value)}")
        return value
    return value


def _apply(section_obj: Any, key: str, value: Any, where: str) -> None:
    hints = typing.get_type_hints(type(section_obj), include_extras=True)
    names = [f.name for f in fields(section_obj)]
    if key not in names:
        raise ConfigError(f"{where}: unknown key '{_cut(key)}' (known: {', '.join(names)})")
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
            raise ConfigError(f"{source}: unknown section '{_cut(str(sec))}' "
                              f"(known: {', '.join(sections)})")
        if values is None:
            continue
        if not isinstance(values, dict):
            raise ConfigError(f"{source}: section '{sec}' must be a mapping, got {_shown(values)}")
        obj = getattr(cfg, sec)
        for key, value in values.items():
            _apply(obj, str(key), value, f"{source}: {sec}.{_cut(str(key))}")
    return cfg


def load_file(path: str | Path) -> Any:
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as e:
        raise ConfigError(f"cannot read config file {path}: {e.strerror or e}") from e
    except UnicodeDecodeError as e:
        raise ConfigError(f"{path}: not a YAML config (not text: binary bytes at offset "
                          f"{e.start})") from None
    return _yaml(text, str(path))


def _yaml(text: str, where: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise ConfigError(f"{where}: not valid YAML: {e}") from e
    except RecursionError:
        raise ConfigError(f"{where}: not valid YAML: nested too deeply") from None
    except (ValueError, TypeError, AttributeError) as e:  # a tag or date YAML cannot build
        raise ConfigError(f"{where}: a value YAML cannot read ({type(e).__name__}: "
                          f"{_cut(str(e))})") from None


def parse_override(text: str) -> tuple[str, str, Any]:
    """'env.split=heldout' -> ('env', 'split', 'heldout'); the value is read as YAML."""
    if "=" not in text:
        raise ConfigError(f"--set {_cut(text)!r}: expected section.key=value")
    dotted, raw = text.split("=", 1)
    if dotted.count(".") != 1:
        raise ConfigError(f"--set {_cut(text)!r}: the key must be section.key, e.g. env.split")
    sec, key = dotted.split(".")
    value = _yaml(raw, f"--set {_cut(text)!r}") if raw.strip() else ""
    return sec, key, value


def load_config(path: str | Path | None = None, overrides: list[str] | tuple[str, ...] = ()
                ) -> RoombyConfig:
    """Defaults, then the file (if any), then each `section.key=value` override in order."""
    cfg = RoombyConfig()
    sources = []
    if path is not None:
        merge(cfg, load_file(path), str(path))
        sources.append(str(path))
    for text in overrides:
        sec, key, value = parse_override(text)
        merge(cfg, {sec: {key: value}}, f"--set {_cut(text)}")
        sources.append(f"--set {_cut(text)}")
    check_together(cfg, " and ".join(sources) or "the defaults")
    return cfg


def check_together(cfg: RoombyConfig, source: str) -> None:
    """Rules between keys, checked once every value is in (a rule checked after each override
    would refuse `--set model.heads=3 --set model.dim=48` halfway)."""
    m, t = cfg.model, cfg.train
    if m.dim % m.heads:
        raise ConfigError(f"{source}: model.dim {m.dim} must be a multiple of model.heads "
                          f"{m.heads} (each head gets dim / heads)")
    if t.init_widen and t.init_partial:
        raise ConfigError(f"{source}: train.init_widen and train.init_partial exclude each "
                          "other (widen copies every weight, partial the ones that fit)")


def to_dict(cfg: RoombyConfig) -> dict:
    return dataclasses.asdict(cfg)


def args_config(args: argparse.Namespace) -> RoombyConfig:
    """The config a subcommand's --config FILE and --set SECTION.KEY=VALUE give."""
    return load_config(args.config, args.overrides)
