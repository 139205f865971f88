"""`roomby run`, `roomby parse` and `roomby listen`: one command, typed or spoken."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from agent.config import args_config


def cmd_parse(args: argparse.Namespace) -> int:
    from sim.language import parse

    if args.semantic:
        from agent.language.nearest import NearestCommand

        try:
            res = NearestCommand().parse(args.instruction)
        except ImportError as e:
            raise ValueError(str(e)) from None
    else:
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
    from agent.policies.episode import make_policy, run_episode
    from sim.free_text import read_command
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
    cfg = args_config(args)
    from agent.policies.episode import env_overrides

    # A person's command is read first (sim/free_text.py): the policy sees it in the phrasings
    # it was trained on, not the filler, typos and synonyms it never met (--set env.reader=raw
    # shows what the policy makes of the text as typed).
    if not any(o.replace(" ", "").startswith("env.reader=") for o in args.overrides):
        cfg.env.reader = "canonical"
    if cfg.env.reader == "canonical" and not args.json:
        read = read_command(args.instruction)
        if read != args.instruction:
            print(f"read as: {read}", file=sys.stderr)
    env = cfg.env.make(**env_overrides(args.policy, args.perception))
    options: dict[str, Any] = {"goal": res.goal, "instruction": args.instruction}
    if args.home:
        from sim.home import Home

        options["home"] = Home.load(args.home)
    sinks: list = []
    try:
        policy = make_policy(args.policy, env, args.seed)
        if args.video or args.record:
            policy = _tap(env, policy, args, sinks)

        def on_step(step: int, action: Any, info: dict) -> None:
            if not args.json:
                print(f"decision {step}: {_describe(env, action)}", file=sys.stderr)

        out = run_episode(env, policy, args.seed, options, on_step)
        if sinks:
            policy.tap.finish(out["success"])
    finally:
        for sink in sinks:
            sink.close()
        env.close()
    out["policy"] = args.policy
    if args.video:
        out["video"] = args.video
    if args.record:
        out["record"] = args.record
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
        if args.record:
            print(f"  recording: {args.record} (roomby replay {args.record} --video OUT.mp4)")
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


def _tap(env: Any, policy: Any, args: argparse.Namespace, sinks: list) -> Any:
    """The policy wrapped to publish the episode's topics (agent.viewer.tap) to a recording
    and/or a video drawn from them (the same frames `roomby replay` draws from the recording):
    camera, camera with the perception's classes, the robot's map, the pointer's attention."""
    import time

    from agent.viewer.recording import Recorder
    from agent.viewer.scene import SceneVideo
    from agent.viewer.tap import EpisodeTap

    if args.record:
        sinks.append(Recorder(args.record))
    if args.video:
        sinks.append(SceneVideo(args.video))
    tap = EpisodeTap(env, sinks, start_ns=time.time_ns())
    wrapped = tap.wrap(policy)
    wrapped.tap = tap
    return wrapped


def cmd_replay(args: argparse.Namespace) -> int:
    from agent.viewer.recording import read_recording
    from agent.viewer.scene import SceneVideo

    if not (args.video or args.still):
        raise ValueError("say what to draw: --video OUT.mp4 and/or --still OUT.png")
    video = SceneVideo(args.video)
    messages = 0
    try:
        for topic, _type, _ns, msg in read_recording(args.recording):
            try:
                video.add(topic, msg)
            except ValueError as e:
                raise ValueError(f"{args.recording}: a {topic} message cannot be drawn: {e}"
                                 ) from None
            messages += 1
    finally:
        video.close()
    if video.last is None:
        raise ValueError(f"{args.recording}: no camera images on /camera/image_raw to draw")
    if args.still:
        from PIL import Image

        Image.fromarray(video.last).save(args.still)
    out = {"recording": args.recording, "messages": messages, "frames": video.frames,
           "video": args.video, "still": args.still}
    if args.json:
        print(json.dumps(out))
    else:
        print(f"{messages} messages, {video.frames} frames"
              + (f" -> {args.video}" if args.video else "")
              + (f", last frame -> {args.still}" if args.still else ""))
    return 0
