"""A small colour camera's errors, as a pure function of a clean image: exposure, white
balance, blur and sensor noise (the Poisson-Gaussian model of raw sensor noise: Foi et al.,
"Practical Poissonian-Gaussian Noise Modeling and Fitting for Single-Image Raw-Data", IEEE TIP
2008; here applied to the 8-bit image, a simplification)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ColorLook:
    """One episode's camera settings (auto-exposure and auto white balance settle per scene)."""

    exposure: float = 1.0
    """Gain on every channel."""
    white_balance: tuple[float, float, float] = (1.0, 1.0, 1.0)
    """Gain per channel (R, G, B)."""

    @classmethod
    def draw(cls, rng: np.random.Generator, strength: float) -> ColorLook:
        """Exposure within about +-25 % and per-channel white-balance gains within about +-8 %
        (one standard deviation x `strength`)."""
        if strength <= 0:
            return cls()
        exposure = float(np.exp(rng.normal(0.0, 0.25 * strength)))
        wb = np.exp(rng.normal(0.0, 0.08 * strength, 3))
        return cls(exposure, tuple(float(g) for g in wb / wb.mean()))


SHOT = 0.6
"""Shot-noise variance per unit of intensity (8-bit levels): sigma^2 = SHOT * I."""
READ = 2.0
"""Read-noise standard deviation (8-bit levels)."""


def blur(img: np.ndarray, sigma: float) -> np.ndarray:
    """A separable Gaussian blur of `sigma` pixels (a 3-tap kernel up to sigma 1, 5-tap above)."""
    if sigma <= 0:
        return img
    radius = 1 if sigma <= 1.0 else 2
    x = np.arange(-radius, radius + 1, dtype=np.float32)
    k = np.exp(-0.5 * (x / sigma) ** 2)
    k /= k.sum()
    pad = np.pad(img, ((radius, radius), (radius, radius), (0, 0)), mode="edge")
    h, w = img.shape[:2]
    rows = sum(k[i] * pad[i:i + h, :, :] for i in range(len(k)))
    return sum(k[i] * rows[:, i:i + w, :] for i in range(len(k)))


def noisy_rgb(rgb: np.ndarray, rng: np.random.Generator, look: ColorLook, *,
              strength: float = 1.0, blur_sigma: float = 0.6) -> np.ndarray:
    """`rgb` (uint8 [H, W, 3]) through the episode's exposure and white balance, a blur of
    `blur_sigma` x strength pixels, and shot + read noise x strength. `strength` 0 with the
    neutral look returns the image unchanged."""
    if strength <= 0 and look == ColorLook():
        return rgb
    img = np.asarray(rgb, dtype=np.float32) * (look.exposure * np.asarray(
        look.white_balance, dtype=np.float32))
    img = blur(img, blur_sigma * strength)
    if strength > 0:
        var = SHOT * strength * np.clip(img, 0.0, 255.0) + (READ * strength) ** 2
        img = img + rng.normal(0.0, 1.0, img.shape).astype(np.float32) * np.sqrt(var)
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)
