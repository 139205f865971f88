"""Calibrate a checkpoint's perception against the simulator's segmentation, per room type, and
write the checkpoint again with the calibration in its metadata (`perception_calibration`),
which `roomby run`/`eval`/`collect` and exported bundles then use to fill the semantic map.

    python scripts/calibrate_perception.py --checkpoint runs/x/policy.pt --out runs/x/cal.pt \
        --episodes 200 --workers 2

See agent/train/calibration.py for what is counted and why.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from agent.model.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from agent.train.calibration import (
    CONFIDENCE_POWER,
    PRIOR,
    calibrate,
    plot_calibration,
)
from agent.workers import RunConfig
from sim.catalog import FURNITURE_TYPES


def summary(counts: np.ndarray) -> str:
    """Per true type: the share of its pixels' weight read right, over all rooms."""
    c = counts.sum(axis=0)[1:, 1:]
    right = np.diag(c) / np.maximum(c.sum(axis=1), 1)
    return ", ".join(f"{t} {r:.2f}" for t, r in zip(FURNITURE_TYPES, right, strict=True))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--checkpoint", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--episodes", type=int, default=200)
    p.add_argument("--seed", type=int, default=0, help="first training-home seed")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--prior", type=float, default=PRIOR)
    p.add_argument("--confidence-power", type=float, default=CONFIDENCE_POWER,
                   help="type readings count for the top type probability ^ this (0: once)")
    p.add_argument("--plot", help="also draw the calibration, one heatmap per room, to this PNG")
    p.add_argument("--backend", choices=("local", "ray"), default="local",
                   help="where the episodes run (docs/cluster.md)")
    p.add_argument("--ray-address", default="", metavar="ADDRESS",
                   help="an existing Ray cluster (implies --backend ray)")
    args = p.parse_args()
    if args.episodes < 1:
        p.error(f"--episodes must be at least 1, got {args.episodes}")
    if args.prior < 0 or args.confidence_power < 0:
        p.error(f"--prior and --confidence-power must be 0 or more, got {args.prior} and "
                f"{args.confidence_power}")
    try:
        net, meta = load_checkpoint(args.checkpoint)
    except CheckpointError as e:
        raise SystemExit(f"calibrate_perception.py: {e}") from None
    run = RunConfig(backend="ray" if args.ray_address else args.backend,
                    ray_address=args.ray_address)
    cal = calibrate(args.checkpoint, args.episodes, args.seed, args.workers, args.prior,
                    args.confidence_power, command=" ".join(sys.argv), run=run)
    counts = np.asarray(cal["counts"])
    print(f"{counts[:, 1:].sum():.0f} furniture pixel weights counted in {cal['seconds']} s; "
          f"right: {summary(counts)}")
    meta = {**meta, "perception_calibration": cal}
    save_checkpoint(args.out, net, meta)
    print(f"wrote {args.out}")
    if args.plot:
        plot_calibration(np.asarray(cal["type_given_room"], np.float32), args.plot)
        print(f"wrote {args.plot}")


if __name__ == "__main__":
    main()
