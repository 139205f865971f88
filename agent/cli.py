"""`roomby`: one command-line entry point with subcommands.

Only subcommands that work are listed; each part of Roomby adds its own.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from agent.config import ConfigError, RoombyConfig, load_config

FAMILIES = "goto_object,goto_room,vacuum_under,vacuum_room,sequence"

EPILOG = """examples:
  roomby run "vacuum under the red couch in the living room" --video out.mp4
  roomby parse "Roomby, you forgot to vacuum the spot under the red couch in the living room!"
  roomby listen --wav command.wav --json      (or --mic where a microphone exists)
  roomby run --wav command.wav
  roomby eval --split heldout --episodes 20 [--policy expert|PATH] [--episodes-file F.jsonl]
  roomby home generate --seed 7 --out flat.json && roomby home check flat.json
  roomby collect --out data/demos --episodes 200 --workers 2
  roomby train --config configs/train.yaml --out runs/mine
  roomby export --out bundle/ [--checkpoint runs/mine/policy.pt] [--fp16]   (for a robot)
Config: every subcommand that builds an env takes --config FILE.yaml and --set section.key=value
(see configs/env.yaml)."""



def _add_config_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", metavar="FILE", help="YAML config with any of its sections")
    p.add_argument("--set", dest="overrides", action="append", default=[],
                   metavar="SECTION.KEY=VALUE", help="override one config key (repeatable)")


def _add_policy_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--policy", default="learned", metavar="learned|expert|random|CHECKPOINT",
                   help="who decides: the shipped learned policy (default), a checkpoint from "
                        "`roomby train`, the privileged expert, or uniform random actions")
    p.add_argument("--perception", choices=["learned", "oracle"], default=None,
                   help="what fills the map's semantic layer: the policy's learned perception "
                        "(default for learned policies) or the simulator's segmentation "
                        "(default for expert and random)")


def _config(args: argparse.Namespace) -> RoombyConfig:
    return load_config(args.config, args.overrides)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="roomby",
        description="Roomby, an instruction-following robot vacuum: run commands in simulated "
                    "homes, evaluate policies, parse commands, make homes.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", metavar="SUBCOMMAND")

    p = sub.add_parser("run", help="carry out one command in a simulated home",
                       description="Carry out one command in a generated (or given) home and "
                                   "print the outcome.")
    p.add_argument("instruction", nargs="?",
                   help='e.g. "vacuum under the red couch in the living room" (or --wav)')
    p.add_argument("--wav", metavar="FILE", help="a spoken command instead of a typed one")
    _add_policy_args(p)
    p.add_argument("--seed", type=int, default=0, help="home and episode seed (default 0)")
    p.add_argument("--home", metavar="FILE", help="a home JSON (see `roomby home`) instead of "
                                                  "a generated one")
    p.add_argument("--video", metavar="OUT", help="record the episode (.mp4 or .gif): camera "
                                                  "and top-down map side by side")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    _add_config_args(p)

    p = sub.add_parser("eval", help="success, SPL and coverage of a policy per task family",
                       description="Evaluate a policy over generated episodes, per task family.")
    _add_policy_args(p)
    p.add_argument("--episodes-file", metavar="FILE.jsonl",
                   help='evaluate these episodes, one JSON object a line: {"instruction": ..., '
                        '"goal": {...}, "seed": optional} (the home is generated to fit the '
                        'goal; env.id decides its size)')
    p.add_argument("--split", default=None,
                   help="train | heldout | heldout_phrasing | heldout_pairs (default: env.split)")
    p.add_argument("--episodes", type=int, default=20, help="episodes per family (default 20)")
    p.add_argument("--families", default=FAMILIES,
                   help=f"comma-separated families (default: {FAMILIES})")
    p.add_argument("--env", metavar="ID", help="evaluate this registered id only (e.g. "
                                               "Roomby/Mixed-OneRoom-v0)")
    p.add_argument("--seed", type=int, default=0, help="first episode seed (default 0)")
    p.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    _add_config_args(p)

    p = sub.add_parser("collect", help="record expert-labelled episodes as training shards",
                       description="Run episodes in parallel worker processes with the expert "
                                   "labelling every decision, and write compact shards (.npz + "
                                   ".json) to DIR. Existing shards are skipped, so a stopped "
                                   "collection resumes. With --policy, the learner decides and "
                                   "the expert labels the states it visits (DAgger).")
    p.add_argument("--out", required=True, metavar="DIR", help="shard folder (created)")
    p.add_argument("--episodes", type=int, default=100, help="episodes per family (default 100)")
    p.add_argument("--families", default=FAMILIES,
                   help=f"comma-separated families (default: {FAMILIES})")
    p.add_argument("--env", metavar="ID", help="collect this registered id only; a -Motor id "
                                               "records the motor expert's wheel actions")
    p.add_argument("--split", default=None, help="default: env.split (train)")
    p.add_argument("--seed", type=int, default=0, help="first episode seed (default 0)")
    p.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    p.add_argument("--frame-every", type=int, default=16, metavar="K",
                   help="keep every K-th camera frame with segmentation labels for perception "
                        "training (0: none; default 16)")
    p.add_argument("--policy", metavar="CHECKPOINT",
                   help="DAgger: the learner decides, the expert labels")
    p.add_argument("--beta", type=float, default=0.0,
                   help="DAgger: probability of executing the expert's action (default 0)")
    p.add_argument("--perception", default="oracle", metavar="oracle|CHECKPOINT",
                   help="what fills the map's semantic layer (default oracle)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    _add_config_args(p)

    p = sub.add_parser("train", help="train a policy: perception, imitation, DAgger, PPO",
                       description="Train a policy from demonstrations (roomby collect) in "
                                   "stages: perception from segmentation, behaviour cloning "
                                   "over whole episodes, DAgger rounds, PPO fine-tuning "
                                   "(train.ppo_steps > 0). Everything lands in "
                                   "--out: a checkpoint per stage, policy.pt, state.json, "
                                   "TensorBoard logs (tb/), curve.png. Knobs: the train: "
                                   "section of configs/train.yaml.")
    p.add_argument("--out", required=True, metavar="DIR", help="run folder")
    p.add_argument("--resume", action="store_true",
                   help="continue the run in --out after its last finished stage")
    p.add_argument("--quiet", action="store_true", help="no progress output")
    _add_config_args(p)

    p = sub.add_parser("parse", help="the goal a command means",
                       description="Print the goal (sim schema) a command means, or say which "
                                   "words could not be placed.")
    p.add_argument("instruction")
    p.add_argument("--json", action="store_true", help="print one JSON object")

    p = sub.add_parser("listen", help="the text and goal of a spoken command",
                       description="Recognise a spoken command offline (PocketSphinx against "
                                   "the commands the sim knows) and print the text heard and "
                                   "the goal it means. Exit status 0 for a command, 2 for "
                                   "silence, speech that is not a command, or a file that "
                                   "cannot be read.")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--wav", metavar="FILE", help="a WAV file (any rate, channels, encoding)")
    src.add_argument("--mic", action="store_true",
                     help="record one utterance from the default microphone")
    p.add_argument("--seconds", type=float, default=8.0,
                   help="--mic: stop recording after this long (default 8)")
    p.add_argument("--json", action="store_true",
                   help='print one JSON object: {"text": ..., "goal": ...} (+ "error")')

    p = sub.add_parser("home", help="generate or check a home JSON file",
                       description="Homes are JSON files: generate one to edit, or check yours.")
    hsub = p.add_subparsers(dest="home_command", metavar="ACTION", required=True)
    g = hsub.add_parser("generate", help="write a generated home")
    g.add_argument("--seed", type=int, default=0)
    g.add_argument("--rooms", type=int, default=None, help="number of rooms (1-6)")
    g.add_argument("--out", required=True, metavar="FILE")
    g.add_argument("--picture", metavar="PNG", help="also write a top-down picture")
    c = hsub.add_parser("check", help="validate a home file")
    c.add_argument("file")

    p = sub.add_parser("export", help="write an ONNX bundle for the torch-free runtime",
                       description="Export a policy checkpoint to a folder of ONNX graphs "
                                   "(perception, command, decision with its memory state) and "
                                   "roomby.json, which agent.runtime runs under onnxruntime "
                                   "without torch or pybullet (pip install 'roomby[robot]').")
    p.add_argument("--checkpoint", metavar="PATH",
                   help="a policy checkpoint (default: the shipped one)")
    p.add_argument("--out", required=True, metavar="DIR", help="bundle folder (created)")
    p.add_argument("--fp16", action="store_true",
                   help="fp16 weights and arithmetic (fp32 inputs and outputs)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    return parser


# ---- subcommands ---------------------------------------------------------------------------
def cmd_parse(args: argparse.Namespace) -> int:
    from sim.language import parse

    res = parse(args.instruction)
    if args.json:
        print(json.dumps(res.to_dict()))
    elif res.goal is None:
        print(f"not understood: {res.error}", file=sys.stderr)
    else:
        print(json.dumps(res.goal))
        if res.unknown_words:
            print(f"(ignored unknown words: {', '.join(res.unknown_words)})", file=sys.stderr)
    return 0 if res.goal is not None else 1


def _hear(args: argparse.Namespace):
    """A `Heard` from --wav or --mic (imports PocketSphinx only when speech is used)."""
    from agent.speech import Recognizer

    try:
        recognizer = Recognizer()
    except ImportError as e:
        raise ValueError(f"speech needs the 'speech' extra (pip install -e '.[speech]'): {e}"
                         ) from None
    if getattr(args, "mic", False):
        from agent.speech.mic import record_utterance

        return recognizer.hear(record_utterance(args.seconds))
    return recognizer.hear_file(args.wav)


def cmd_listen(args: argparse.Namespace) -> int:
    from agent.speech.mic import MicrophoneError

    try:
        heard = _hear(args)
    except MicrophoneError as e:
        print(f"roomby listen: {e}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(heard.to_dict()))
    elif heard.ok:
        print(f"heard: {heard.text}")
        print(json.dumps(heard.goal))
    else:
        print(heard.message, file=sys.stderr)
    return 0 if heard.ok else 2


def cmd_run(args: argparse.Namespace) -> int:
    from agent.episode import make_policy, run_episode
    from sim.language import parse

    if (args.instruction is None) == (args.wav is None):
        raise ValueError("give a command: either a typed instruction or --wav FILE, not "
                          + ("both" if args.wav else "neither"))
    if args.wav:
        heard = _hear(args)
        if not heard.ok:
            msg = {"error": heard.message, "text": heard.text}
            print(json.dumps(msg) if args.json else msg["error"], file=sys.stdout if args.json
                  else sys.stderr)
            return 2
        args.instruction = heard.text
        if not args.json:
            print(f"heard: {heard.text}", file=sys.stderr)
    res = parse(args.instruction)
    if res.goal is None:
        msg = {"error": f"not a command I can carry out: {res.error}",
               "unknown_words": res.unknown_words}
        print(json.dumps(msg) if args.json else msg["error"], file=sys.stdout if args.json
              else sys.stderr)
        return 2
    cfg = _config(args)
    from agent.episode import env_overrides

    env = cfg.env.make(**env_overrides(args.policy, args.perception))
    options: dict[str, Any] = {"goal": res.goal, "instruction": args.instruction}
    if args.home:
        from sim.home import Home

        options["home"] = Home.load(args.home)
    writer = None
    try:
        policy = make_policy(args.policy, env, args.seed)
        if args.video:
            writer = _start_video(env, args.video, policy)

        def on_step(step: int, action: Any, info: dict) -> None:
            if not args.json:
                print(f"decision {step}: {_describe(env, action)}", file=sys.stderr)

        out = run_episode(env, policy, args.seed, options, on_step)
    finally:
        if writer is not None:
            writer.close()
        env.close()
    out["policy"] = args.policy
    if args.video:
        out["video"] = args.video
    if args.json:
        print(json.dumps(out))
    else:
        verdict = "SUCCESS" if out["success"] else "FAILED"
        print(f"{verdict}: {out['instruction']!r} -> {json.dumps(out['goal'])}")
        print(f"  decisions {out['steps']}, control periods {out['periods']}, "
              f"driven {out['distance']:.1f} m, SPL {out['spl']:.2f}, "
              f"coverage {out['coverage']:.2f}, collisions {out['collisions']}")
        if args.video:
            print(f"  video: {args.video}")
    return 0 if out["success"] else 1


def _describe(env: Any, action: Any) -> str:
    from sim.actions import SKILLS
    from sim.grid import MAP_SIZE

    try:
        skill, cell = int(action[0]), int(action[1])
    except (TypeError, IndexError):
        return f"action {int(action)}"
    x, y = env.unwrapped.cell_center(cell)
    where = f" cell ({cell // MAP_SIZE}, {cell % MAP_SIZE}) at ({x:.2f}, {y:.2f}) m"
    return SKILLS[skill] + ("" if skill == 0 else where)


def _start_video(env: Any, path: str, policy: Any = None):
    """Camera, top-down map with the semantic layer and, for a learned policy, its pointer
    attention over the map (the cell distribution of the last decision), side by side."""
    from agent.video import VideoWriter, compose
    from sim.grid import MAP_SIZE

    writer = VideoWriter(path, fps=10)
    writer.__enter__()
    base = env.unwrapped

    def grab() -> None:
        pr = base.progress
        footer = f"{base.instruction}  |  decision {base.decisions}  step {pr.index + 1}/" \
                 f"{len(pr.steps)}  coverage {pr.coverage(base.dirt.cleaned):.2f}"
        panels, titles = [base.camera_frame(), base.topdown()], ["camera", "map"]
        attention = getattr(policy, "last_attention", None)
        if attention is not None:
            pointer = attention.get("pointer")
            heat = None if pointer is None else pointer.reshape(MAP_SIZE, MAP_SIZE)
            panels.append(base.topdown(attention=heat))
            titles.append("attention: where to go")
        writer.add(compose(panels, titles, footer=footer))

    base.on_sense = grab
    return writer


def read_episodes_file(path: str) -> list[dict[str, Any]]:
    """Episodes to evaluate, one JSON object a line; errors name the line."""
    from sim.language import validate_goal

    specs = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            where = f"{path} line {n}"
            try:
                spec = json.loads(line)
            except json.JSONDecodeError as e:
                raise ConfigError(f"{where}: not JSON: {e.msg}") from None
            if not isinstance(spec, dict):
                raise ConfigError(f"{where}: expected an object with instruction and goal")
            unknown = sorted(set(spec) - {"instruction", "goal", "seed"})
            if unknown:
                raise ConfigError(f"{where}: unknown key(s) {unknown} (known: instruction, "
                                  f"goal, seed)")
            if not isinstance(spec.get("instruction"), str) or not spec["instruction"].strip():
                raise ConfigError(f"{where}: 'instruction' must be a non-empty string")
            if "seed" in spec and (not isinstance(spec["seed"], int)
                                   or isinstance(spec["seed"], bool)):
                raise ConfigError(f"{where}: 'seed' must be an integer")
            try:
                spec["goal"] = validate_goal(spec.get("goal"))
            except ValueError as e:
                raise ConfigError(f"{where}: bad goal: {e}") from None
            specs.append(spec)
    if not specs:
        raise ConfigError(f"{path}: no episodes")
    return specs


def cmd_eval(args: argparse.Namespace) -> int:
    from agent.episode import summarize
    from agent.evaluate import evaluate, evaluate_given

    cfg = _episodes_config(args)
    if args.episodes_file:
        specs = read_episodes_file(args.episodes_file)
        results = evaluate_given(cfg.env, specs, args.policy, args.workers,
                                 perception=args.perception)
        args.episodes = len(specs)
    else:
        env_ids = _env_ids(args)
        results = evaluate(cfg.env, env_ids, args.episodes, args.policy, args.seed,
                           args.workers, perception=args.perception)
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


def _episodes_config(args: argparse.Namespace) -> RoombyConfig:
    """The config of a subcommand that runs --episodes on a --split (eval, collect)."""
    cfg = _config(args)
    if args.split:
        cfg.env.split = args.split
    if args.episodes < 1:
        raise ConfigError("--episodes must be at least 1")
    return cfg


def _env_ids(args: argparse.Namespace) -> list[str]:
    """--env ID if given (checked against the registered ids), else the --families' ids."""
    if not args.env:
        return _family_ids(args.families)
    from sim.registration import ENV_SPECS

    if args.env not in ENV_SPECS:
        raise ConfigError(f"--env {args.env!r} is not a registered id; known: "
                          f"{', '.join(ENV_SPECS)}")
    return [args.env]


