"""Load and check an exported bundle (`roomby export`), and open its graphs in onnxruntime.

    bundle = load_bundle("bundle/")          # BundleError names whatever is wrong
    bundle.meta["model"]["version"], bundle.providers
    session = bundle.session("decision")

The metadata (`roomby.json`) is the contract between the export and this runtime: the runtime
reads the vocabulary, shapes, state names and specs from it rather than from training code. No
torch, no pybullet: numpy and onnxruntime only.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

BUNDLE_FORMAT = "roomby-bundle"
BUNDLE_VERSION = 1
"""The newest bundle format this runtime reads (agent.export.bundle writes the same number)."""
METADATA = "roomby.json"
GRAPHS = ("perception", "command", "decision")
PROVIDER_ORDER = ("TensorrtExecutionProvider", "CUDAExecutionProvider", "CPUExecutionProvider")


class BundleError(ValueError):
    """A bundle that cannot be used; the message names the folder or file and the problem."""


def available_providers() -> list[str]:
    """The execution providers this machine's onnxruntime has, best first: TensorRT, CUDA, CPU."""
    import onnxruntime as ort

    have = set(ort.get_available_providers())
    return [p for p in PROVIDER_ORDER if p in have]


@dataclass
class Bundle:
    path: Path
    meta: dict[str, Any]
    threads: int = 1
    providers: list[str] = field(default_factory=list)
    trt_cache: Path | None = None
    trt_fp16: bool = True
    _sessions: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def fp16(self) -> bool:
        return bool(self.meta.get("fp16"))

    @property
    def state_specs(self) -> list[dict[str, Any]]:
        """[{"name", "shape"}] of the memory state the decision graph carries (empty: none)."""
        return list(self.meta["memory"]["state"])

    def graph(self, name: str) -> dict[str, Any]:
        return self.meta["graphs"][name]

    def session(self, name: str):
        """The onnxruntime session of one graph (created once, on first use)."""
        if name not in self._sessions:
            self._sessions[name] = self._open(name)
        return self._sessions[name]

    def _open(self, name: str):
        import onnxruntime as ort

        opts = ort.SessionOptions()
        # One thread per graph by default: batch-1 graphs this small gain nothing from more, and
        # a robot's CPU is busy with ROS, drivers and the planner.
        opts.intra_op_num_threads = self.threads
        opts.inter_op_num_threads = 1
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        opts.log_severity_level = 3  # errors only: ORT warns about unused initializers etc.
        path = self.path / self.graph(name)["file"]
        try:
            sess = ort.InferenceSession(str(path), sess_options=opts,
                                        providers=self._provider_options())
        except Exception as e:  # onnxruntime raises its own exception types
            raise BundleError(f"{path}: onnxruntime cannot load it: {e}") from e
        want = [i["name"] for i in self.graph(name)["inputs"]]
        have = [i.name for i in sess.get_inputs()]
        if want != have:
            raise BundleError(f"{path}: inputs {have} differ from {METADATA}'s {want}")
        return sess

    def _provider_options(self) -> list[Any]:
        out: list[Any] = []
        for p in self.providers:
            if p == "TensorrtExecutionProvider":
                # Building a TensorRT engine takes minutes on a Jetson: cache it beside the bundle
                # (or where trt_cache says) so only the first start pays.
                out.append((p, {"trt_engine_cache_enable": True,
                                "trt_engine_cache_path": str(self._trt_cache_dir()),
                                "trt_fp16_enable": self.trt_fp16}))
            else:
                out.append(p)
        return out


    def _trt_cache_dir(self) -> Path:
        for cache in (self.trt_cache, self.path / "trt_cache",
                      Path.home() / ".cache" / "roomby" / "trt" / self.graph("decision")[
                          "sha256"][:16]):
            if cache is None:
                continue
            try:  # a bundle folder may be read-only (a package, a mounted image)
                cache.mkdir(parents=True, exist_ok=True)
                return cache
            except OSError:
                continue
        raise BundleError("no writable folder for the TensorRT engine cache: pass trt_cache")


_NUMBER = (int, float)
_IO = [{"name": str}]
SCHEMA: dict[str, Any] = {
    "graphs": {name: {"file": str, "sha256": str, "inputs": _IO, "outputs": _IO}
               for name in GRAPHS},
    "memory": {"kind": str, "state": [{"name": str, "shape": [int]}]},
    "vocabulary": {"tokens": [str], "pad": int, "unk": int, "max_tokens": int,
                   "word_pattern": str},
    "goal": {"slots": int, "fields": {"*": [str]}},
    "camera": {"width": int, "height": int, "hfov_deg": _NUMBER, "near": _NUMBER,
               "far": _NUMBER},
    "map": {"size": int, "channels": [str]},
    "skills": {"names": [str]},
}
"""What the runtime reads from roomby.json: a dict is a mapping with these keys ("*": any key),
a one-item list a list of such items, a type (or tuple of types) a value of that type."""


