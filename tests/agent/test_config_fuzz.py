"""Every key of every config section, fed wrong values (hypothesis): a ConfigError that names the
key and what it allows, never a traceback; and values the key's rules allow are taken."""

from __future__ import annotations

import dataclasses
import math
import types
import typing

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agent.config import ConfigError, RoombyConfig, load_config, merge
from sim.bounds import Ascending, Length, OneOf, Range

FREE_TEXT = {"train.data", "train.init", "train.init_perception", "run.ray_address"}
"""String keys with no fixed choices: paths and addresses, checked where they are opened."""

KEYS = [(f.name, k.name, typing.get_type_hints(type(getattr(RoombyConfig(), f.name)),
                                               include_extras=True)[k.name])
        for f in dataclasses.fields(RoombyConfig)
        for k in dataclasses.fields(getattr(RoombyConfig(), f.name))]
IDS = [f"{s}.{k}" for s, k, _ in KEYS]

SCALARS = st.one_of(st.text(max_size=40), st.integers(-10**12, 10**12),
                    st.floats(allow_nan=True, allow_infinity=True), st.booleans(), st.none(),
                    st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5),
                                                                         st.integers(), max_size=2))


def optional(tp) -> object | None:
    """`X` for `X | None` (a key whose None means 'the default of something else'), else None."""
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1 and len(typing.get_args(tp)) == 2:
            return args[0]
    return None


def split(tp) -> tuple[object, list]:
    """Annotated[base, rules...] -> (base, rules); a bare type has no rules."""
    if optional(tp) is not None:
        return split(optional(tp))
    if typing.get_origin(tp) is typing.Annotated:
        base, *rules = typing.get_args(tp)
        return base, rules
    return tp, []


def is_ok(value, tp) -> bool:
    """Whether `value` is right for `tp`, judged here, independently of the loader."""
    if optional(tp) is not None:
        return value is None or is_ok(value, optional(tp))
    base, rules = split(tp)
    origin = typing.get_origin(base)
    if origin is typing.Literal:
        ok = isinstance(value, str) and value in typing.get_args(base)
    elif origin is list:
        (item,) = typing.get_args(base)
        ok = isinstance(value, list) and all(is_ok(v, item) for v in value)
    elif base is bool:
        ok = isinstance(value, bool)
    elif base is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif base is float:
        ok = (isinstance(value, (int, float)) and not isinstance(value, bool)
              and math.isfinite(value))
    elif base is str:
        ok = isinstance(value, str)
    else:
        raise AssertionError(f"no judge for {base}")
    return ok and all(rule.problem(value) is None for rule in rules)


def values_for(tp) -> st.SearchStrategy:
    """Values near what `tp` allows (in and just out of its ranges and choices) and anything."""
    base, rules = split(tp)
    origin = typing.get_origin(base)
    near: list[st.SearchStrategy] = []
    if origin is typing.Literal:
        near.append(st.sampled_from(typing.get_args(base)))
    if origin is list:
        (item,) = typing.get_args(base)
        near.append(st.lists(values_for(item), max_size=4))
    for rule in rules:
        if isinstance(rule, Range):
            edges = [b for b in (rule.ge, rule.gt, rule.le, rule.lt) if b is not None]
            wiggle = [e + d for e in edges for d in (-1, -0.5, -1e-9, 0, 1e-9, 0.5, 1)]
            pick = st.sampled_from(wiggle)
            near.append(pick.map(int) if base is int else pick)
        if isinstance(rule, OneOf):
            near.append(st.sampled_from(rule.choices))
            near.append(st.sampled_from(rule.choices).map(lambda c: c.upper()))
    if base is int:
        near.append(st.integers(-10**6, 10**6))
    if base is float:
        near.append(st.floats(-1e6, 1e6))
    return st.one_of(*near, SCALARS)


def test_every_number_has_a_range_and_every_string_its_choices():
    for (_, _, tp), name in zip(KEYS, IDS, strict=True):
        base, rules = split(tp)
        if typing.get_origin(base) is list:
            base, rules = split(typing.get_args(base)[0])
        if base in (int, float):
            assert any(isinstance(r, Range) for r in rules), f"{name}: give it a Range"
        if base is str and name not in FREE_TEXT:
            assert any(isinstance(r, OneOf) for r in rules), f"{name}: give it its choices"


