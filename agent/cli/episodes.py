"""`roomby eval`, `compare`, `collect` and `train`: many episodes, in worker processes."""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from typing import Any

from agent.config import ConfigError, RoombyConfig, args_config
from sim.registration import FAMILY_IDS, family_ids


def read_episodes_file(path: str) -> list[dict[str, Any]]:
    """Episodes to evaluate, one JSON object a line; errors name the line."""
    from sim.language import validate_goal

    specs = []
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not an episodes file (binary, not JSON lines)") from None
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{path} line {n}"
        try:
            spec = json.loads(line)
        except json.JSONDecodeError as e:
            raise ConfigError(f"{where}: not JSON: {e.msg}") from None
        except RecursionError:
            raise ConfigError(f"{where}: not an episode: JSON nested too deeply") from None
        if not isinstance(spec, dict):
            raise ConfigError(f"{where}: expected an object with instruction and goal")
        unknown = sorted(set(spec) - {"instruction", "goal", "seed"})
        if unknown:
            raise ConfigError(f"{where}: unknown key(s) {unknown} (known: instruction, "
                              f"goal, seed)")
        if not isinstance(spec.get("instruction"), str) or not spec["instruction"].strip():
            raise ConfigError(f"{where}: 'instruction' must be a non-empty string")
        if "seed" in spec and (not isinstance(spec["seed"], int)
                               or isinstance(spec["seed"], bool)
                               or not 0 <= spec["seed"] < 2**32):
            raise ConfigError(f"{where}: 'seed' must be an integer from 0 to 4294967295")
        try:
            spec["goal"] = validate_goal(spec.get("goal"))
        except ValueError as e:
            raise ConfigError(f"{where}: bad goal: {e}") from None
        specs.append(spec)
    if not specs:
        raise ConfigError(f"{path}: no episodes")
    return specs


def cmd_eval(args: argparse.Namespace) -> int:
    from agent.evaluation.evaluate import evaluate, evaluate_given
    from agent.policies.episode import summarize

    cfg = _episodes_config(args)
    if args.episodes_file:
        specs = read_episodes_file(args.episodes_file)
        results = evaluate_given(cfg.env, specs, args.policy, args.workers,
                                 perception=args.perception, run=cfg.run)
        args.episodes = len(specs)
    else:
        env_ids = _env_ids(args)
        results = evaluate(cfg.env, env_ids, args.episodes, args.policy, args.seed,
                           args.workers, perception=args.perception, run=cfg.run)
    summary = summarize(results)
    summary = {"policy": args.policy, "split": cfg.env.split,
               "perception": args.perception or ("oracle" if args.policy in ("expert", "random")
                                                 else "learned"),
               **summary, "results": results}
    if args.json:
        print(json.dumps(summary))
    else:
        print(f"policy {args.policy}, perception {summary['perception']}, split "
              f"{cfg.env.split}, " + (f"{args.episodes} episodes from {args.episodes_file}"
                                      if args.episodes_file else
                                      f"{args.episodes} episodes per family"))
        print(f"{'family':14s} {'episodes':>8s} {'success':>8s} {'SPL':>6s} {'coverage':>9s} "
              f"{'collisions':>10s} {'decisions':>9s}")
        rows = [*summary["by_task"].items(), ("all", summary)]
        for name, s in rows:
            print(f"{name:14s} {s['episodes']:8d} {s['success_rate']:8.3f} {s['spl']:6.3f} "
                  f"{s['coverage']:9.3f} {s['collisions']:10.2f} {s['steps']:9.1f}")
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from agent.evaluation.compare import CompareError, compare, format_table, load_eval

    if len(args.files) % 2:
        raise ValueError("give files in pairs: BASE NEW [BASE NEW ...]")
    base, new = args.files[0::2], args.files[1::2]
    try:
        table = compare(*((load_eval(b), load_eval(n)) for b, n in zip(base, new, strict=True)))
    except CompareError as e:
        print(f"roomby compare: {e}", file=sys.stderr)
        return 2
    print(json.dumps({"base": base, "new": new, "by_task": table}) if args.json
          else format_table(table, base, new))
    return 0


def _episodes_config(args: argparse.Namespace) -> RoombyConfig:
    """The config of a subcommand that runs --episodes on a --split (eval, collect)."""
    cfg = backend_config(args)
    if args.split:
        cfg.env.split = args.split
    return cfg


def backend_config(args: argparse.Namespace) -> RoombyConfig:
    """The config, with --backend and --ray-address (which implies ray) over its run: section."""
    cfg = args_config(args)
    if args.backend == "local" and args.ray_address:
        raise ConfigError("--backend local and --ray-address contradict each other: a Ray "
                          "address means the ray backend")
    if args.ray_address:
        cfg.run.ray_address = args.ray_address
    if args.backend:
        cfg.run.backend = args.backend
        if args.backend == "local":
            cfg.run.ray_address = ""
    if cfg.run.uses_ray and importlib.util.find_spec("ray") is None:
        raise ConfigError('run.backend ray needs Ray: pip install "roomby[cluster]"')
    return cfg


def _env_ids(args: argparse.Namespace) -> list[str]:
    """--env ID if given (checked against the registered ids), else the --families' ids."""
    if not args.env:
        return _family_ids(args.families)
    from sim.registration import ENV_SPECS

    if args.env not in ENV_SPECS:
        shown = args.env if len(args.env) <= 60 else args.env[:57] + "..."
        raise ConfigError(f"--env {shown!r} is not a registered id; known: "
                          f"{', '.join(ENV_SPECS)}")
    return [args.env]


def _family_ids(families: str) -> list[str]:
    names = [f.strip() for f in families.split(",") if f.strip()]
    if not names:
        raise ConfigError(f"--families is empty; known: {', '.join(FAMILY_IDS)}")
    try:
        return family_ids(names)
    except ValueError as e:
        raise ConfigError(f"--families: {e}") from None


def cmd_collect(args: argparse.Namespace) -> int:
    from agent.demos.collect import collect, plan_jobs

    cfg = _episodes_config(args)
    for path in (args.policy, None if args.perception == "oracle" else args.perception):
        if path is not None:
            from agent.model.checkpoint import load_checkpoint

            load_checkpoint(path)  # a bad checkpoint fails here, not in every worker
    env_ids = _env_ids(args)
    jobs = plan_jobs(args.out, cfg.env, env_ids, args.episodes, args.seed,
                     args.frame_every, args.policy, args.beta, args.perception)
    meta = {"command": "roomby " + " ".join(args.argv), "split": cfg.env.split,
            "policy": args.policy or "expert", "beta": args.beta,
            "perception": args.perception}
    res = collect(args.out, jobs, args.workers, meta=meta, run=cfg.run)
    print(json.dumps(res) if args.json else
          f"wrote {res['shards_written']} shards to {args.out} ({res['shards_skipped']} already "
          f"there): {res['episodes']} episodes, {res['decisions']} decisions, {res['frames']} "
          f"frames, expert-label success {res['success']}/{res['episodes']} "
          f"({res['seconds']:.0f} s)")
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from agent.train.trainer import Trainer

    cfg = backend_config(args)
    command = "roomby " + " ".join(args.argv)
    try:
        trainer = Trainer(cfg, args.out, command, resume=args.resume, progress=not args.quiet)
    except FileExistsError as e:
        print(f"roomby train: {e}", file=sys.stderr)
        return 2
    path = trainer.run()
    print(f"policy: {path} (trained {trainer.state['train_seconds']:.0f} s in all)")
    return 0
