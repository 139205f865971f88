"""One decision (perception + decision step, batch 1, one thread) in torch eager and in
onnxruntime, side by side in one run (and through the runtime over frozen TorchScript graphs, the
ROS agent node's torch backend); the fp16 bundle's size and its largest output difference
from fp32; the fp32 bundle's largest difference from torch over the same episode.

The model is the default config (fast-weight memory) from --checkpoint, or seeded random weights
(speed and parity do not depend on training). Observations come from a real env episode driven by
the fp32 runtime's decisions. Calls alternate torch / onnxruntime so that both see the same machine
load; medians over --repeats calls after a warm-up. Torch gets its inputs as tensors already (its
numpy conversion is not timed); onnxruntime takes the env's numpy arrays.

Then the closed loop, as a robot runs it: `RobotAgent` (the ROS agent node's backend) drives the
sim through whole episodes (`--loop-episodes`, the onnxruntime and TorchScript runtimes taking
turns per episode), perception on every camera frame, a decision whenever a skill ends, the
sim's physics, rendering and the agent's map updates and path planning in between; each
perceive and decide call is timed where the agent makes it.

    .venv/bin/python benchmarks/inference_speed.py [--checkpoint policy.pt] [--repeats 1000]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import gymnasium as gym
import numpy as np
import onnxruntime as ort
import torch
from timing import interleaved  # benchmarks/timing.py: Python puts the script's folder on sys.path

import sim  # noqa: F401
from agent.export.bundle import export_bundle
from agent.export.torch_bundle import TorchBundle
from agent.model.checkpoint import load_checkpoint
from agent.model.config import ModelConfig
from agent.model.network import RoombyPolicyNet, obs_to_tensors
from agent.runtime import RuntimePolicy
from agent.runtime.robot import RobotAgent, RobotGrid

OUTPUTS = ("skill_logits", "pointer_logits", "value", "motor_logits", "goal_logits")


def episode(policy: RuntimePolicy, decisions: int, seed: int) -> tuple[str, list[dict]]:
    env = gym.make("Roomby/GoToObject-OneRoom-v0")
    try:
        obs, info = env.reset(seed=seed)
        policy.reset(info["instruction"])
        seen = []
        for _ in range(decisions):
            seen.append(obs)
            d = policy.act(obs)
            obs, _, terminated, truncated, _ = env.step(np.array([d.skill, d.cell]))
            if terminated or truncated:
                break
        return info["instruction"], seen
    finally:
        env.close()


class TimedPolicy:
    """A runtime policy whose perceive and decide calls record their wall-clock seconds."""

    def __init__(self, policy: RuntimePolicy):
        self.policy = policy
        self.perceive_s: list[float] = []
        self.decide_s: list[float] = []

    def __getattr__(self, name: str):
        return getattr(self.policy, name)

    def perceive(self, *args, **kwargs):
        t = time.perf_counter()
        out = self.policy.perceive(*args, **kwargs)
        self.perceive_s.append(time.perf_counter() - t)
        return out

    def decide(self, *args, **kwargs):
        t = time.perf_counter()
        out = self.policy.decide(*args, **kwargs)
        self.decide_s.append(time.perf_counter() - t)
        return out


def closed_loop(policies: dict[str, TimedPolicy], episodes: int, periods: int = 600) -> None:
    """Each policy drives `episodes` goto_object episodes (seeds 0..), taking turns per episode:
    the sim node's loop (drive one control period, a camera frame every `render_every`)."""
    for seed in range(episodes):
        for policy in policies.values():
            env = gym.make("Roomby/GoToObject-v0").unwrapped
            try:
                env.reset(seed=seed)
                agent = RobotAgent(None, RobotGrid.from_home_grid(env.grid), policy=policy)
                agent.start(env.instruction)
                agent.observe(*env.sense(), env.world.pose())
                for period in range(periods):
                    v, w = agent.control(env.world.pose())
                    if agent.done:
                        break
                    env.drive(v, w)
                    if period % env.render_every == env.render_every - 1:
                        agent.observe(*env.sense(), env.world.pose())
            finally:
                env.close()


