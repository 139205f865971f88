"""Audio in: any WAV file to the 16 kHz mono 16-bit samples the decoder's acoustic model wants.

The reader parses RIFF/WAVE itself (numpy only) so it accepts what the standard `wave` module
does not: 32/64-bit float, 24-bit PCM, WAVE_FORMAT_EXTENSIBLE headers, odd chunk orders.
Channels are averaged; the rate is converted by polyphase windowed-sinc filtering (exact
rational ratio, Kaiser window, anti-alias cutoff below the lower Nyquist frequency).
"""

from __future__ import annotations

import math
import struct
from pathlib import Path

import numpy as np

RATE = 16000  # what the PocketSphinx en-us model is trained on
MAX_RATE = 384_000
MAX_SECONDS = 600.0

_PCM, _FLOAT, _EXTENSIBLE = 0x0001, 0x0003, 0xFFFE


class AudioError(ValueError):
    """A file that cannot be read as audio; the message says why."""


def read_wav(path: str | Path) -> tuple[np.ndarray, int]:
    """(samples as float32 in [-1, 1], shape (frames, channels), sample rate) of a WAV file."""
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        raise AudioError(f"{path}: {e.strerror or e}") from None
    try:
        return parse_wav(data)
    except AudioError as e:
        raise AudioError(f"{path}: {e}") from None


def parse_wav(data: bytes) -> tuple[np.ndarray, int]:
    """`read_wav` for bytes already in memory."""
    if len(data) < 12 or data[:4] not in (b"RIFF", b"RF64") or data[8:12] != b"WAVE":
        raise AudioError("not a WAV file (no RIFF/WAVE header)")
    fmt = None
    payload = None
    pos = 12
    while pos + 8 <= len(data):
        cid, size = data[pos:pos + 4], struct.unpack("<I", data[pos + 4:pos + 8])[0]
        body = data[pos + 8:pos + 8 + size]
        if cid == b"fmt ":
            fmt = body
        elif cid == b"data":
            # Streams written before their length was known leave 0 or 0xFFFFFFFF here.
            payload = data[pos + 8:] if size in (0, 0xFFFFFFFF) else body
            if fmt is not None:
                break
        pos += 8 + size + (size & 1)
    if fmt is None or len(fmt) < 16:
        raise AudioError("WAV file without a valid 'fmt ' chunk")
    if payload is None:
        raise AudioError("WAV file without a 'data' chunk")
    tag, channels, rate, _, block, bits = struct.unpack("<HHIIHH", fmt[:16])
    if tag == _EXTENSIBLE and len(fmt) >= 26:
        tag = struct.unpack("<H", fmt[24:26])[0]  # the sub-format GUID starts with the tag
    if channels < 1 or not 1 <= rate <= MAX_RATE:
        raise AudioError(f"unsupported WAV: {channels} channels at {rate} Hz")
    width = bits // 8
    if tag == _PCM and bits in (8, 16, 24, 32):
        samples = _pcm(payload, width)
    elif tag == _FLOAT and bits in (32, 64):
        usable = len(payload) // width * width
        samples = np.frombuffer(payload[:usable], f"<f{width}").astype(np.float32)
        samples = np.nan_to_num(np.clip(samples, -1.0, 1.0))
    else:
        raise AudioError(f"unsupported WAV encoding (format tag {tag:#06x}, {bits} bits); "
                         f"PCM 8/16/24/32-bit and float 32/64-bit are supported")
    frames = len(samples) // channels
    if frames == 0:
        raise AudioError("WAV file with no samples (cut short?)")
    if frames / rate > MAX_SECONDS:
        raise AudioError(f"{frames / rate:.0f} s of audio; at most {MAX_SECONDS:.0f} s")
    return samples[:frames * channels].reshape(frames, channels), rate


