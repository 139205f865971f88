"""`roomby`: the parser and the dispatch. The subcommands live beside it: `run` (run, parse,
listen), `episodes` (eval, compare, collect, train) and `files` (home, export).

Only subcommands that work are listed; each part of Roomby adds its own.
"""

from __future__ import annotations

import argparse
import sys

from agent.cli.episodes import cmd_collect, cmd_compare, cmd_eval, cmd_train
from agent.cli.files import cmd_export, cmd_home
from agent.cli.run import cmd_listen, cmd_parse, cmd_replay, cmd_run
from agent.config import ConfigError
from sim.catalog import ROOM_TYPES
from sim.registration import FAMILY_IDS
from sim.tasks.base import SPLITS

FAMILIES = ",".join(FAMILY_IDS)

EPILOG = """examples:
  roomby run "vacuum under the red couch in the living room" --video out.mp4
  roomby run "go to the kitchen" --record run.mcap && roomby replay run.mcap --video run.mp4
  roomby parse "Roomby, you forgot to vacuum the spot under the red couch in the living room!"
  roomby listen --wav command.wav --json      (or --mic where a microphone exists)
  roomby run --wav command.wav
  roomby eval --split heldout --episodes 20 [--policy expert|PATH] [--episodes-file F.jsonl]
  roomby compare base.json new.json [base2.json new2.json ...]   (`eval --json` outputs, paired)
  roomby home generate --seed 7 --out flat.json && roomby home check flat.json
  roomby collect --out data/demos --episodes 200 --workers 2
  roomby train --config configs/train.yaml --out my_run
  roomby export --out bundle/ [--checkpoint my_run/policy.pt] [--fp16]   (for a robot)
Config: every subcommand that builds an env takes --config FILE.yaml and --set section.key=value
(see configs/env.yaml)."""



def between(low: float, high: float, kind: type = int):
    """An argparse type: a number (`kind`) in [low, high], else a usage error that says so."""

    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected {'an integer' if kind is int else 'a number'}, got "
                f"{text if len(text) <= 40 else text[:37] + '...'!r}") from None
        if not low <= value <= high:  # also refuses nan
            raise argparse.ArgumentTypeError(f"must be from {low} to {high}, got {value}")
        return value

    parse.__name__ = f"{'integer' if kind is int else 'number'} in [{low}, {high}]"
    return parse


SEED = between(0, 2**32 - 1)


def nonempty(text: str) -> str:
    """An argparse type for names and paths: an empty one (a shell variable that expanded to
    nothing) is a usage error, not the default."""
    if not text.strip():
        raise argparse.ArgumentTypeError("is empty")
    return text


nonempty.__name__ = "non-empty value"


def _add_config_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", type=nonempty,
                   metavar="FILE", help="YAML config with any of its sections")
    p.add_argument("--set", type=nonempty, dest="overrides", action="append", default=[],
                   metavar="SECTION.KEY=VALUE", help="override one config key (repeatable)")


def _add_backend_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--backend", choices=("local", "ray"), default=None,
                   help="where the episodes run: local worker processes, or Ray tasks "
                        "(default: run.backend, local); see docs/cluster.md")
    p.add_argument("--ray-address", type=nonempty, metavar="ADDRESS", default=None,
                   help="an existing Ray cluster (auto, HOST:PORT or ray://HOST:10001; implies "
                        "--backend ray). Without it --backend ray starts Ray here with "
                        "--workers CPUs")


def _add_episodes_args(p: argparse.ArgumentParser, episodes: int, env_help: str) -> None:
    """What `eval` and `collect` share: which seeded episodes, and where they run."""
    p.add_argument("--episodes", type=between(1, 1_000_000), default=episodes,
                   help=f"episodes per family (default {episodes})")
    p.add_argument("--families", type=nonempty, default=FAMILIES,
                   help=f"comma-separated families (default: {FAMILIES})")
    p.add_argument("--env", type=nonempty, metavar="ID", help=env_help)
    p.add_argument("--seed", type=SEED, default=0, help="first episode seed (default 0)")
    p.add_argument("--workers", type=between(1, 1024), default=1,
                   help="worker processes (default 1)")
    _add_backend_args(p)


