"""The video panel of what the memory read back: one bar per earlier decision, its height the
share of the fast-weight retrieval that decision's stored state got (`memory_read` in the
status, from `agent.runtime.memory_read`), the newest on the right."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from agent.evaluation.video import BACKGROUND, TEXT_COLOR, _text

SIZE = (320, 260)  # height, width in pixels
BAR = (90, 170, 255)
AXIS = (110, 110, 120)


def draw_memory_read(read: object, size: tuple[int, int] = SIZE) -> np.ndarray:
    """uint8 [H, W, 3]: bars for `read` (a list of shares, oldest decision first), or a line
    saying why there are none (no status yet, nothing stored yet, a memory without read-back)."""
    h, w = size
    img = Image.new("RGB", (w, h), BACKGROUND)
    draw = ImageDraw.Draw(img)
    shares = _shares(read)
    if shares is None:
        _text(draw, (8, h // 2 - 8), "no read-back in the status", w - 16, TEXT_COLOR)
        return np.asarray(img)
    if len(shares) == 0:
        _text(draw, (8, h // 2 - 8), "nothing stored yet (first decision)", w - 16, TEXT_COLOR)
        return np.asarray(img)
    top, bottom, left, right = 12, h - 28, 10, w - 10
    draw.line([(left, bottom), (right, bottom)], fill=AXIS)
    n = len(shares)
    slot = (right - left) / n
    peak = max(abs(s) for s in shares) or 1.0
    for j, s in enumerate(shares):
        x0 = left + j * slot + (1 if slot > 3 else 0)
        x1 = left + (j + 1) * slot - (1 if slot > 3 else 0)
        y = bottom - (bottom - top) * abs(s) / peak
        draw.rectangle([(x0, y), (max(x0, x1 - 1), bottom)], fill=BAR)
    # Decision numbers under the first, the last and a few between (1-based, as the footer).
    last_x = -100
    for j in sorted({n - 1, *range(0, n - 1, max(1, n // 4))}, reverse=True):
        x = int(left + (j + 0.5) * slot)
        if last_x - x >= 24:  # the newest first; others only where they do not overlap
            _text(draw, (max(0, x - 6), bottom + 4), str(j + 1), 30, TEXT_COLOR)
            last_x = x
        elif last_x < 0:
            _text(draw, (max(0, x - 6), bottom + 4), str(j + 1), 30, TEXT_COLOR)
            last_x = x
    return np.asarray(img)


def _shares(read: object) -> list[float] | None:
    if not isinstance(read, list):
        return None
    try:
        out = [float(v) for v in read]
    except (TypeError, ValueError):
        return None
    return [v if np.isfinite(v) else 0.0 for v in out]
