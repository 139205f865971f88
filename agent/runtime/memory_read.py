"""What the fast-weight memory read back at a decision: the weight its retrieval gives each
earlier decision (Ba et al. 2016), for pictures.

The fast weights at decision t are A(t) = sum_j eta lam^(t-1-j) h_j h_jᵀ over the earlier
decisions' hidden states h_j (j < t), so what the inner loop retrieves, A(t) q, is a weighted
sum of those states with weights

    w_j = eta lam^(t-1-j) (h_j · q).

The query q here is the decision's settled state h_t (the fixed point the inner loop moves
towards) rather than its first inner iterate, which the exported graphs do not return. Numpy
only: the torch policy and the robot runtime both call it.
"""

from __future__ import annotations

import numpy as np


def memory_read(past: list[np.ndarray], query: np.ndarray, lam: float, eta: float
                ) -> np.ndarray:
    """[t] weights of the earlier decisions' hidden states `past` (oldest first, each [H]) for
    `query` [H]; empty before any decision is stored."""
    if not past:
        return np.zeros(0, dtype=np.float32)
    h = np.stack([np.asarray(p, dtype=np.float64).reshape(-1) for p in past])
    decay = lam ** np.arange(len(past) - 1, -1, -1, dtype=np.float64)
    return (eta * decay * (h @ np.asarray(query, dtype=np.float64).reshape(-1))).astype(
        np.float32)


class ReadBack:
    """An episode's hidden states so far, and what each new decision read back of them."""

    def __init__(self, lam: float, eta: float):
        self.lam, self.eta = float(lam), float(eta)
        self.past: list[np.ndarray] = []

    def reset(self) -> None:
        """A new episode: nothing stored."""
        self.past = []

    def step(self, h: np.ndarray) -> np.ndarray:
        """The weights decision `h` (its hidden state) gave the earlier ones; then store it."""
        h = np.array(h, dtype=np.float32).reshape(-1)
        weights = memory_read(self.past, h, self.lam, self.eta)
        self.past.append(h)
        return weights


def shares(weights: np.ndarray, digits: int = 3) -> list[float]:
    """Weights as shares of their absolute sum (rounded), for the status message."""
    w = np.asarray(weights, dtype=np.float64)
    total = float(np.abs(w).sum())
    if total <= 0 or not np.isfinite(total):
        return [0.0] * len(w)
    return [round(float(v) / total, digits) for v in w]