def _pcm(payload: bytes, width: int) -> np.ndarray:
    n = len(payload) // width
    raw = np.frombuffer(payload[:n * width], np.uint8)
    if width == 1:  # 8-bit WAV is unsigned
        return (raw.astype(np.float32) - 128.0) / 128.0
    if width == 3:
        b = raw.reshape(n, 3).astype(np.int32)
        ints = (b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)) << 8 >> 8  # sign-extend 24 bits
        return ints.astype(np.float32) / float(1 << 23)
    ints = np.frombuffer(payload[:n * width], f"<i{width}")
    return (ints / float(1 << (8 * width - 1))).astype(np.float32)


def resample(x: np.ndarray, rate_in: int, rate_out: int = RATE, zeros: int = 16,
             beta: float = 8.6) -> np.ndarray:
    """`x` (1-D float) at `rate_out`, by polyphase windowed-sinc interpolation.

    The ratio is the exact fraction L/M = rate_out/rate_in, so output sample n sits at input
    position n*M/L: its integer part picks the input samples, its remainder (one of L phases)
    the filter taps. The low-pass cutoff is 0.95 of the lower of the two Nyquist frequencies;
    `zeros` sinc zero-crossings each side, Kaiser window `beta` (≈ 86 dB stop band).
    """
    g = math.gcd(rate_in, rate_out)
    up, down = rate_out // g, rate_in // g
    x = np.asarray(x, dtype=np.float64)
    if up == down or len(x) == 0:
        return x.astype(np.float32)
    cutoff = 0.95 * min(1.0, up / down)  # in units of the input Nyquist frequency
    half = int(math.ceil(zeros / cutoff))  # filter half-width in input samples
    n_out = int(math.ceil(len(x) * up / down))
    pos = np.arange(n_out, dtype=np.int64) * down
    base, phase = pos // up, pos % up
    frac = np.arange(up) / up  # where each phase lies between two input samples
    padded = np.concatenate([np.zeros(half), x, np.zeros(half + 1)])
    y = np.zeros(n_out)
    # One tap at a time over all outputs: memory stays O(len) whatever the ratio.
    for j in range(-half + 1, half + 1):
        t = j - frac  # distance (input samples) from the output instant to input sample base+j
        w = np.i0(beta * np.sqrt(np.clip(1.0 - (t / half) ** 2, 0.0, None))) / np.i0(beta)
        taps = cutoff * np.sinc(cutoff * t) * w
        y += padded[base + j + half] * taps[phase]
    return y.astype(np.float32)


def to_pcm16(x: np.ndarray) -> np.ndarray:
    """Float samples in [-1, 1] to int16, clipped."""
    return np.clip(np.round(np.asarray(x) * 32767.0), -32768, 32767).astype(np.int16)


def prepare(samples: np.ndarray, rate: int) -> np.ndarray:
    """Any (frames,) or (frames, channels) float audio to 16 kHz mono int16."""
    mono = samples.mean(axis=1) if samples.ndim == 2 else samples
    return to_pcm16(resample(mono, rate, RATE))


def load(path: str | Path) -> np.ndarray:
    """A WAV file as 16 kHz mono int16 (AudioError says why a file cannot be read)."""
    samples, rate = read_wav(path)
    return prepare(samples, rate)


def write_wav(path: str | Path, pcm: np.ndarray, rate: int = RATE) -> None:
    """Write int16 samples, shape (frames,) or (frames, channels), as a PCM WAV file."""
    pcm = np.asarray(pcm, dtype="<i2")
    channels = 1 if pcm.ndim == 1 else pcm.shape[1]
    body = pcm.tobytes()
    header = b"RIFF" + struct.pack("<I", 36 + len(body)) + b"WAVE" + b"fmt " + struct.pack(
        "<IHHIIHH", 16, _PCM, channels, rate, rate * 2 * channels, 2 * channels, 16)
    Path(path).write_bytes(header + b"data" + struct.pack("<I", len(body)) + body)


def rms_dbfs(pcm: np.ndarray) -> float:
    """Root-mean-square level of int16 samples in dB relative to full scale (-inf if silent)."""
    if len(pcm) == 0:
        return -math.inf
    rms = float(np.sqrt(np.mean(np.square(pcm.astype(np.float64))))) / 32768.0
    return 20.0 * math.log10(rms) if rms > 0 else -math.inf