@pytest.mark.parametrize("sec,key,tp", KEYS, ids=IDS)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_value_is_taken_or_refused_by_name(sec, key, tp, data):
    value = data.draw(values_for(tp))
    cfg = RoombyConfig()
    if is_ok(value, tp):
        merge(cfg, {sec: {key: value}}, "fuzz.yaml")
        got = getattr(getattr(cfg, sec), key)
        assert got == value or (isinstance(value, list) and list(got) == value)
        return
    with pytest.raises(ConfigError) as e:
        merge(cfg, {sec: {key: value}}, "fuzz.yaml")
    message = str(e.value)
    assert message.startswith(f"fuzz.yaml: {sec}.{key}"), message
    assert len(message) < 1200, "a message cuts long values short"
    base, rules = split(tp)
    out_of_range = [r for r in rules if isinstance(r, Range)
                    and isinstance(value, (int, float)) and not isinstance(value, bool)
                    and math.isfinite(value) and is_ok(value, base) and not r.allows(value)]
    if out_of_range:
        assert str(out_of_range[0]) in message, message  # says what is allowed


@settings(max_examples=60, deadline=None)
@given(sec=st.sampled_from(sorted({s for s, _, _ in KEYS})),
       key=st.text(max_size=30), raw=st.text(max_size=80))
def test_any_override_text_is_taken_or_refused_with_a_config_error(sec, key, raw):
    try:
        load_config(overrides=[f"{sec}.{key}={raw}"])
    except ConfigError as e:
        assert str(e).startswith("--set")


def test_rules_between_keys_are_checked_after_every_override():
    cfg = load_config(overrides=["model.heads=3", "model.dim=48"])
    assert (cfg.model.heads, cfg.model.dim) == (3, 48)
    with pytest.raises(ConfigError, match="model.dim 64 must be a multiple of model.heads 3"):
        load_config(overrides=["model.heads=3"])
    with pytest.raises(ConfigError, match="init_widen and train.init_partial"):
        load_config(overrides=["train.init_widen=true", "train.init_partial=true"])


@pytest.mark.parametrize("override", [
    "env.split=!!timestamp x", "env.split=2001-13-01", "env.split=!!int x",
    "train.lr=1" + "0" * 400, "train.seed=1" + "0" * 5000, "env.n_rooms=" + "[" * 5000,
])
def test_values_yaml_cannot_build_are_config_errors(override):
    with pytest.raises(ConfigError, match="^--set"):
        load_config(overrides=[override])


@pytest.mark.parametrize("override,needle", [
    ("env.camera_width=-5", "env.camera_width: -5 must be in [16, 1280]"),
    ("env.n_rooms=[5, 2]", "min <= max"),
    ("env.n_rooms=[1, 2, 3]", "must have 0 or 2 items"),
    ("env.hfov_deg=.inf", "finite"),
    ("train.dagger_families=[goto_objects]", "'goto_objects' is not one of: goto_object"),
    ("train.word_dropout=1", "must be in [0, 1)"),
    ("train.seed=-1", "train.seed: -1 must be in [0, 4294967295]"),
    ("env.id=Roomby/Nope-v0", "Roomby/Mixed-v0"),
])
def test_examples_of_what_a_refusal_says(override, needle):
    with pytest.raises(ConfigError) as e:
        load_config(overrides=[override])
    assert needle in str(e.value)


def test_rules_are_plain_data():
    assert Length((0, 2)).problem([1]) and not Length((0, 2)).problem([])
    assert Ascending().problem([3, 1]) and not Ascending().problem([1, 1])
    assert OneOf(("a",)).problem("b") and not OneOf(("a",)).problem("a")
    assert not Range(gt=0).allows(0) and Range(gt=0).allows(1e-9)
    assert not Range(ge=0).allows(math.nan) and not Range().allows(math.inf)
