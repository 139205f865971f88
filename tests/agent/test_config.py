from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from agent.config import CONFIG_DIR, ConfigError, RoombyConfig, load_config, to_dict


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "cfg.yaml"
    p.write_text(text)
    return p


def test_defaults_match_the_shipped_env_yaml():
    shipped = yaml.safe_load((CONFIG_DIR / "env.yaml").read_text())
    assert to_dict(load_config(CONFIG_DIR / "env.yaml")) == to_dict(RoombyConfig())
    assert set(shipped["env"]) == set(to_dict(RoombyConfig())["env"])


@pytest.mark.parametrize("path", sorted(CONFIG_DIR.glob("*.yaml")), ids=lambda p: p.name)
def test_every_shipped_config_loads(path: Path):
    load_config(path)


def test_file_values_are_applied(tmp_path: Path):
    cfg = load_config(write(tmp_path, "env:\n  split: heldout\n  camera_width: 96\n"))
    assert cfg.env.split == "heldout" and cfg.env.camera_width == 96


def test_unknown_key_names_key_and_file(tmp_path: Path):
    p = write(tmp_path, "env:\n  camera_widht: 96\n")
    with pytest.raises(ConfigError) as e:
        load_config(p)
    assert "camera_widht" in str(e.value) and str(p) in str(e.value)
    assert "camera_width" in str(e.value)  # says what is known


def test_unknown_section_is_named(tmp_path: Path):
    with pytest.raises(ConfigError, match="unknown section 'enviroment'"):
        load_config(write(tmp_path, "enviroment:\n  split: train\n"))


def test_wrong_type_names_key(tmp_path: Path):
    p = write(tmp_path, "env:\n  camera_width: wide\n")
    with pytest.raises(ConfigError) as e:
        load_config(p)
    assert "env.camera_width" in str(e.value) and "integer" in str(e.value)
    with pytest.raises(ConfigError, match="expected a list"):
        load_config(write(tmp_path, "env:\n  n_rooms: 3\n"))
    with pytest.raises(ConfigError, match="expected a number"):
        load_config(write(tmp_path, "env:\n  hfov_deg: true\n"))


def test_int_is_accepted_for_float(tmp_path: Path):
    assert load_config(write(tmp_path, "env:\n  hfov_deg: 80\n")).env.hfov_deg == 80.0


def test_missing_and_malformed_files(tmp_path: Path):
    with pytest.raises(ConfigError, match="cannot read config file .*nope.yaml"):
        load_config(tmp_path / "nope.yaml")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(write(tmp_path, "env: [unclosed\n"))
    with pytest.raises(ConfigError, match="expected a mapping of sections"):
        load_config(write(tmp_path, "- just\n- a list\n"))


def test_overrides_apply_in_order_after_the_file(tmp_path: Path):
    p = write(tmp_path, "env:\n  split: heldout\n")
    cfg = load_config(p, ["env.split=train", "env.n_rooms=[1, 2]", "env.split=heldout_pairs"])
    assert cfg.env.split == "heldout_pairs" and cfg.env.n_rooms == [1, 2]


@pytest.mark.parametrize("bad,needle", [
    ("env.nope=1", "unknown key 'nope'"),
    ("envx.split=train", "unknown section 'envx'"),
    ("split=train", "section.key"),
    ("env.split", "section.key=value"),
    ("env.camera_width=1.5", "env.camera_width: expected an integer"),
])
def test_bad_overrides_are_named(bad: str, needle: str):
    with pytest.raises(ConfigError) as e:
        load_config(None, [bad])
    assert needle in str(e.value)


def test_model_yaml_matches_the_model_defaults():
    shipped = yaml.safe_load((CONFIG_DIR / "model.yaml").read_text())
    assert to_dict(load_config(CONFIG_DIR / "model.yaml")) == to_dict(RoombyConfig())
    assert set(shipped["model"]) == set(to_dict(RoombyConfig())["model"])


def test_choice_keys_name_their_choices(tmp_path: Path):
    with pytest.raises(ConfigError, match=r"model.memory: 'transformer' is not one of "
                                          r"fast_weights, gru, lstm, none"):
        load_config(None, ["model.memory=transformer"])
    assert load_config(None, ["model.memory=gru"]).model.memory == "gru"


def test_the_run_section_is_checked():
    with pytest.raises(ConfigError, match="run.backend"):
        load_config(overrides=["run.backend=slurm"])
    with pytest.raises(ConfigError, match="run.max_retries"):
        load_config(overrides=["run.max_retries=often"])
    assert load_config(overrides=["run.ray_address=auto"]).run.ray_address == "auto"