def size_kib(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.iterdir() if p.is_file()) / 1024


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--checkpoint", help="a policy checkpoint (default: seeded random weights)")
    ap.add_argument("--repeats", type=int, default=1000)
    ap.add_argument("--decisions", type=int, default=16, help="episode length for the diffs")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", help="keep the bundles here (default: a temporary folder)")
    ap.add_argument("--loop-episodes", type=int, default=4,
                    help="closed-loop episodes per runtime (0: skip)")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    if args.checkpoint:
        net, _ = load_checkpoint(args.checkpoint)
    else:
        torch.manual_seed(0)
        net = RoombyPolicyNet(ModelConfig()).eval()
    tmp = tempfile.TemporaryDirectory()
    root = Path(args.out or tmp.name)
    t0 = time.perf_counter()
    export_bundle(net, root / "fp32", checkpoint=args.checkpoint)
    export_bundle(net, root / "fp16", fp16=True, checkpoint=args.checkpoint)
    export_s = time.perf_counter() - t0
    fp32, fp16 = RuntimePolicy(root / "fp32"), RuntimePolicy(root / "fp16")
    scripted = RuntimePolicy(TorchBundle.from_network(net, script=True))
    instruction, seen = episode(fp32, args.decisions, args.seed)

    # -- speed: one decision on the episode's first observation --------------------------------
    obs = seen[0]
    o = obs_to_tensors(obs)
    state = net.initial_state(1)
    fp32.reset(instruction)
    fp16.reset(instruction)
    scripted.reset(instruction)
    keep, keep_ts = fp32.state, scripted.state
    with torch.inference_mode():
        cmd = net.encode_command(o["instruction"])
        percept = fp32.perceive(obs["rgb"], obs["depth"])

        def ort_decision() -> None:
            fp32.state = keep  # every call from the same memory, as torch's
            fp32.act(obs)

        def torchscript_decision() -> None:
            scripted.state = keep_ts
            scripted.act(obs)

        def ort_decide_only() -> None:
            fp32.state = keep
            fp32.decide(obs["map"], obs["pose"], percept)

        ms = interleaved({
            "torch": lambda: net.step(o, state, command=cmd),
            "ort": ort_decision,
            "torch_perception": lambda: net.perception(o["rgb"], o["depth"]),
            "ort_perception": lambda: fp32.perceive(obs["rgb"], obs["depth"]),
            "ort_decide": ort_decide_only,
            "ort_fp16": lambda: fp16.act(obs),
            "torchscript": torchscript_decision,
        }, args.repeats)
        ms_cmd = interleaved({"torch": lambda: net.encode_command(o["instruction"]),
                              "ort": lambda: fp32.reset(instruction)}, max(args.repeats // 5, 50))

    # -- differences over the episode ------------------------------------------------------------
    fp32.reset(instruction)
    fp16.reset(instruction)
    state = net.initial_state(1)
    d16 = dtorch = dstate = 0.0
    same = 0
    with torch.inference_mode():
        for ob in seen:
            a, b = fp32.act(ob), fp16.act(ob)
            out, state, _ = net.step(obs_to_tensors(ob), state, command=cmd)
            ref = out._asdict()
            d16 = max(d16, *(float(np.abs(a.outputs[k] - b.outputs[k]).max()) for k in OUTPUTS))
            dtorch = max(dtorch, *(float(np.abs(a.outputs[k] - ref[k].numpy()).max())
                                   for k in OUTPUTS))
            states = state if isinstance(state, tuple) else (state,)
            dstate = max(dstate, *(float(np.abs(v - s.numpy()).max())
                                   for v, s in zip(a.state.values(), states, strict=True)))
            same += (a.skill, a.cell) == (b.skill, b.cell)

    print(f"torch {torch.__version__} (eager, 1 thread) vs onnxruntime {ort.__version__} "
          f"({fp32.bundle.providers[0]}, 1 thread); batch 1; median of {args.repeats} "
          f"interleaved calls; memory {net.cfg.memory}; export {export_s:.0f} s")
    print(f"{'one decision (perception + decision step)':44s} {'torch':>8s} {'onnxrt':>8s} "
          f"{'ratio':>6s}")
    print(f"{'  fp32':44s} {ms['torch']:6.3f}ms {ms['ort']:6.3f}ms "
          f"{ms['torch'] / ms['ort']:5.2f}x   (target <= 1 ms for onnxruntime)")
    print(f"{'  of which perception':44s} {ms['torch_perception']:6.3f}ms "
          f"{ms['ort_perception']:6.3f}ms {ms['torch_perception'] / ms['ort_perception']:5.2f}x")
    print(f"{'  of which decision step (onnxruntime)':44s} {'':8s} {ms['ort_decide']:6.3f}ms")
    print(f"{'  fp32, runtime over frozen TorchScript':44s} {ms['torchscript']:6.3f}ms "
          f"{'':8s} {ms['torchscript'] / ms['ort']:5.2f}x   (the agent node's torch backend)")
    print(f"{'command encoding (once per command)':44s} {ms_cmd['torch']:6.3f}ms "
          f"{ms_cmd['ort']:6.3f}ms {ms_cmd['torch'] / ms_cmd['ort']:5.2f}x")
    print(f"fp16 bundle: {size_kib(root / 'fp16'):.0f} KiB (fp32 {size_kib(root / 'fp32'):.0f} "
          f"KiB); one decision {ms['ort_fp16']:.3f} ms on this CPU (fp16 is for GPUs: the CPU "
          f"provider casts around ops without fp16 kernels)")
    print(f"over {len(seen)} decisions: largest output difference fp16 vs fp32 {d16:.2e} "
          f"(same decision {same}/{len(seen)}); fp32 onnxruntime vs torch: outputs "
          f"{dtorch:.2e}, memory state {dstate:.2e}")
    if args.loop_episodes > 0:
        timed = {"onnxruntime": TimedPolicy(RuntimePolicy(root / "fp32")),
                 "TorchScript": TimedPolicy(RuntimePolicy(TorchBundle.from_network(
                     net, script=True)))}
        closed_loop(timed, args.loop_episodes)
        print(f"closed loop ({args.loop_episodes} goto_object episodes each, RobotAgent driving "
              f"the sim; caches cold between decisions), medians:")
        for name, t in timed.items():
            p, d = 1000 * statistics.median(t.perceive_s), 1000 * statistics.median(t.decide_s)
            print(f"  {name:12s} perception {p:.3f} ms ({len(t.perceive_s)} frames), decision "
                  f"step {d:.3f} ms ({len(t.decide_s)} decisions), sum {p + d:.3f} ms")


if __name__ == "__main__":
    main()
