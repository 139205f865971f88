"""The `train:` config section (configs/train.yaml): every knob of `roomby train`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Literal

from sim.bounds import Budget, Fraction, Length, NonNegative, OneOf, Positive, Range, Rate, Seed
from sim.registration import FAMILY_IDS


@dataclass
class TrainConfig:
    seed: Seed = 0
    """Seeds weights, batch order, word dropout and the DAgger episodes."""
    data: Annotated[list[str], Length(at_least=1)] = field(default_factory=lambda: ["data/demos"])
    """Shard folders made by `roomby collect` (expert demonstrations)."""
    init: str = ""
    """Start from this checkpoint's weights (e.g. a run's perception.pt) instead of random ones;
    its model config is used, the model: section is ignored."""
    init_perception: str = ""
    """Take only the perception network from this checkpoint (e.g. a run's perception.pt); the
    rest starts fresh from the `model:` section: a new policy architecture on a trained
    perception. Ignored with `init`."""
    init_widen: bool = False
    """With `init`: build the model from the `model:` section instead of the checkpoint's, and
    copy the checkpoint's weights into it, zeros for inputs it lacked (e.g. `model.goal_seen`
    turned on), the skill head copied per task class for `model.skill_per_task`: training
    continues from exactly what the checkpoint computes."""
    init_partial: bool = False
    """With `init`: build the model from the `model:` section and copy the checkpoint's weights
    wherever a weight's name and shape match; the rest starts fresh (e.g. the cell keys and the
    pointer after `model.cell_dim` changed, or a perception without `model.perception_context`).
    The run lists what it did not copy. Not with `init_widen`."""
    threads: Annotated[int, Range(ge=1, le=256)] = 2
    """torch threads of the training process (DAgger's collection workers run while it waits)."""

    perception_steps: NonNegative = 3000
    """Stage 1: supervised updates of the perception CNN on the shards' camera frames and
    segmentation labels (0: skip, keep the weights it starts with)."""
    perception_minutes: Budget = 0.0
    """Stop the perception stage after this many minutes, the learning rate decayed over them
    (a budget, whatever the machine's speed); 0: no limit."""
    perception_batch: Positive = 64
    """Frames per perception update."""
    perception_lr: Rate = 0.002
    """Adam learning rate of the perception stage."""
    perception_background: Annotated[float, Range(ge=0.0, le=100.0)] = 0.3
    """Loss weight of "none" pixels relative to furniture pixels."""
    perception_balance: Annotated[float, Range(ge=0.0, le=2.0)] = 0.0
    """Weigh each furniture type's pixels by its pixel count ^ -balance (0: unweighted; 0.5
    lifts the small pieces, fridges and desks, that couches and beds outnumber ten to one)."""

    level: Literal["skill", "motor"] = "skill"
    """skill: the skill and pointer heads imitate decisions (the design). motor: the motor head
    imitates wheel actions every control period, from demonstrations of a -Motor env id (the
    two-level ablation; behaviour cloning only)."""
    calibrate_episodes: NonNegative = 0
    """After a perception stage: calibrate the new perception on this many expert episodes in
    training homes (agent/train/calibration.py), so DAgger and the result use the
    calibrated map; 0: leave it uncalibrated (scripts/calibrate_perception.py does it later)."""
    bc_epochs: NonNegative = 15
    """Stage 2: behaviour-cloning passes over all demonstration episodes."""
    bc_minutes: Budget = 0.0
    """Stop each behaviour-cloning stage after this many minutes (a budget that ablations share
    across levels); 0: no limit."""
    motor_chunk: Positive = 32
    """Motor level: control periods per truncated back-propagation chunk (the memory state is
    carried across chunks of an episode)."""
    batch_episodes: Positive = 16
    """Whole episodes per update (truncated BPTT = the episode: they are short)."""
    lr: Rate = 0.001
    """Adam learning rate of behaviour cloning (cosine decay to 10 % per stage)."""
    grad_clip: Annotated[float, Range(gt=0.0)] = 1.0
    """Global gradient-norm clip."""
    pointer_sigma: Annotated[float, Range(gt=0.0, le=48.0)] = 1.0
    """Std (cells) of the Gaussian around the expert's cell the pointer is trained towards:
    neighbouring cells lead to nearly the same landing point, so they are not errors."""
    goal_weight: Annotated[float, Range(ge=0.0, le=100.0)] = 0.3
    """Weight of the auxiliary goal-prediction loss (task, object, colour, room per step)."""
    word_dropout: Annotated[float, Range(ge=0.0, lt=1.0)] = 0.05
    """Probability of replacing a word by <unk> in training (robustness to unknown words)."""
    freeze_perception: bool = True
    """Keep the perception CNN's weights from stage 1 during behaviour cloning (its visual tokens'
    projection still learns)."""

    dagger_rounds: NonNegative = 1
    """Stage 3: rounds of DAgger (the learner drives with learned perception, the expert labels
    the states it visits, the learner retrains on everything)."""
    dagger_episodes: Positive = 40
    """Episodes per family per DAgger round."""
    dagger_families: list[Annotated[str, OneOf(tuple(FAMILY_IDS))]] = field(default_factory=list)
    """Task families the DAgger rounds collect (names of `roomby eval --families`); empty: all
    five. Lets rounds go where the learner fails (e.g. goto_object and vacuum_under, whose
    searches without a named room failed most)."""
    dagger_beta: Fraction = 0.3
    """Probability of executing the expert's action in DAgger round 1 (halved each round)."""
    dagger_epochs: NonNegative = 8
    """Behaviour-cloning passes over all data after each DAgger round."""
    workers: Annotated[int, Range(ge=1, le=1024)] = 2
    """Worker processes for DAgger collection."""

    ppo_steps: NonNegative = 0
    """Stage 4: decisions of PPO fine-tuning (agent/train/ppo.py: stable-baselines3's PPO with the
    memory state carried in the observations), on `env.id` with learned perception; 0: skip."""
    ppo_envs: Annotated[int, Range(ge=1, le=256)] = 2
    """Envs stepped in parallel by PPO (worker processes when more than one)."""
    ppo_n_steps: Positive = 64
    """Decisions per env per PPO rollout."""
    ppo_batch: Annotated[int, Range(ge=2)] = 32
    """Decisions per PPO minibatch."""
    ppo_epochs: Positive = 4
    """Passes over each rollout."""
    ppo_lr: Rate = 0.0001
    """Adam learning rate of PPO (small: it fine-tunes an imitation policy)."""
    ppo_clip: Annotated[float, Range(gt=0.0, le=1.0)] = 0.1
    """PPO's clip range of the probability ratio."""
    ppo_ent_coef: Annotated[float, Range(ge=0.0, le=1.0)] = 0.0
    """Entropy bonus (the pointer's 2 304 cells make its entropy large; 0 keeps it out)."""