def _add_policy_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--policy", type=nonempty,
                   default="learned", metavar="learned|expert|random|CHECKPOINT",
                   help="who decides: the shipped learned policy (default), a checkpoint from "
                        "`roomby train`, the privileged expert, or uniform random actions")
    p.add_argument("--perception", choices=["learned", "oracle"], default=None,
                   help="what fills the map's semantic layer: the policy's learned perception "
                        "(default for learned policies) or the simulator's segmentation "
                        "(default for expert and random)")


def clip(message: str, limit: int = 1000) -> str:
    """A message that echoes a huge argument, cut in the middle: its start says what was wrong,
    its end what is allowed."""
    if len(message) <= limit:
        return message
    return f"{message[:limit * 2 // 3]} ... ({len(message)} characters) ... " \
           f"{message[-limit // 4:]}"


class Parser(argparse.ArgumentParser):
    """argparse, with usage errors that do not echo a pasted megabyte back."""

    def error(self, message: str):
        super().error(clip(message))


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
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
    p.add_argument("--wav", type=nonempty,
                   metavar="FILE", help="a spoken command instead of a typed one")
    _add_policy_args(p)
    p.add_argument("--seed", type=SEED, default=0, help="home and episode seed (default 0)")
    p.add_argument("--home", type=nonempty,
                   metavar="FILE", help="a home JSON (see `roomby home`), not a generated one")
    p.add_argument("--video", type=nonempty,
                   metavar="OUT",
                   help="a video of the episode (.mp4 or .gif): camera, camera with what "
                        "perception reads, the robot's map, the pointer's attention")
    p.add_argument("--record", type=nonempty, metavar="OUT.mcap",
                   help="record the episode's ROS 2 topics (camera, depth, odometry, map, "
                        "cmd_vel, status and the viewer topics) to an MCAP file")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    _add_config_args(p)

    p = sub.add_parser("replay", help="draw a recorded episode (.mcap) as a video",
                       description="Draw an MCAP recording of Roomby's topics (roomby run "
                                   "--record, or a robot's ros2 bag in MCAP) as the video "
                                   "`run --video` draws.")
    p.add_argument("recording", type=nonempty, help="an .mcap file")
    p.add_argument("--video", type=nonempty, metavar="OUT", help="the video (.mp4 or .gif)")
    p.add_argument("--still", type=nonempty, metavar="OUT.png", help="the last frame as PNG")
    p.add_argument("--json", action="store_true", help="print one JSON object")

    p = sub.add_parser("eval", help="success, SPL and coverage of a policy per task family",
                       description="Evaluate a policy over generated episodes, per task family.")
    _add_policy_args(p)
    p.add_argument("--episodes-file", type=nonempty, metavar="FILE.jsonl",
                   help='evaluate these episodes, one JSON object a line: {"instruction": ..., '
                        '"goal": {...}, "seed": optional} (the home is generated to fit the '
                        'goal; env.id decides its size)')
    p.add_argument("--split", default=None, choices=SPLITS,
                   help="which homes and phrasings (default: env.split)")
    _add_episodes_args(p, 20, "evaluate this registered id only (e.g. "
                              "Roomby/Mixed-OneRoom-v0)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    _add_config_args(p)

    p = sub.add_parser("collect", help="record expert-labelled episodes as training shards",
                       description="Run episodes in parallel worker processes with the expert "
                                   "labelling every decision, and write compact shards (.npz + "
                                   ".json) to DIR. Existing shards are skipped, so a stopped "
                                   "collection resumes. With --policy, the learner decides and "
                                   "the expert labels the states it visits (DAgger).")
    p.add_argument("--out", type=nonempty,
                   required=True, metavar="DIR", help="shard folder (created)")
    p.add_argument("--split", default=None, choices=SPLITS,
                   help="which homes and phrasings (default: env.split, train)")
    _add_episodes_args(p, 100, "collect this registered id only; a -Motor id records the motor "
                               "expert's wheel actions")
    p.add_argument("--frame-every", type=between(0, 1_000_000), default=16, metavar="K",
                   help="keep every K-th camera frame with segmentation labels for perception "
                        "training (0: none; default 16)")
    p.add_argument("--policy", type=nonempty, metavar="CHECKPOINT",
                   help="DAgger: the learner decides, the expert labels")
    p.add_argument("--beta", type=between(0.0, 1.0, float), default=0.0,
                   help="DAgger: probability of executing the expert's action (default 0)")
    p.add_argument("--perception", type=nonempty, default="oracle", metavar="oracle|CHECKPOINT",
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
    p.add_argument("--out", type=nonempty, required=True, metavar="DIR", help="run folder")
    p.add_argument("--resume", action="store_true",
                   help="continue the run in --out after its last finished stage")
    p.add_argument("--quiet", action="store_true", help="no progress output")
    _add_backend_args(p)
    _add_config_args(p)

    p = sub.add_parser("parse", help="the goal a command means",
                       description="Print the goal (sim schema) a command means, or say which "
                                   "words could not be placed.")
    p.add_argument("instruction")
    p.add_argument("--semantic", action="store_true",
                   help="where the rules find nothing they know, take the nearest command the "
                        "sim can state by MiniLM similarity, if close enough (pip install "
                        "'roomby[minilm]'; measured in docs/world.md)")
    p.add_argument("--json", action="store_true", help="print one JSON object")

    p = sub.add_parser("listen", help="the text and goal of a spoken command",
                       description="Recognise a spoken command offline (PocketSphinx against "
                                   "the commands the sim knows) and print the text heard and "
                                   "the goal it means. Exit status 0 for a command, 2 for "
                                   "silence, speech that is not a command, or a file that "
                                   "cannot be read.")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--wav", type=nonempty,
                     metavar="FILE", help="a WAV file (any rate, channels, encoding)")
    src.add_argument("--mic", action="store_true",
                     help="record one utterance from the default microphone")
    p.add_argument("--seconds", type=between(0.5, 60.0, float), default=8.0,
                   help="--mic: stop recording after this long (default 8)")
    p.add_argument("--json", action="store_true",
                   help='print one JSON object: {"text": ..., "goal": ...} (+ "error")')

    p = sub.add_parser("home", help="generate or check a home JSON file",
                       description="Homes are JSON files: generate one to edit, or check yours.")
    hsub = p.add_subparsers(dest="home_command", metavar="ACTION", required=True)
    g = hsub.add_parser("generate", help="write a generated home")
    g.add_argument("--seed", type=SEED, default=0)
    g.add_argument("--rooms", type=between(1, len(ROOM_TYPES)), default=None,
                   help=f"number of rooms (1-{len(ROOM_TYPES)}; default 3-6)")
    g.add_argument("--out", type=nonempty, required=True, metavar="FILE")
    g.add_argument("--picture", type=nonempty, metavar="PNG", help="also write a top-down picture")
    c = hsub.add_parser("check", help="validate a home file")
    c.add_argument("file", type=nonempty)

    p = sub.add_parser("compare", help="two evaluations of the same episodes, paired",
                       description="Per family: both success rates over the episodes both "
                                   "evaluations ran, the episodes the new policy solved and "
                                   "the base did not (gained) and the reverse (lost), and an "
                                   "exact McNemar p-value on those. Several BASE NEW pairs "
                                   "(e.g. seeds 0-199, then 200-399) are pooled.")
    p.add_argument("files", type=nonempty, nargs="+", metavar="BASE NEW",
                   help="`roomby eval --json` outputs of the base and the new policy on the "
                        "same episodes (same split, families, seeds); more pairs (other seeds) "
                        "are pooled")
    p.add_argument("--json", action="store_true", help="print one JSON object")

    p = sub.add_parser("export", help="write an ONNX bundle for the torch-free runtime",
                       description="Export a policy checkpoint to a folder of ONNX graphs "
                                   "(perception, command, decision with its memory state) and "
                                   "roomby.json, which agent.runtime runs under onnxruntime "
                                   "without torch or pybullet (pip install 'roomby[robot]').")
    p.add_argument("--checkpoint", type=nonempty, metavar="PATH",
                   help="a policy checkpoint (default: the shipped one)")
    p.add_argument("--out", type=nonempty,
                   required=True, metavar="DIR", help="bundle folder (created)")
    p.add_argument("--fp16", action="store_true",
                   help="fp16 weights and arithmetic (fp32 inputs and outputs)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    return parser


COMMANDS = {"run": cmd_run, "eval": cmd_eval, "compare": cmd_compare, "collect": cmd_collect,
            "train": cmd_train, "parse": cmd_parse, "listen": cmd_listen, "home": cmd_home,
            "export": cmd_export, "replay": cmd_replay}


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
        print(f"roomby {args.command}: config error: {clip(str(e))}", file=sys.stderr)
        return 2
    except (ValueError, OSError) as e:
        print(f"roomby {args.command}: error: {clip(str(e))}", file=sys.stderr)
        return 2
