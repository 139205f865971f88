"""The runtime imports and runs where torch and pybullet cannot be imported (a robot).

A child Python process gets an import hook that refuses torch, pybullet and the export-side ONNX
packages; it loads the bundle, replays an episode's recorded observations, drives the robot agent
on a small synthetic map, and writes its decisions back. The parent compares them with torch.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from bundle_helpers import Episode

BLOCKED = ("torch", "pybullet", "onnx", "onnxscript", "onnxconverter_common")

CHILD = textwrap.dedent('''
    import sys

    BLOCKED = {blocked!r}

    class Refuse:
        """Finder first on sys.meta_path: these packages do not exist on the robot."""
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ImportError(f"{{name}} is not installed on this robot (test)")
            return None

    sys.meta_path.insert(0, Refuse())
    for name in BLOCKED:
        try:
            __import__(name)
        except ImportError:
            pass
        else:
            raise SystemExit(f"{{name}} imported despite the block")

    import numpy as np

    from agent.runtime import RuntimePolicy
    from agent.runtime.robot import RobotAgent, RobotGrid
    from sim.grid import FINE

    data = np.load(sys.argv[2])
    policy = RuntimePolicy(sys.argv[1])
    policy.reset(str(data["instruction"]))
    out = {{"skill": [], "cell": [], "skill_logits": [], "state_A": []}}
    for t in range(len(data["pose"])):
        obs = {{k: data[k][t] for k in ("rgb", "depth", "map", "pose")}}
        d = policy.act(obs)
        out["skill"].append(d.skill)
        out["cell"].append(d.cell)
        out["skill_logits"].append(d.outputs["skill_logits"])
        out["state_A"].append(d.state["memory_A"])

    # The robot backend on a synthetic 4 m x 3 m living room: occupancy + room labels in,
    # velocity commands out, from the recorded camera frames.
    occupied = np.ones(FINE.shape, dtype=bool)
    occupied[20:80, 20:100] = False
    rooms = np.zeros(FINE.shape, dtype=np.int8)
    rooms[10:90, 10:110] = 1
    agent = RobotAgent(None, RobotGrid.from_occupancy(occupied, rooms, start_xy=(2.0, 2.0)),
                       policy=policy)
    agent.start(str(data["instruction"]))
    pose = (2.0, 2.0, 0.0)
    commands = []
    for period in range(40):
        if period % 3 == 0:
            frame = period // 3 % len(data["pose"])
            agent.observe(data["rgb"][frame].transpose(1, 2, 0), data["depth"][frame][0], pose)
        v, w = agent.control(pose)
        commands.append((v, w))
        if agent.done:
            break
    assert agent.decisions >= 1, "the agent made no decision"
    out["commands"] = np.array(commands)
    heavy = sorted(m for m in sys.modules if m.split(".")[0] in BLOCKED)
    assert not heavy, heavy
    np.savez(sys.argv[3], **{{k: np.array(v) for k, v in out.items()}})
    print("ok", agent.decisions, "decisions")
''')


@pytest.mark.slow
def test_runtime_runs_without_torch_and_pybullet(tmp_path: Path, fw_bundle: Path,
                                                 fw_episode: Episode) -> None:
    rec = tmp_path / "episode.npz"
    np.savez(rec, instruction=np.array(fw_episode.instruction),
             **{k: np.stack([o[k] for o in fw_episode.obs])
                for k in ("rgb", "depth", "map", "pose")})
    script = tmp_path / "child.py"
    script.write_text(CHILD.format(blocked=BLOCKED))
    result = tmp_path / "result.npz"
    r = subprocess.run([sys.executable, str(script), str(fw_bundle), str(rec), str(result)],
                       capture_output=True, text=True, timeout=300,
                       cwd=Path(__file__).resolve().parents[2])
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.startswith("ok")
    got = np.load(result)
    assert [tuple(a) for a in zip(got["skill"], got["cell"], strict=True)] == fw_episode.actions
    want = np.stack([o["skill_logits"] for o in fw_episode.outputs])
    assert np.abs(got["skill_logits"] - want).max() <= 1e-4
    want_a = np.stack([o["state_1"] for o in fw_episode.outputs])
    # A's bound as in test_export: 1e-4, or 1e-6 of its largest entry (~200) where larger.
    assert np.abs(got["state_A"] - want_a).max() <= max(1e-4, 1e-6 * np.abs(want_a).max())
    assert np.isfinite(got["commands"]).all() and got["commands"].shape[1] == 2


def test_import_block_really_blocks(tmp_path: Path) -> None:
    """The hook of the test above makes `import torch` fail (else it would prove nothing)."""
    prelude = CHILD.format(blocked=BLOCKED).split("import numpy as np")[0]
    script = tmp_path / "probe.py"
    script.write_text(prelude + "\ntry:\n    import torch\nexcept ImportError as e:\n"
                      "    print('blocked:', e)\nelse:\n    print('imported')\n")
    r = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("blocked: torch is not installed")
