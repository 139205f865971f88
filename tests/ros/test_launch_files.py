"""The launch files and the ament package, checked without ROS's launch package: each launch
file runs against recording stand-ins for `launch`/`launch_ros`, and every executable, parameter
file, parameter and launch argument it names must exist (with the type the node declares)."""

from __future__ import annotations

import importlib
import importlib.util
import runpy
import sys
import types
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import tomllib
import yaml

pytest.importorskip("rclpy")

ROOT = Path(__file__).resolve().parents[2]
AMENT = ROOT / "ament" / "roomby_ros"
LAUNCH_FILES = sorted((AMENT / "launch").glob("*.launch.py"))
NODE_MODULES = {"roomby-agent-node": "ros.agent_node", "roomby-sim-node": "ros.sim_node",
                "roomby-speech-node": "ros.speech_node",
                "roomby-agent-lifecycle-node": "ros.agent_lifecycle_node"}


class Recorder:
    """Stands in for every launch class: keeps its positional and keyword arguments."""

    def __init__(self, *args, **kwargs):
        self.args, self.kwargs = args, kwargs


class Node(Recorder):
    pass


class DeclareLaunchArgument(Recorder):
    pass


class LaunchConfiguration(Recorder):
    pass


def _stub_modules(monkeypatch, share: Path) -> None:
    mods = {
        "launch": {"LaunchDescription": Recorder},
        "launch.actions": {"DeclareLaunchArgument": DeclareLaunchArgument},
        "launch.substitutions": {"LaunchConfiguration": LaunchConfiguration},
        "launch.conditions": {"IfCondition": Recorder, "UnlessCondition": Recorder},
        "launch_ros": {}, "launch_ros.actions": {"Node": Node},
        "ament_index_python": {},
        "ament_index_python.packages": {
            "get_package_share_directory": lambda pkg: str(share / pkg)},
    }
    for name, attrs in mods.items():
        mod = types.ModuleType(name)
        mod.__dict__.update(attrs)
        monkeypatch.setitem(sys.modules, name, mod)


def _ament_setup() -> dict:
    """The keyword arguments ament/roomby_ros/setup.py gives setuptools.setup (run in its
    folder, as colcon does)."""
    import setuptools

    captured: dict = {}
    saved = setuptools.setup
    setuptools.setup = lambda **kw: captured.update(kw)
    cwd = Path.cwd()
    try:
        import os

        os.chdir(AMENT)
        runpy.run_path("setup.py", run_name="__main__")
    finally:
        os.chdir(cwd)
        setuptools.setup = saved
    return captured


@pytest.fixture
def share(tmp_path: Path, monkeypatch) -> Path:
    """An install share folder laid out as colcon installs the package's data files."""
    setup = _ament_setup()
    for dest, files in setup["data_files"]:
        folder = tmp_path / dest.removeprefix("share/")
        folder.mkdir(parents=True, exist_ok=True)
        for f in files:
            (folder / Path(f).name).symlink_to((AMENT / f).resolve())
    _stub_modules(monkeypatch, tmp_path)
    return tmp_path


def _console_scripts() -> dict[str, str]:
    scripts = {}
    for line in _ament_setup()["entry_points"]["console_scripts"]:
        name, target = (s.strip() for s in line.split("="))
        scripts[name] = target
    return scripts


def test_ament_package_is_complete():
    root = ET.parse(AMENT / "package.xml").getroot()
    assert root.get("format") == "3" and root.findtext("name") == "roomby_ros"
    assert root.find("export/build_type").text == "ament_python"
    assert (AMENT / "resource" / "roomby_ros").is_file()
    cfg = (AMENT / "setup.cfg").read_text()
    assert "script_dir=$base/lib/roomby_ros" in cfg
    assert "install_scripts=$base/lib/roomby_ros" in cfg
    setup = _ament_setup()
    data = dict(setup["data_files"])
    assert sorted(Path(f).name for f in data["share/roomby_ros/launch"]) == \
        [p.name for p in LAUNCH_FILES]
    assert sorted(Path(f).name for f in data["share/roomby_ros/config"]) == \
        sorted(p.name for p in (AMENT / "config").iterdir())
    # The same entry points as the pip distribution's console scripts, all importable.
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    for name, target in _console_scripts().items():
        assert project[name] == target
        module, func = target.split(":")
        assert callable(getattr(importlib.import_module(module), func))


