"""Parameters and the time of one decision (perception + policy, batch 1, one thread) per memory
kind, in torch eager.

A decision = the perception network on the current camera frame (visual tokens and per-pixel
classes for the map) + map encoder, fusion, memory and heads. The command's encoding (language
encoder, queries, goal heads) runs once per command and is timed separately. Observations come
from a real env reset. Median over `--repeats` calls after a warm-up.

Two ways torch runs it, side by side: eager (`RoombyPolicyNet.step`) and frozen TorchScript (the
perception and decision graphs `roomby export` traces, `torch.jit.freeze` +
`optimize_for_inference`, as the ROS agent node's torch backend runs them: `agent.torch_bundle`).

    .venv/bin/python benchmarks/policy_speed.py
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import gymnasium as gym
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import sim  # noqa: E402,F401
from agent.export import example_inputs  # noqa: E402
from agent.export_graphs import DecisionGraph, PerceptionGraph  # noqa: E402
from agent.memory import MEMORY_KINDS  # noqa: E402
from agent.model_config import ModelConfig  # noqa: E402
from agent.policy import RoombyPolicyNet, count_parameters, obs_to_tensors  # noqa: E402
from agent.torch_bundle import frozen  # noqa: E402
from sim.camera import CameraSpec  # noqa: E402


def median_ms(fn, repeats: int) -> float:
    for _ in range(20):
        fn()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return 1000 * statistics.median(times)


def time_kind(kind: str, o: dict, repeats: int) -> tuple[float, ...]:
    """(perception ms, decision ms, command ms, TorchScript decision ms, parameters) of the
    default model with memory `kind`."""
    torch.manual_seed(0)
    net = RoombyPolicyNet(ModelConfig(memory=kind)).eval()
    state = net.initial_state(1)
    ex = example_inputs(net, CameraSpec())
    perc, dec = frozen(PerceptionGraph(net), ex["perception"]), frozen(DecisionGraph(net),
                                                                       ex["decision"])
    state_in = ex["decision"][5:]  # the initial memory state as the decision graph takes it

    def scripted() -> None:
        vis = perc(o["rgb"], o["depth"].float())[0]
        cmd = ex["decision"][3:5]
        dec(vis, o["map"].float(), o["pose"].float(), *cmd, *state_in)

    with torch.inference_mode():
        cmd = net.encode_command(o["instruction"])
        perception = median_ms(lambda: net.perception(o["rgb"], o["depth"]), repeats)
        decision = median_ms(lambda: net.step(o, state, command=cmd), repeats)
        command = median_ms(lambda: net.encode_command(o["instruction"]), repeats)
        script = median_ms(scripted, repeats)
    return perception, decision, command, script, count_parameters(net)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=300)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    env = gym.make("Roomby/GoToObject-v0")
    obs, _ = env.reset(seed=0)
    env.close()
    o = obs_to_tensors(obs)
    print(f"torch {torch.__version__}, {args.threads} thread(s), batch 1, "
          f"median of {args.repeats}")
    print(f"{'memory':<13} {'params':>9} {'perception':>11} {'decision':>9} {'command':>8} "
          f"{'TorchScript decision':>21}")
    for kind in MEMORY_KINDS:
        perception, decision, command, script, params = time_kind(kind, o, args.repeats)
        print(f"{kind:<13} {params:>9,} {perception:>9.2f}ms {decision:>7.2f}ms "
              f"{command:>6.2f}ms {script:>19.2f}ms ({decision / script:.2f}x)")
    print("decision = perception + map encoder + fusion + memory + heads, eager (target <= 3 ms); "
          "TorchScript = the same as frozen traced graphs (the agent node's torch backend); "
          "command = language encoder + queries + goal heads, once per command")


if __name__ == "__main__":
    main()
