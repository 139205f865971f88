"""A structured-light / stereo depth camera's errors, as a pure function of a clean depth image.

- Axial noise growing with distance, sigma(z) = 0.0012 + 0.0019 (z - 0.4)^2 m: Nguyen, Izadi and
  Lovell, "Modeling Kinect Sensor Noise for Improved 3D Reconstruction and Tracking" (3DIMPVT
  2012), for surfaces facing the camera within 60 degrees.
- Quantisation in disparity: depth comes from a disparity measured in 1/8 pixel steps, so depth
  steps grow as z^2: dz = (m / (f b)) z^2 with f = 580 px, b = 7.5 cm, m = 1/8 (Khoshelham and
  Oude Elberink, "Accuracy and Resolution of Kinect Depth Data", Sensors 2012): 2.9 mm at 1 m,
  11.5 mm at 2 m.
- Missing readings (reported as no reading, here `far`): where the surface is seen at a grazing
  angle (the projected pattern is lost), on dark surfaces (too little light returns), and a few
  at random (speckle), as RealSense and Kinect drivers report zeros there.
"""

from __future__ import annotations

import numpy as np

SIGMA0, SIGMA_QUAD, SIGMA_Z0 = 0.0012, 0.0019, 0.4
"""Nguyen et al. (2012) axial noise: sigma(z) = SIGMA0 + SIGMA_QUAD (z - SIGMA_Z0)^2 metres."""
DISPARITY_STEP = (1 / 8) / (580.0 * 0.075)
"""Quantisation of inverse depth (1/m): one 1/8-pixel disparity step at f = 580 px, b = 7.5 cm."""
GRAZING_TAN = np.tan(np.radians(75.0))
"""Surfaces seen more obliquely than 75 degrees from the line of sight count as grazing."""
DARK_LUMA = 40.0
"""Pixel luminance (0-255) below which a surface is dark."""


def axial_sigma(z: np.ndarray) -> np.ndarray:
    """The axial noise's standard deviation (m) at depth `z` (m)."""
    return SIGMA0 + SIGMA_QUAD * (np.asarray(z, dtype=np.float64) - SIGMA_Z0) ** 2


def quantise(z: np.ndarray, step: float = DISPARITY_STEP) -> np.ndarray:
    """Depth rounded to the nearest disparity step (in inverse depth)."""
    inv = np.round(1.0 / np.asarray(z, dtype=np.float64) / step) * step
    return 1.0 / np.maximum(inv, step)


def grazing(z: np.ndarray, fx: float) -> np.ndarray:
    """bool [H, W]: the surface is seen at more than 75 degrees from the line of sight, judged
    from the depth step to the next pixel (a step dz over a pixel's footprint z / fx)."""
    gy, gx = np.gradient(np.asarray(z, dtype=np.float64))
    return np.hypot(gx, gy) * fx / np.maximum(z, 1e-6) > GRAZING_TAN


def luminance(rgb: np.ndarray) -> np.ndarray:
    r, g, b = (np.asarray(rgb, dtype=np.float32)[..., i] for i in range(3))
    return 0.299 * r + 0.587 * g + 0.114 * b


def noisy_depth(depth: np.ndarray, rgb: np.ndarray, rng: np.random.Generator, *, fx: float,
                near: float, far: float, strength: float = 1.0, p_grazing: float = 0.5,
                p_dark: float = 0.3, p_speckle: float = 0.005) -> np.ndarray:
    """`depth` (float32 [H, W] m) as the camera would report it: axial noise x `strength`,
    disparity quantisation, and missing readings (`far`) on grazing surfaces (probability
    `p_grazing` x strength), dark ones (`p_dark` x strength, judged on `rgb`) and anywhere
    (`p_speckle` x strength). `strength` 0 returns the image unchanged."""
    z = np.asarray(depth, dtype=np.float64)
    if strength <= 0:
        return np.asarray(depth, dtype=np.float32)
    valid = z < far
    noisy = z + rng.normal(0.0, 1.0, z.shape) * axial_sigma(z) * strength
    noisy = quantise(np.clip(noisy, near, None))
    p = np.full(z.shape, p_speckle * strength)
    p = np.where(grazing(z, fx), np.maximum(p, p_grazing * strength), p)
    p = np.where(luminance(rgb) < DARK_LUMA, np.maximum(p, p_dark * strength), p)
    missing = rng.random(z.shape) < np.clip(p, 0.0, 1.0)
    out = np.where(valid & ~missing, np.clip(noisy, near, far), far)
    return out.astype(np.float32)
