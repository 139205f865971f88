"""Training figures: TensorBoard event files, a history kept in the run's state, and a picture.

    tensorboard --logdir RUN/tb
"""

from __future__ import annotations

from pathlib import Path


class TrainLog:
    def __init__(self, out: Path, history: list[list] | None = None):
        self.history: list[list] = list(history or [])  # [tag, step, value]
        try:
            from torch.utils.tensorboard import SummaryWriter
        except ImportError:  # tensorboard is in the sim extra; figures still reach state.json
            self.writer = None
        else:
            self.writer = SummaryWriter(str(out / "tb"))

    def scalar(self, tag: str, value: float, step: int) -> None:
        self.history.append([tag, int(step), float(value)])
        if self.writer is not None:
            self.writer.add_scalar(tag, value, step)
            self.writer.flush()

    def last_step(self, tag: str) -> int:
        steps = [s for t, s, _ in self.history if t == tag]
        return max(steps) if steps else 0

    def series(self, tag: str) -> tuple[list[int], list[float]]:
        pts = [(s, v) for t, s, v in self.history if t == tag]
        return [s for s, _ in pts], [v for _, v in pts]

    def plot(self, path: Path) -> Path | None:
        """One picture: the perception stage's loss and held-out accuracy (when the run trained
        perception), then the behaviour-cloning losses and accuracies over updates."""
        try:
            import matplotlib

            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
        except ImportError:
            return None
        perception = bool(self.series("perception/loss")[0])
        fig, axes = plt.subplots(1, 2 + perception, figsize=(5 * (2 + perception), 3.6))
        if perception:
            self._plot_perception(axes[0])
        ax1, ax2 = axes[-2:]
        for tag in ("bc/loss", "bc/skill", "bc/pointer", "bc/goal"):
            x, y = self.series(tag)
            if x:
                ax1.plot(x, y, label=tag.split("/")[1])
        ax1.set_xlabel("update")
        ax1.set_title("imitation loss")
        ax1.set_yscale("log")
        if ax1.lines:
            ax1.legend()
        for tag in ("bc/skill_acc", "bc/cell_acc", "bc/cell_acc_1"):
            x, y = self.series(tag)
            if x:
                ax2.plot(x, y, label=tag.split("/")[1])
        x, y = self.series("dagger/learner_success")
        if x:
            ax2.scatter(x, y, color="k", zorder=3, label="DAgger round success")
        ax2.set_xlabel("update")
        ax2.set_ylim(0, 1)
        ax2.set_title("accuracy against the expert")
        if ax2.lines or ax2.collections:
            ax2.legend(loc="lower right")
        fig.tight_layout()
        fig.savefig(path, dpi=90)
        plt.close(fig)
        return path

    def _plot_perception(self, ax) -> None:
        x, y = self.series("perception/loss")
        ax.plot(x, y, color="tab:gray", label="loss")
        ax.set_yscale("log")
        ax.set_xlabel("perception update")
        ax.set_title("perception (segmentation)")
        acc = ax.twinx()
        for tag, label in (("perception/val_type_acc", "held-out type accuracy"),
                           ("perception/val_color_acc", "held-out colour accuracy")):
            xa, ya = self.series(tag)
            if xa:
                acc.scatter(xa, ya, zorder=3, label=f"{label} {ya[-1]:.3f}")
        acc.set_ylim(0, 1)
        handles = ax.get_legend_handles_labels()
        more = acc.get_legend_handles_labels()
        ax.legend(handles[0] + more[0], handles[1] + more[1], loc="center right", fontsize=8)