def check_metadata(meta: Any, where: str, schema: Any = None, path: str = "") -> None:
    """Raise BundleError naming the first place where `meta` departs from SCHEMA (a bundle is
    a file from elsewhere: a wrong type deep inside must not become a KeyError later)."""
    schema = SCHEMA if schema is None else schema
    at = path or "the top level"
    if isinstance(schema, dict):
        if not isinstance(meta, dict):
            raise BundleError(f"{where}: {at} must be an object, got {type(meta).__name__}")
        for key, sub in schema.items():
            if key == "*":
                for k, v in meta.items():
                    check_metadata(v, where, sub, f"{path}.{k}".lstrip("."))
            elif key not in meta:
                raise BundleError(f"{where}: {f'{path}.{key}'.lstrip('.')} is missing")
            else:
                check_metadata(meta[key], where, sub, f"{path}.{key}".lstrip("."))
    elif isinstance(schema, list):
        if not isinstance(meta, list):
            raise BundleError(f"{where}: {at} must be a list, got {type(meta).__name__}")
        for i, item in enumerate(meta):
            check_metadata(item, where, schema[0], f"{path}[{i}]")
    elif not isinstance(meta, schema) or isinstance(meta, bool):
        names = " or ".join(t.__name__ for t in (schema if isinstance(schema, tuple)
                                                 else (schema,)))
        raise BundleError(f"{where}: {at} must be {names}, got {type(meta).__name__}")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_bundle(path: str | os.PathLike, threads: int = 1, providers: list[str] | None = None,
                trt_cache: str | os.PathLike | None = None, trt_fp16: bool = True,
                verify: bool = True) -> Bundle:
    """Read and check `path/roomby.json` and the graph files it names.

    providers: onnxruntime execution providers in order of preference (default: TensorRT, CUDA,
    CPU, whichever this onnxruntime has). trt_cache: where the TensorRT provider keeps its
    engines (default: `path/trt_cache`, else ~/.cache/roomby/trt). trt_fp16: let TensorRT run
    layers in fp16 (use the fp32 bundle with it). verify: compare each graph file with its sha256.
    """
    root = Path(path)
    if not root.is_dir():
        raise BundleError(f"no bundle at {root}: expected a folder written by `roomby export`")
    meta_path = root / METADATA
    if not meta_path.is_file():
        raise BundleError(f"{root} is not a Roomby bundle: {METADATA} is missing")
    try:
        meta = json.loads(meta_path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise BundleError(f"{meta_path} cannot be read: {e}") from e
    except RecursionError:
        raise BundleError(f"{meta_path} is not Roomby bundle metadata: nested too deeply"
                          ) from None
    if not isinstance(meta, dict) or meta.get("format") != BUNDLE_FORMAT:
        raise BundleError(f"{meta_path} is not Roomby bundle metadata")
    version = meta.get("format_version")
    if not isinstance(version, int) or version > BUNDLE_VERSION:
        raise BundleError(f"{root} has bundle format {version}; this runtime reads up to "
                          f"{BUNDLE_VERSION}: upgrade roomby on this machine (or export with "
                          f"the roomby version installed here)")
    check_metadata(meta, str(meta_path))
    for name in GRAPHS:
        spec = meta["graphs"][name]
        if Path(spec["file"]).name != spec["file"]:
            raise BundleError(f"{meta_path}: graphs.{name}.file must be a file name in the "
                              f"bundle folder, got {spec['file']!r}")
        f = root / spec["file"]
        if not f.is_file():
            raise BundleError(f"{root}: {spec['file']} is missing")
        if verify and _sha256(f) != spec.get("sha256"):
            raise BundleError(f"{f} is damaged or was replaced: its sha256 differs from "
                              f"{METADATA}'s (export the bundle again)")
    chosen = list(providers) if providers is not None else available_providers()
    if not chosen:
        raise BundleError("onnxruntime offers none of the execution providers "
                          f"{', '.join(PROVIDER_ORDER)}")
    return Bundle(root, meta, threads, chosen, Path(trt_cache) if trt_cache else None, trt_fp16)


class Vocabulary:
    """The bundle's tokenizer: lower-case words matching its pattern, ids from its token list."""

    def __init__(self, spec: dict[str, Any]):
        import re

        self.tokens: list[str] = list(spec["tokens"])
        self.ids = {w: i for i, w in enumerate(self.tokens)}
        self.pad, self.unk, self.max_tokens = int(spec["pad"]), int(spec["unk"]), \
            int(spec["max_tokens"])
        self.lowercase = bool(spec.get("lowercase", True))
        try:
            self._word = re.compile(spec["word_pattern"])
        except re.error as e:
            raise BundleError(f"vocabulary.word_pattern {spec['word_pattern']!r} is not a "
                              f"regular expression: {e}") from None

    def words(self, text: str) -> list[str]:
        return self._word.findall(text.lower() if self.lowercase else text)

    def encode(self, text: str) -> tuple[np.ndarray, list[str]]:
        """-> (int64 [max_tokens] ids, 0-padded and truncated; the words outside the vocabulary)."""
        words = self.words(text)
        ids = np.full(self.max_tokens, self.pad, dtype=np.int64)
        kept = [self.ids.get(w, self.unk) for w in words[: self.max_tokens]]
        ids[: len(kept)] = kept
        return ids, [w for w in words if w not in self.ids]