@pytest.mark.parametrize("path", LAUNCH_FILES, ids=lambda p: p.name)
def test_launch_file_names_what_exists(path: Path, share: Path):
    spec = importlib.util.spec_from_file_location(path.stem.replace(".", "_"), path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    desc = module.generate_launch_description()
    actions = desc.args[0]
    declared = {a.args[0]: a.kwargs["default_value"] for a in actions
                if isinstance(a, DeclareLaunchArgument)}
    nodes = [a for a in actions if isinstance(a, Node)]
    assert nodes and declared
    scripts = _console_scripts()
    used: set[str] = set()
    for node in nodes:
        kw = node.kwargs
        assert kw["package"] == "roomby_ros"
        assert kw["executable"] in scripts, kw["executable"]
        params = importlib.import_module(NODE_MODULES[kw["executable"]]).PARAMETERS
        for entry in kw.get("parameters", []):
            if isinstance(entry, str):  # a parameter file: this node's section
                assert Path(entry).is_file(), entry
                section = yaml.safe_load(Path(entry).read_text()).get(kw["name"])
                assert section is not None, f"{entry} has no section {kw['name']}"
                for key, value in section["ros__parameters"].items():
                    assert key in params, f"{entry}: {kw['name']} has no parameter {key!r}"
                    # ROS parameters are typed: 10 for a double is refused at start-up.
                    assert type(value) is type(params[key]), (entry, key, value)
            else:
                for key, value in entry.items():
                    assert key in params, f"{path.name}: {kw['name']} has no parameter {key!r}"
                    if isinstance(value, LaunchConfiguration):
                        arg = value.args[0]
                        used.add(arg)
                        # ROS reads a launch argument by YAML rules: "0" is an int, "false" a
                        # bool; its default must read as the type the node declares.
                        default = declared.get(arg, "")
                        got = yaml.safe_load(default) if default else ""
                        assert type(got) is type(params[key]), (path.name, arg, default)
        cond = kw.get("condition")
        if cond is not None:
            used.add(cond.args[0].args[0])
    assert used <= set(declared), f"{path.name}: undeclared launch arguments " \
        f"{used - set(declared)}"
    assert set(declared) <= used, f"{path.name}: unused launch arguments {set(declared) - used}"



@pytest.mark.slow
def test_colcon_builds_the_ament_package(tmp_path: Path):
    """`colcon build` of roomby_ros in a fresh workspace installs what `ros2 run`/`ros2 launch`
    look for: scripts in lib/roomby_ros, launch and config files in share/roomby_ros."""
    import shutil
    import subprocess

    colcon = Path(sys.executable).parent / "colcon"
    if not colcon.exists():
        pytest.skip("colcon is not installed (the dev extra installs it)")
    src = tmp_path / "src" / "roomby"
    shutil.copytree(AMENT, src / "roomby_ros")  # the package alone: it needs nothing outside
    r = subprocess.run([str(colcon), "build", "--packages-select", "roomby_ros"],
                       cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    prefix = tmp_path / "install" / "roomby_ros"
    share = prefix / "share" / "roomby_ros"
    assert (share / "package.xml").is_file()
    assert (prefix / "share/ament_index/resource_index/packages/roomby_ros").is_file()
    assert sorted(p.name for p in (share / "launch").iterdir()) == [p.name for p in LAUNCH_FILES]
    assert {p.name for p in (share / "config").iterdir()} == \
        {p.name for p in (AMENT / "config").iterdir()}
    for script in NODE_MODULES:
        assert (prefix / "lib" / "roomby_ros" / script).is_file(), script
    # The installed entry point runs the node (here: refuses a bad backend and says why), with
    # the PYTHONPATH `source install/setup.bash` sets.
    import os

    site = next((prefix / "lib").glob("python3*/site-packages"))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(site), *filter(None, [os.environ.get("PYTHONPATH")])])}
    r = subprocess.run([sys.executable, str(prefix / "lib/roomby_ros/roomby-agent-node"),
                        "--ros-args", "-p", "backend:=nope"],
                       capture_output=True, text=True, timeout=120, env=env)
    assert r.returncode == 1 and "backend='nope'" in r.stderr, r.stderr
