"""Episode videos: side-by-side panels with captions, written as H.264 MP4 or GIF.

`compose` lays out a frame (camera image, top-down map, ...) with a caption above each panel and
an optional footer; `VideoWriter` streams frames to an ``.mp4`` (imageio's ffmpeg plugin,
libx264, yuv420p) or collects them for a ``.gif`` (Pillow), chosen by the file's suffix.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFont

SUPPORTED_SUFFIXES: tuple[str, ...] = (".mp4", ".gif")

BACKGROUND = (18, 18, 22)
SEPARATOR = (70, 70, 78)
TEXT_COLOR = (235, 235, 235)
FOOTER_COLOR = (200, 215, 255)
SEPARATOR_PX = 2
TEXT_PAD = 3  # pixels above and below a line of text


FONT_SIZE = 13


@lru_cache(maxsize=1)
def _font() -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """Pillow's default font, at FONT_SIZE where Pillow has FreeType (its bitmap font if not)."""
    try:
        return ImageFont.load_default(size=FONT_SIZE)
    except (TypeError, ImportError, OSError):  # Pillow < 10.1, or no FreeType
        return ImageFont.load_default()


@lru_cache(maxsize=1)
def _line_height() -> int:
    """Pixel height of a text bar holding one line in the default font."""
    x0, y0, x1, y1 = _font().getbbox("Ag|yj")
    return int(y1) + 2 * TEXT_PAD


def _as_rgb(frame: np.ndarray, what: str = "frame") -> np.ndarray:
    """`frame` as uint8 HxWx3 (greyscale is repeated, an alpha channel dropped)."""
    a = np.asarray(frame)
    if a.dtype != np.uint8:
        raise ValueError(f"{what} must be uint8, got {a.dtype}")
    if a.ndim == 2:
        a = np.repeat(a[:, :, None], 3, axis=2)
    if a.ndim != 3 or a.shape[2] not in (3, 4) or a.shape[0] == 0 or a.shape[1] == 0:
        raise ValueError(f"{what} must be HxWx3 (or HxW, HxWx4), got shape {a.shape}")
    return a[:, :, :3]


def _resize_to_height(panel: np.ndarray, height: int) -> np.ndarray:
    """Scale to `height` keeping the aspect: nearest-neighbour when enlarging (crisp pixels of
    small camera images), area averaging when shrinking (thin lines stay visible)."""
    h, w = panel.shape[:2]
    if h == height:
        return panel
    new_w = max(1, round(w * height / h))
    resample = Image.Resampling.NEAREST if height > h else Image.Resampling.BOX
    return np.asarray(Image.fromarray(np.ascontiguousarray(panel)).resize((new_w, height),
                                                                           resample))


def _fit_text(draw: ImageDraw.ImageDraw, text: str, width: int) -> str:
    """`text` shortened with '...' to fit `width` pixels."""
    font = _font()
    if draw.textlength(text, font=font) <= width:
        return text
    lo, hi = 0, len(text)
    while lo < hi:  # the longest prefix that fits with the ellipsis
        mid = (lo + hi + 1) // 2
        if draw.textlength(text[:mid] + "...", font=font) <= width:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo] + "..."


def _text(draw: ImageDraw.ImageDraw, xy: tuple[int, int], text: str, width: int,
          fill: tuple[int, int, int]) -> None:
    try:
        draw.text(xy, _fit_text(draw, text, width), font=_font(), fill=fill)
    except UnicodeEncodeError:  # a bitmap fallback font knows Latin-1 only
        plain = text.encode("latin-1", "replace").decode("latin-1")
        draw.text(xy, _fit_text(draw, plain, width), font=_font(), fill=fill)