def _family_ids(families: str) -> list[str]:
    from agent.evaluate import FAMILY_IDS

    names = [f.strip() for f in families.split(",") if f.strip()]
    bad = [f for f in names if f not in FAMILY_IDS]
    if bad or not names:
        raise ConfigError(f"unknown families {bad or names}; known: {list(FAMILY_IDS)}")
    return [FAMILY_IDS[f] for f in names]


def cmd_collect(args: argparse.Namespace) -> int:
    from agent.collect import collect, plan_jobs

    cfg = _episodes_config(args)
    if not 0.0 <= args.beta <= 1.0:
        raise ConfigError(f"--beta must be within 0..1, got {args.beta}")
    for path in (args.policy, None if args.perception == "oracle" else args.perception):
        if path is not None:
            from agent.checkpoint import load_checkpoint

            load_checkpoint(path)  # a bad checkpoint fails here, not in every worker
    env_ids = _env_ids(args)
    jobs = plan_jobs(args.out, cfg.env, env_ids, args.episodes, args.seed,
                     args.frame_every, args.policy, args.beta, args.perception)
    meta = {"command": "roomby " + " ".join(args.argv), "split": cfg.env.split,
            "policy": args.policy or "expert", "beta": args.beta,
            "perception": args.perception}
    res = collect(args.out, jobs, args.workers, meta=meta)
    print(json.dumps(res) if args.json else
          f"wrote {res['shards_written']} shards to {args.out} ({res['shards_skipped']} already "
          f"there): {res['episodes']} episodes, {res['decisions']} decisions, {res['frames']} "
          f"frames, expert-label success {res['success']}/{res['episodes']} "
          f"({res['seconds']:.0f} s)")
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from agent.trainer import Trainer

    cfg = _config(args)
    command = "roomby " + " ".join(args.argv)
    try:
        trainer = Trainer(cfg, args.out, command, resume=args.resume, progress=not args.quiet)
    except FileExistsError as e:
        print(f"roomby train: {e}", file=sys.stderr)
        return 2
    path = trainer.run()
    print(f"policy: {path} (trained {trainer.state['train_seconds']:.0f} s in all)")
    return 0


