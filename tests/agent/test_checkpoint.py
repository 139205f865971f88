"""Checkpoints round-trip; damaged or foreign files are named errors."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest
import torch

from agent.model.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from agent.model.config import ModelConfig
from agent.model.network import RoombyPolicyNet


def test_round_trip_keeps_config_weights_and_meta(tmp_path: Path) -> None:
    torch.manual_seed(0)
    net = RoombyPolicyNet(ModelConfig(memory="gru", dim=32))
    save_checkpoint(tmp_path / "p.pt", net, meta={"command": "roomby train", "steps": 3})
    loaded, meta = load_checkpoint(tmp_path / "p.pt")
    assert loaded.cfg == net.cfg and meta == {"command": "roomby train", "steps": 3}
    for (n, a), (_, b) in zip(net.state_dict().items(), loaded.state_dict().items(), strict=True):
        assert torch.equal(a, b), n
    assert not (tmp_path / "p.pt.tmp").exists()


def test_bad_files_are_named(tmp_path: Path) -> None:
    net = RoombyPolicyNet(ModelConfig(dim=32))
    good = tmp_path / "good.pt"
    save_checkpoint(good, net)
    with pytest.raises(CheckpointError, match="no checkpoint at"):
        load_checkpoint(tmp_path / "missing.pt")
    truncated = tmp_path / "truncated.pt"
    truncated.write_bytes(good.read_bytes()[:1000])
    with pytest.raises(CheckpointError, match="cannot read checkpoint .*truncated.pt"):
        load_checkpoint(truncated)
    foreign = tmp_path / "foreign.pt"
    torch.save({"weights": torch.zeros(3)}, foreign)
    with pytest.raises(CheckpointError, match="not a Roomby policy checkpoint"):
        load_checkpoint(foreign)
    noise = tmp_path / "noise.pt"
    noise.write_bytes(np.random.default_rng(0).bytes(5000))
    with pytest.raises(CheckpointError, match="noise.pt: not a torch weights file"):
        load_checkpoint(noise)
    data = torch.load(good, weights_only=True)
    data["model_config"]["dim"] = 64  # weights are for dim 32
    mismatch = tmp_path / "mismatch.pt"
    torch.save(data, mismatch)
    with pytest.raises(CheckpointError, match="do not fit"):
        load_checkpoint(mismatch)
    data["model_config"]["flux"] = 1
    torch.save(data, mismatch)
    with pytest.raises(CheckpointError, match=r"unknown model config key\(s\) \['flux'\]"):
        load_checkpoint(mismatch)


class _Payload:
    """Pickles as a call that creates a file: what a malicious checkpoint would run."""

    def __init__(self, target: Path):
        self.target = target

    def __reduce__(self):
        return (Path.touch, (self.target,))


@pytest.mark.parametrize("how", ["torch", "pickle"])
def test_a_malicious_checkpoint_does_not_run(tmp_path: Path, how: str) -> None:
    target = tmp_path / "ran"
    evil = tmp_path / "evil.pt"
    payload = {"format": "roomby-policy", "version": 1, "meta": _Payload(target)}
    if how == "torch":
        torch.save(payload, evil)
    else:
        evil.write_bytes(pickle.dumps(payload))
    with pytest.raises(CheckpointError, match="could run code") as info:
        load_checkpoint(evil)
    assert not target.exists()
    assert "weights_only" not in str(info.value)  # no advice to load it unsafely


def test_a_checkpoint_keeps_its_vocabulary_and_reads_todays_ids(tmp_path) -> None:
    """An older vocabulary: today's ids are mapped onto it (a new word is <unk>), and a model of
    today's vocabulary started from it (`copy_matching`) keeps every shared word's embedding."""
    from agent.model.checkpoint import copy_matching
    from agent.model.tokenizer import LEGACY_VOCAB
    from sim.language import UNK, VOCAB, WORD_TO_ID, encode

    torch.manual_seed(0)
    old = RoombyPolicyNet(vocab=LEGACY_VOCAB)
    save_checkpoint(tmp_path / "old.pt", old)
    net, _ = load_checkpoint(tmp_path / "old.pt")
    assert net.vocab == LEGACY_VOCAB and net.language.embed.weight.shape[0] == len(LEGACY_VOCAB)
    ids = torch.from_numpy(encode("go to the kitchen, then come back here"))
    mapped = net.token_map[ids]
    assert mapped[3] == LEGACY_VOCAB.index("kitchen") and mapped[6] == UNK  # "back"
    new = RoombyPolicyNet()
    fresh, unused = copy_matching(new, old)
    assert "language.embed.weight" not in fresh + unused
    kitchen = old.language.embed.weight[LEGACY_VOCAB.index("kitchen")]
    assert torch.equal(new.language.embed.weight[WORD_TO_ID["kitchen"]], kitchen)
    assert len(VOCAB) > len(LEGACY_VOCAB)
