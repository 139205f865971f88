"""`roomby home` and `roomby export`: files for other programs (homes, robot bundles)."""

from __future__ import annotations

import argparse
import json
import sys


def cmd_home(args: argparse.Namespace) -> int:
    import numpy as np

    from sim.home import Home, HomeError
    from sim.home_generator import generate_home_and_grid

    if args.home_command == "generate":
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
        from agent.export.bundle import ExportError, export_checkpoint
        from agent.model.checkpoint import DEFAULT_CHECKPOINT, CheckpointError
    except ImportError as e:  # a robot install (roomby[robot]) has no torch: export elsewhere
        print(f"roomby export needs torch and the ONNX exporter ({e}): pip install "
              "'roomby[sim,deploy]' (export on a desktop, copy the bundle to the robot)",
              file=sys.stderr)
        return 2

    checkpoint = args.checkpoint or DEFAULT_CHECKPOINT
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
