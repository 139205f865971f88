"""Parameters and the time of one decision (perception + policy, batch 1, one thread) per memory
kind (the default model, seeded weights) and for the shipped checkpoint, in torch.

A decision = the perception network on the current camera frame (visual tokens and per-pixel
classes for the map) + map encoder, fusion, memory and heads. The command's encoding (language
encoder, queries, goal heads) runs once per command and is timed separately. Observations come
from a real env reset. Median over `--repeats` calls after a warm-up, the calls of all models
interleaved.

Two ways torch runs it, side by side: eager (`RoombyPolicyNet.step`) and frozen TorchScript (the
perception and decision graphs `roomby export` traces, `torch.jit.freeze`, as the ROS agent
node's torch backend runs them: `agent.export.torch_bundle`).

    .venv/bin/python benchmarks/policy_speed.py
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

import gymnasium as gym
import torch
from timing import interleaved  # benchmarks/timing.py: Python puts the script's folder on sys.path

import sim  # noqa: F401
from agent.export.bundle import example_inputs
from agent.export.graphs import DecisionGraph, PerceptionGraph
from agent.export.torch_bundle import frozen
from agent.model.checkpoint import (
    DEFAULT_CHECKPOINT,
    load_checkpoint,
)
from agent.model.config import ModelConfig
from agent.model.memory import MEMORY_KINDS
from agent.model.network import RoombyPolicyNet, count_parameters, obs_to_tensors
from sim.camera import CameraSpec


def model_calls(net: RoombyPolicyNet, o: dict) -> dict[str, Callable[[], object]]:
    """The four timed calls of one model: perception, decision, command (eager) and the
    decision as frozen TorchScript graphs."""
    net = net.eval()
    state = net.initial_state(1)
    ex = example_inputs(net, CameraSpec())
    perc, dec = frozen(PerceptionGraph(net), ex["perception"]), frozen(DecisionGraph(net),
                                                                       ex["decision"])
    with torch.inference_mode():
        cmd = net.encode_command(o["instruction"])
    # The decision graph's inputs after pose: queries, sentence (+ goal logits), memory state.
    after_pose = (cmd.queries, cmd.sentence,
                  *((cmd.goal_logits,) if net.cfg.grounding else ()),
                  *ex["decision"][5 + int(net.cfg.grounding):])

    def scripted() -> None:
        vis = perc(o["rgb"], o["depth"].float())[0]
        dec(vis, o["map"].float(), o["pose"].float(), *after_pose)

    return {"perception": lambda: net.perception(o["rgb"], o["depth"]),
            "decision": lambda: net.step(o, state, command=cmd),
            "command": lambda: net.encode_command(o["instruction"]),
            "script": scripted}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=300)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--checkpoint", default=str(DEFAULT_CHECKPOINT),
                    help="a trained policy timed beside the default models ('' to skip)")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    env = gym.make("Roomby/GoToObject-v0")
    obs, _ = env.reset(seed=0)
    env.close()
    o = obs_to_tensors(obs)
    nets: dict[str, RoombyPolicyNet] = {}
    for kind in MEMORY_KINDS:
        torch.manual_seed(0)
        nets[kind] = RoombyPolicyNet(ModelConfig(memory=kind))
    if args.checkpoint:
        nets["checkpoint"] = load_checkpoint(args.checkpoint)[0]
    fns = {(name, what): fn for name, net in nets.items()
           for what, fn in model_calls(net, o).items()}
    with torch.inference_mode():
        ms = interleaved(fns, args.repeats, warmup=20)
    print(f"torch {torch.__version__}, {args.threads} thread(s), batch 1, median of "
          f"{args.repeats} calls interleaved over the models")
    print(f"{'memory':<13} {'params':>9} {'perception':>11} {'decision':>9} {'command':>8} "
          f"{'TorchScript decision':>21}")
    for name, net in nets.items():
        p, d, c, s = (ms[name, k] for k in ("perception", "decision", "command", "script"))
        print(f"{name:<13} {count_parameters(net):>9,} {p:>9.2f}ms {d:>7.2f}ms "
              f"{c:>6.2f}ms {s:>19.2f}ms ({d / s:.2f}x)")
    if args.checkpoint:
        print(f"checkpoint = {args.checkpoint} ({describe(nets['checkpoint'].cfg)})")
    print("decision = perception + map encoder + fusion + memory + heads, eager (target <= 3 ms); "
          "TorchScript = the same as frozen traced graphs (the agent node's torch backend); "
          "command = language encoder + queries + goal heads, once per command")


def describe(cfg: ModelConfig) -> str:
    flags = ("grounding", "goal_features", "goal_seen", "goal_task", "goal_distance",
             "skill_per_task")
    parts = [f"memory {cfg.memory}"] + [k for k in flags if getattr(cfg, k, False)]
    return ", ".join(parts)


if __name__ == "__main__":
    main()
