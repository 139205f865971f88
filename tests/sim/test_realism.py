"""The sensor and actuation models (sim/realism/): each one's statistics against the numbers
it claims, and the env with the realistic profile (deterministic, judged on the truth)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.config import EnvConfig
from sim.realism import PROFILES, Realism, Rig, realism_of
from sim.realism.color import READ, SHOT, ColorLook, noisy_rgb
from sim.realism.depth import DISPARITY_STEP, axial_sigma, noisy_depth, quantise
from sim.realism.motion import ANGULAR_SIGMA, LINEAR_SIGMA, slip
from sim.realism.odometry import DriftingOdometry

H, W, FX, NEAR, FAR = 60, 80, 40.0, 0.05, 8.0
GREY = np.full((H, W, 3), 128, np.uint8)


def test_axial_noise_is_nguyen_et_al_and_quantised_in_disparity():
    assert axial_sigma(0.4) == pytest.approx(0.0012)
    assert axial_sigma(2.0) == pytest.approx(0.0012 + 0.0019 * 1.6**2)
    rng = np.random.default_rng(0)
    for z in (1.0, 2.0, 3.0):
        flat = np.full((H, W), z, np.float32)
        d = np.concatenate([noisy_depth(flat, GREY, rng, fx=FX, near=NEAR, far=FAR,
                                        p_speckle=0.0) for _ in range(20)])
        step = z * z * DISPARITY_STEP  # depth step of one disparity step at z
        want = math.sqrt(axial_sigma(z) ** 2 + step**2 / 12)  # noise + rounding
        assert np.std(d - z) == pytest.approx(want, rel=0.12), z
        assert abs(np.mean(d - z)) < 0.2 * want
    q = quantise(np.array([1.0, 1.7, 2.9]))
    k = 1.0 / q / DISPARITY_STEP
    assert np.allclose(k, np.round(k))  # on the disparity lattice


def test_missing_readings_where_the_camera_loses_them():
    rng = np.random.default_rng(1)
    flat = np.full((H, W), 2.0, np.float32)
    n = 30

    def missing(depth, rgb) -> float:
        return float(np.mean([(noisy_depth(depth, rgb, rng, fx=FX, near=NEAR, far=FAR) == FAR)
                              .mean() for _ in range(n)]))

    assert missing(flat, GREY) == pytest.approx(0.005, abs=0.002)  # speckle
    assert missing(flat, np.zeros_like(GREY)) == pytest.approx(0.3, abs=0.02)  # dark
    # A surface seen nearly edge-on: depth grows 12 % per pixel (77 degrees off the ray at
    # fx = 40 px).
    ramp = (1.12 ** np.arange(16)[:, None] * np.ones((1, W))).astype(np.float32)
    assert missing(ramp, GREY[:16]) == pytest.approx(0.5, abs=0.03)
    assert np.array_equal(noisy_depth(flat, GREY, rng, fx=FX, near=NEAR, far=FAR, strength=0),
                          flat)
    beyond = np.full((H, W), FAR, np.float32)
    assert (noisy_depth(beyond, GREY, rng, fx=FX, near=NEAR, far=FAR) == FAR).all()


def test_colour_noise_is_poisson_gaussian_and_the_look_spreads_as_documented():
    rng = np.random.default_rng(2)
    out = np.stack([noisy_rgb(GREY, rng, ColorLook()) for _ in range(10)]).astype(float)
    assert np.std(out - 128) == pytest.approx(math.sqrt(SHOT * 128 + READ**2), rel=0.05)
    assert noisy_rgb(GREY, rng, ColorLook(), strength=0) is GREY
    looks = [ColorLook.draw(rng, 1.0) for _ in range(2000)]
    assert np.std(np.log([lk.exposure for lk in looks])) == pytest.approx(0.25, rel=0.08)
    wb = np.array([lk.white_balance for lk in looks])
    assert np.allclose(wb.mean(axis=1), 1.0)
    dark = noisy_rgb(GREY, rng, ColorLook(exposure=0.5), strength=0.0 + 1e-9)
    assert abs(dark.mean() - 64) < 2


def test_wheel_slip_spreads_as_documented():
    rng = np.random.default_rng(3)
    got = np.array([slip(0.3, 1.0, rng) for _ in range(20000)])
    assert np.std(got[:, 0] / 0.3 - 1) == pytest.approx(LINEAR_SIGMA, rel=0.05)
    assert np.std(got[:, 1] - 1.0) == pytest.approx(
        math.hypot(ANGULAR_SIGMA, 0.02 * 0.3 / 0.35), rel=0.05)
    assert slip(0.0, 0.0, rng) == (0.0, 0.0)
    assert slip(0.3, 1.0, rng, strength=0) == (0.3, 1.0)


def test_odometry_drifts_as_documented_and_relocalises():
    drift, length, step = 0.02, 4.0, 0.05
    along, across = [], []
    for seed in range(400):
        odo = DriftingOdometry(np.random.default_rng(seed), drift, relocalise_every=0)
        odo.reset((0.0, 0.0, 0.0))
        for k in range(1, int(length / step) + 1):
            bx, by, _ = odo.step((k * step, 0.0, 0.0))
        along.append(bx - length)
        across.append(by)
    assert np.std(along) == pytest.approx(drift * length, rel=0.15)
    assert np.std(across) == pytest.approx(drift * length**1.5 / math.sqrt(3), rel=0.15)
    odo = DriftingOdometry(np.random.default_rng(0), 0.2, relocalise_every=1.0, residual=0.02)
    odo.reset((0.0, 0.0, 0.0))
    for k in range(1, 21):  # 1 m: the belief snaps back to the truth
        belief = odo.step((k * 0.05, 0.0, 0.0))
    assert odo.relocalised == 1 and math.hypot(belief[0] - 1.0, belief[1]) < 0.08


def test_profiles_and_overrides():
    assert PROFILES["ideal"].ideal and not PROFILES["realistic"].ideal
    r = realism_of("realistic", drift=0.05, depth=None)
    assert (r.drift, r.depth) == (0.05, 1.0)
    with pytest.raises(ValueError, match="not one of"):
        realism_of("noisy")
    with pytest.raises(ValueError, match="finite and >= 0"):
        realism_of("ideal", slip=-1)
    cfg = EnvConfig(realism="realistic", pose_drift=0.0)
    assert cfg.realism_model() == Realism(depth=1.0, color=1.0, slip=1.0, drift=0.0)
    rig = Rig(PROFILES["ideal"])
    rig.reset(np.random.default_rng(0), (1.0, 2.0, 0.3))
    assert rig.belief((5.0, 5.0, 0.0)) == (5.0, 5.0, 0.0) and rig.command(0.2, 0.1) == (0.2, 0.1)


def _rollout(realism: str, seed: int) -> tuple[list, object]:
    env = EnvConfig(id="Roomby/GoToRoom-v0", split="heldout", realism=realism).make()
    try:
        obs, _ = env.reset(seed=seed)
        frames = [(obs["rgb"].copy(), obs["depth"].copy(), obs["pose"].copy())]
        from sim.expert import Expert

        expert, done, info = Expert(env), False, {}
        while not done:
            obs, _, term, trunc, info = env.step(expert.act(env))
            frames.append((obs["rgb"].copy(), obs["depth"].copy(), obs["pose"].copy()))
            done = term or trunc
        b = env.unwrapped
        return frames, (info, b.world.pose(), b.pose_estimate(), b.rig.relocalised)
    finally:
        env.close()


def test_realistic_env_is_deterministic_and_judged_on_the_truth():
    a, (info, truth, belief, reloc) = _rollout("realistic", 5)
    b, _ = _rollout("realistic", 5)
    assert len(a) == len(b) and all(all(np.array_equal(x, y) for x, y in zip(fa, fb,
                                                                             strict=True))
                                    for fa, fb in zip(a, b, strict=True))
    ideal, (ideal_info, ideal_truth, ideal_belief, _) = _rollout("ideal", 5)
    assert ideal_truth == ideal_belief  # no drift: the robot knows where it is
    assert truth != belief or reloc > 0  # drift (or a fresh re-localisation)
    # The observation's pose is the belief, the images are noisy: not what the ideal env sees.
    assert not np.array_equal(a[0][1], ideal[0][1]) and not np.array_equal(a[0][0], ideal[0][0])
    assert np.allclose(a[0][2], ideal[0][2])  # both start where the robot really is
    assert info["success"] and ideal_info["success"]  # the expert still gets there