def compose(panels: list[np.ndarray], captions: list[str], height: int = 320,
            footer: str = "") -> np.ndarray:
    """One video frame, uint8 [H, W, 3] with even H and W: `panels` side by side.

    Each panel (uint8 HxWx3) is scaled to `height` keeping its aspect, with a thin separator
    between panels and its caption above it (a caption row is drawn when any caption is set;
    missing captions are empty). `footer` is drawn below, one line per ``\\n``-separated line,
    each shortened to the frame's width, so that frames of one video keep one shape.
    """
    if not panels:
        raise ValueError("compose needs at least one panel")
    if len(captions) > len(panels):
        raise ValueError(f"{len(captions)} captions for {len(panels)} panels")
    if height < 1:
        raise ValueError(f"height must be positive, got {height}")
    caps = list(captions) + [""] * (len(panels) - len(captions))
    scaled = [_resize_to_height(_as_rgb(p, f"panel {i}"), height) for i, p in enumerate(panels)]
    line = _line_height()
    cap_h = line if any(caps) else 0
    footer_lines = footer.split("\n") if footer else []
    foot_h = line * len(footer_lines)
    width = sum(p.shape[1] for p in scaled) + SEPARATOR_PX * (len(scaled) - 1)
    total_h = cap_h + height + foot_h
    canvas = np.empty((total_h + total_h % 2, width + width % 2, 3), dtype=np.uint8)
    canvas[...] = BACKGROUND
    x = 0
    lefts = []
    for i, p in enumerate(scaled):
        if i:
            canvas[cap_h:cap_h + height, x:x + SEPARATOR_PX] = SEPARATOR
            x += SEPARATOR_PX
        canvas[cap_h:cap_h + height, x:x + p.shape[1]] = p
        lefts.append(x)
        x += p.shape[1]
    if not cap_h and not foot_h:
        return canvas
    img = Image.fromarray(canvas)
    draw = ImageDraw.Draw(img)
    for left, p, cap in zip(lefts, scaled, caps, strict=True):
        if cap:
            _text(draw, (left + 4, TEXT_PAD), cap, p.shape[1] - 8, TEXT_COLOR)
    for k, text in enumerate(footer_lines):
        _text(draw, (4, cap_h + height + k * line + TEXT_PAD), text, canvas.shape[1] - 8,
              FOOTER_COLOR)
    return np.array(img)


def _fit_shape(frame: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """`frame` padded with black (or cropped) at the bottom/right to `shape`."""
    if frame.shape == shape:
        return frame
    out = np.zeros(shape, dtype=np.uint8)
    h, w = min(shape[0], frame.shape[0]), min(shape[1], frame.shape[1])
    out[:h, :w] = frame[:h, :w]
    return out


class VideoWriter:
    """Write frames to ``.mp4`` (H.264, streamed) or ``.gif`` (kept until close), by suffix.

    Use as a context manager: ``with VideoWriter("out.mp4", fps=10) as v: v.add(frame)``.
    Every frame takes the first frame's shape (MP4: rounded up to even sides); frames that
    differ are padded with black or cropped at the bottom/right. Closing without frames
    writes no file.
    """

    def __init__(self, path: str | Path, fps: float = 10):
        self.path = Path(path)
        self.format = self.path.suffix.lower()
        if self.format not in SUPPORTED_SUFFIXES:
            raise ValueError(f"cannot write video {str(path)!r}: unsupported suffix "
                             f"{self.path.suffix!r} (supported: {', '.join(SUPPORTED_SUFFIXES)})")
        if not fps > 0:
            raise ValueError(f"fps must be positive, got {fps}")
        self.fps = fps
        self.n_frames = 0
        self.shape: tuple[int, int, int] | None = None
        self._writer: Any = None
        self._gif: list[Image.Image] = []
        self._closed = False

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def add(self, frame: np.ndarray) -> None:
        """Append one uint8 HxWx3 frame."""
        if self._closed:
            raise RuntimeError(f"video {self.path} is already closed")
        f = _as_rgb(frame)
        if self.shape is None:
            h, w = f.shape[:2]
            if self.format == ".mp4":
                h, w = h + h % 2, w + w % 2  # yuv420p needs even sides
            self.shape = (h, w, 3)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if self.format == ".mp4":
                self._writer = self._open_mp4()
        f = _fit_shape(f, self.shape)
        if self._writer is not None:
            self._writer.append_data(np.ascontiguousarray(f))
        else:  # GIF: keep a palette image (a third of the RGB size) until close
            self._gif.append(Image.fromarray(f).quantize(colors=256))
        self.n_frames += 1

    def _open_mp4(self) -> Any:
        import imageio.v2 as iio

        return iio.get_writer(
            str(self.path), format="FFMPEG", mode="I", fps=self.fps, codec="libx264",
            pixelformat="yuv420p", macro_block_size=1, ffmpeg_log_level="error",
        )

    def close(self) -> None:
        """Finish the file (idempotent)."""
        if self._closed:
            return
        self._closed = True
        if self._writer is not None:
            writer, self._writer = self._writer, None
            writer.close()
        if self._gif:
            frames, self._gif = self._gif, []
            frames[0].save(self.path, format="GIF", save_all=True, append_images=frames[1:],
                           duration=max(10, round(1000 / self.fps)), loop=0)