def cmd_home(args: argparse.Namespace) -> int:
    import numpy as np

    from sim.home import Home, HomeError
    from sim.home_generator import generate_home_and_grid

    if args.home_command == "generate":
        if args.rooms is not None and not 1 <= args.rooms <= 6:
            raise ConfigError(f"--rooms must be 1 to 6, got {args.rooms}")
        n = args.rooms if args.rooms is not None else (3, 6)
        home, grid = generate_home_and_grid(np.random.default_rng(args.seed), n)
        home.seed = args.seed
        home.save(args.out)
        print(f"wrote {args.out}: rooms {home.room_names}, {len(home.furniture)} pieces")
        if args.picture:
            import imageio.v3 as iio

            from sim.render import draw_topdown

            iio.imwrite(args.picture, draw_topdown(home, grid, None, None, None, None))
            print(f"wrote {args.picture}")
        return 0
    try:
        home = Home.load(args.file)
    except HomeError as e:
        print(f"invalid: {e}", file=sys.stderr)
        return 1
    print(f"ok: {args.file}: rooms {home.room_names}, {len(home.furniture)} pieces")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    try:
        from agent.checkpoint import CheckpointError
        from agent.export import DEFAULT_CHECKPOINT, ExportError, export_checkpoint
    except ImportError as e:  # a robot install (roomby[robot]) has no torch: export elsewhere
        print(f"roomby export needs torch and the ONNX exporter ({e}): pip install "
              "'roomby[sim,deploy]' (export on a desktop, copy the bundle to the robot)",
              file=sys.stderr)
        return 2

    checkpoint = args.checkpoint or DEFAULT_CHECKPOINT
    if checkpoint is None:
        raise ValueError("give --checkpoint PATH (no trained checkpoint ships yet)")
    try:
        meta = export_checkpoint(checkpoint, args.out, fp16=args.fp16)
    except (CheckpointError, ExportError) as e:
        print(f"roomby export: {e}", file=sys.stderr)
        return 2
    files = meta["files"]
    if args.json:
        print(json.dumps({"out": str(args.out), "files": files, "fp16": meta["fp16"],
                          "model_version": meta["model"]["version"],
                          "memory": meta["memory"]["kind"],
                          "checkpoint": meta["checkpoint"]["path"]}))
        return 0
    print(f"wrote {args.out} ({'fp16' if meta['fp16'] else 'fp32'}, model "
          f"{meta['model']['version']}, memory {meta['memory']['kind']}) from {checkpoint}")
    for name, size in files.items():
        print(f"  {name:16s} {size / 1024:8.1f} KiB")
    print(f"  total            {sum(files.values()) / 1024:8.1f} KiB")
    return 0


COMMANDS = {"run": cmd_run, "eval": cmd_eval, "collect": cmd_collect, "train": cmd_train,
            "parse": cmd_parse, "listen": cmd_listen, "home": cmd_home, "export": cmd_export}


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)  # recorded in what train makes
    if args.command is None:
        parser.print_help()
        return 0
    try:
        return COMMANDS[args.command](args)
    except ConfigError as e:
        print(f"roomby {args.command}: config error: {e}", file=sys.stderr)
        return 2
    except (ValueError, OSError) as e:
        print(f"roomby {args.command}: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

