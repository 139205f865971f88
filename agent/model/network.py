"""Roomby's policy network: language, perception, map, fusion, memory and heads in one module.

    language  tokens -> words, sentence                       (once per command)
    queries   K learned queries attend over the words          -> language-conditioned queries
    fusion    the queries attend over visual + map tokens      (or: pooled concat, the ablation)
    memory    fused vector per decision -> h                   (fast weights / GRU / LSTM / none)
    heads     skill logits, pointer over the 48 x 48 map cells, value, motor logits,
              auxiliary goal prediction (from the language alone)

Two ways in:
- `step(obs, state) -> (PolicyOutput, state, attention)`: one decision for a batch, the form used
  for inference, rollouts and export (the memory state is an explicit input and output);
- `forward_sequence(obs, state, episode_start)`: T decisions for a batch of sequences
  ([T, B, ...] observations), the form used for behaviour cloning with truncated
  back-propagation through the memory and for recurrent PPO.
Observations are the env's Dict as tensors: rgb uint8 [B, 3, H, W] (or float in 0..1), depth
[B, 1, H, W], map [B, 29, 48, 48], pose [B, 4], instruction [B, 32] token ids (0 = padding).
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor, nn

from agent.model.attention import AdditiveAttention, MultiHeadCrossAttention, make_attention
from agent.model.config import ModelConfig
from agent.model.goal_codec import GoalCodec
from agent.model.goal_map import GOAL_FEATURES, goal_distance, goal_features, goal_map
from agent.model.language_encoder import make_language_encoder
from agent.model.map_encoder import MapEncoder
from agent.model.memory import State, make_memory
from agent.model.perception import PerceptionNet, PerceptionOut
from agent.model.tokenizer import token_map
from sim.actions import SKILLS
from sim.language import VOCAB
from sim.semantic_map import MAP_CHANNELS

N_MOTOR = 4  # the motor env's Discrete(4): forward, left, right, stop
POSE_DIM = 16


class PolicyOutput(NamedTuple):
    skill_logits: Tensor
    """[B, 3] stop / navigate / clean."""
    pointer_logits: Tensor
    """[B, 2304] one score per map cell (row * 48 + col)."""
    value: Tensor
    """[B] state value."""
    motor_logits: Tensor
    """[B, 4] wheel actions for the motor-level env."""
    goal_logits: Tensor
    """[B, slots, sum(sizes)] goal fields per step slot (split with
    `RoombyPolicyNet.split_goal_logits`)."""


class Command(NamedTuple):
    """What the network makes of a command, reusable for every decision of the episode."""

    queries: Tensor
    """[B, K, d] language-conditioned queries."""
    sentence: Tensor
    """[B, d] sentence vector."""
    goal_logits: Tensor
    """[B, slots, sum(sizes)] auxiliary goal prediction."""
    attention: dict[str, Tensor]
    """Language self-attention and the queries' attention over the words."""


def task_probs(goal_logits: Tensor, n_tasks: int) -> Tensor:
    """[B, slots, sum(sizes)] -> [B, slots * n_tasks]: the goal head's task probabilities (the
    first `n_tasks` classes: the task field) per step slot, detached (the policy's losses do not
    bend the parser)."""
    task = goal_logits.detach()[..., :n_tasks]
    return torch.softmax(task, dim=-1).flatten(1)


def task_products(probs: Tensor, feats: Tensor) -> Tensor:
    """[B, T] task probabilities, [B, F] features -> [B, F * T]: every feature times every task
    probability (`model.goal_task`): "the named thing is here" means stop for goto_object and
    clean for vacuum_under, an AND a linear head cannot form."""
    return (feats.unsqueeze(2) * probs.unsqueeze(1)).flatten(1)


class RoombyPolicyNet(nn.Module):
    def __init__(self, cfg: ModelConfig | None = None, vocab: tuple[str, ...] = VOCAB):
        super().__init__()
        cfg = cfg or ModelConfig()
        self.cfg = cfg
        d = cfg.dim
        self.codec = GoalCodec.of(cfg)
        """What the goal head's slots and classes stand for (agent/model/goal_codec.py)."""
        sizes = self.codec.sizes
        self.vocab = tuple(vocab)
        """The words this network's embedding rows stand for (stored in its checkpoint)."""
        # Today's token ids -> this network's (agent/model/tokenizer.py); MiniLM reads the
        # words themselves and needs none.
        mapping = token_map(self.vocab) if cfg.language == "transformer" else None
        self.register_buffer("token_map", None if mapping is None else torch.from_numpy(mapping),
                             persistent=False)
        self.language = make_language_encoder(cfg.language, d, cfg.heads, cfg.language_layers,
                                              len(self.vocab))
        self.perception = PerceptionNet(d, context=cfg.perception_context)
        self.map_encoder = MapEncoder(d, cfg.cell_dim,
                                      in_channels=len(MAP_CHANNELS) + int(cfg.grounding))
        self.pose = nn.Sequential(nn.Linear(4, POSE_DIM), nn.ReLU())
        k = cfg.queries
        self.query_seeds = nn.Parameter(torch.randn(k, d) * 0.1)
        self.query_attn = MultiHeadCrossAttention(d, cfg.heads)
        self.source_embed = nn.Parameter(torch.zeros(2, d))  # visual vs map token type
        if cfg.fusion == "cross_attention":
            self.fusion_attn = (MultiHeadCrossAttention(d, cfg.heads) if cfg.attention == "dot"
                                else make_attention(cfg.attention, d, d, d))
            fused = k * d
        elif cfg.fusion == "concat":
            self.fusion_attn = None
            fused = 3 * d
        else:
            raise ValueError(f"unknown fusion {cfg.fusion!r}: use cross_attention or concat")
        if cfg.goal_features and not cfg.grounding:
            raise ValueError("model.goal_features needs model.grounding (they are read from the "
                             "goal map)")
        if cfg.goal_seen and not cfg.goal_features:
            raise ValueError("model.goal_seen adds to model.goal_features: turn both on")
        if cfg.goal_task and not cfg.grounding:
            raise ValueError("model.goal_task needs model.grounding (the goal head's reading is "
                             "what grounds the map): turn both on")
        if cfg.skill_per_task and not cfg.grounding:
            raise ValueError("model.skill_per_task needs model.grounding (the exported decision "
                             "step takes the goal head's logits only with it): turn both on")
        if cfg.goal_room and not cfg.grounding:
            raise ValueError("model.goal_room adds rooms to the goal map: turn model.grounding on")
        if cfg.goal_distance and not cfg.goal_features:
            raise ValueError("model.goal_distance adds to model.goal_features: turn both on")
        extra = (GOAL_FEATURES + int(cfg.goal_seen)) if cfg.goal_features else 0
        n_dist = int(cfg.goal_distance)
        n_task = self.codec.slots * sizes[0] if cfg.goal_task else 0
        # With goal features: every feature x every task probability (distance ones last, so
        # that a checkpoint without them widens: new inputs come after the old ones).
        tasks = n_task + n_task * extra + n_task * n_dist
        self.fuse = nn.Sequential(nn.Linear(fused + d + POSE_DIM + extra + n_dist, 2 * d),
                                  nn.ReLU())
        self.memory = make_memory(cfg.memory, 2 * d, cfg.memory_size, lam=cfg.fw_lam,
                                  eta=cfg.fw_eta, inner_steps=cfg.fw_inner_steps)
        z = cfg.memory_size + d + extra + n_dist + tasks
        # skill_per_task: one skill head per task class of the first step, the goal head's most
        # likely task picking which (see `skill_logits`).
        self.skill_head = nn.Linear(z, len(SKILLS) * (sizes[0] if cfg.skill_per_task else 1))
        self.motor_head = nn.Linear(z, N_MOTOR)
        self.value_head = nn.Sequential(nn.Linear(z, d), nn.ReLU(), nn.Linear(d, 1))
        self.pointer_query = nn.Linear(z, d)
        if cfg.pointer == "additive":
            self.pointer = AdditiveAttention(d, cfg.cell_dim, cfg.cell_dim)
        elif cfg.pointer == "dot":
            self.pointer = make_attention("dot", d, cfg.cell_dim, cfg.cell_dim)
        else:
            raise ValueError(f"unknown pointer {cfg.pointer!r}: use additive or dot")
        self.goal_head = nn.Linear(d, self.codec.slots * sum(sizes))
        if cfg.grounding:
            self.ground_gain = nn.Parameter(torch.ones(()))

    def split_goal_logits(self, goal_logits: Tensor) -> list[Tensor]:
        """-> [task, object, colour, room] logits, each [..., slots, classes]."""
        return list(torch.split(goal_logits, list(self.codec.sizes), dim=-1))

    # -- the stateless part: everything before the memory --------------------------------
    def encode_command(self, instruction: Tensor) -> Command:
        """Everything that depends on the command alone: computed once per command at
        inference (pass it to `step`), per step in training. `instruction`: token ids over
        today's `sim.language.VOCAB`."""
        if self.token_map is not None:
            instruction = self.token_map[instruction]
        lang = self.language(instruction)
        b = lang.sentence.shape[0]
        seeds = self.query_seeds.expand(b, -1, -1)
        q, w_words = self.query_attn(seeds, lang.words, key_padding_mask=lang.mask)
        goal = self.goal_head(lang.sentence).view(b, self.codec.slots, sum(self.codec.sizes))
        attention = {"words": w_words}
        if lang.attention is not None:
            attention["language"] = lang.attention
        return Command(q + seeds, lang.sentence, goal, attention)

    def goal_numbers(self, ground: Tensor | None, grid: Tensor, pose: Tensor
                     ) -> tuple[Tensor | None, Tensor | None]:
        """(goal features [B, 4 or 5], goal distance [B, 1]), each None when its config is off.
        """
        feats = goal_features(ground, grid, self.cfg.goal_seen) \
            if self.cfg.goal_features else None
        dist = goal_distance(ground, pose.float()) if self.cfg.goal_distance else None
        return feats, dist

    def head_inputs(self, h: Tensor, sentence: Tensor, goal_logits: Tensor | None,
                    feats: Tensor | None, dist: Tensor | None) -> Tensor:
        """z = [memory output, sentence, goal features, task inputs, distance, distance x task
        probabilities] (present parts only): the heads' input."""
        parts = [h, sentence]
        if feats is not None:
            parts.append(feats)
        probs = task_probs(goal_logits, self.codec.sizes[0]) if self.cfg.goal_task else None
        if probs is not None:
            parts.append(probs)
            if feats is not None:
                parts.append(task_products(probs, feats))
        if dist is not None:
            parts.append(dist)
            if probs is not None:
                parts.append(task_products(probs, dist))
        return torch.cat(parts, dim=-1)

    def skill_logits(self, z: Tensor, goal_logits: Tensor | None) -> Tensor:
        """[B, 3]. With `model.skill_per_task` the head's 3 x task-classes outputs, of which the
        copy of the goal head's most likely first-step task is used (detached; ties averaged):
        a vacuum_under decision is made by weights that vacuum_under trains, not by ones
        goto_object pulls towards stop, and the robot follows the task `roomby parse` reports.
        Not mixed by the probabilities: on unseen phrasings the goal head is unsure ("could you
        clean underneath ..." 0.57 vacuum_under, 0.43 goto_object) though its answer is right."""
        s = self.skill_head(z)
        if not self.cfg.skill_per_task:
            return s
        n = self.codec.sizes[0]
        task = goal_logits.detach()[:, 0, :n]
        pick = (task == task.amax(-1, keepdim=True)).float()
        pick = pick / pick.sum(-1, keepdim=True)
        return (s.view(-1, n, len(SKILLS)) * pick.unsqueeze(-1)).sum(1)

    def encode(self, obs: dict[str, Tensor], command: Command | None = None
               ) -> tuple[Tensor, dict[str, Tensor], Command, Tensor,
                          tuple[Tensor | None, Tensor | None]]:
        """obs (batch B) -> (memory input [B, 2d], attention, command, cell keys
        [B, 2304, cell_dim], (goal features [B, 4 or 5], goal distance [B, 1]) or Nones)."""
        if command is None:
            command = self.encode_command(obs["instruction"])
        vis: PerceptionOut = self.perception(obs["rgb"], obs["depth"])
        grid, ground = obs["map"], None
        if self.cfg.grounding:
            ground = goal_map(command.goal_logits, grid, self.cfg.goal_room, self.codec.sizes)
            grid = torch.cat([grid.float(), ground.unsqueeze(1)], dim=1)
        mp = self.map_encoder(grid)
        q = command.queries
        b = q.shape[0]
        attention = dict(command.attention)
        if self.fusion_attn is not None:
            tokens = torch.cat([vis.tokens + self.source_embed[0],
                                mp.tokens + self.source_embed[1]], dim=1)
            fused, w = self.fusion_attn(q, tokens)
            attention["fusion"] = w if w.dim() == 4 else w.unsqueeze(1)
            fused = fused.reshape(b, -1)
        else:
            fused = torch.cat([q.mean(1), vis.tokens.mean(1), mp.tokens.mean(1)], dim=-1)
        parts = [fused, command.sentence, self.pose(obs["pose"].float())]
        numbers = self.goal_numbers(ground, obs["map"], obs["pose"])
        parts += [n for n in numbers if n is not None]
        x = self.fuse(torch.cat(parts, -1))
        if ground is not None:
            attention["goal_map"] = ground.flatten(1)
        return x, attention, command, mp.cells, numbers

    def heads(self, h: Tensor, sentence: Tensor, cells: Tensor, goal: Tensor,
              ground: Tensor | None = None,
              numbers: tuple[Tensor | None, Tensor | None] = (None, None)
              ) -> tuple[PolicyOutput, Tensor]:
        # Goal features reach the heads directly as well as through the memory: a linear path
        # from "the named thing is here" to the stop logit.
        z = self.head_inputs(h, sentence, goal, *numbers)
        query = self.pointer_query(z).unsqueeze(1)
        pointer = self.pointer.scores(query, cells).squeeze(1)
        if ground is not None:
            pointer = pointer + self.ground_gain * ground
        out = PolicyOutput(self.skill_logits(z, goal), pointer, self.value_head(z).squeeze(-1),
                           self.motor_head(z), goal)
        return out, torch.softmax(pointer, dim=-1)

    # -- the two entry points ---------------------------------------------------------------
    def initial_state(self, batch_size: int, device: torch.device | str | None = None) -> State:
        return self.memory.initial_state(batch_size, device)

    def step(self, obs: dict[str, Tensor], state: State, episode_start: Tensor | None = None,
             command: Command | None = None
             ) -> tuple[PolicyOutput, State, dict[str, Tensor]]:
        """One decision for a batch: obs [B, ...], state -> (outputs, new state, attention).

        attention: "language" [B, layers, heads, L+1, L+1] self-attention, "words" [B, heads,
        K, L+1] queries over the words, "fusion" [B, heads, K, 80 + 144] queries over visual
        then map tokens (cross_attention fusion), "pointer" [B, 2304] the pointer's softmax.
        `command`: `encode_command(obs["instruction"])` computed once per command (optional).
        """
        x, attention, command, cells, numbers = self.encode(obs, command)
        start = None if episode_start is None else episode_start.view(1, -1)
        h, state = self.memory(x.unsqueeze(0), state, start)
        out, pointer = self.heads(h[0], command.sentence, cells, command.goal_logits,
                                  attention.get("goal_map"), numbers)
        attention["pointer"] = pointer
        return out, state, attention

    def forward_sequence(self, obs: dict[str, Tensor], state: State,
                         episode_start: Tensor | None = None) -> tuple[PolicyOutput, State]:
        """T decisions of B sequences: obs [T, B, ...] -> outputs [T, B, ...], final state."""
        t, b = obs["instruction"].shape[:2]
        flat = {k: v.reshape(t * b, *v.shape[2:]) for k, v in obs.items()}
        x, attention, command, cells, numbers = self.encode(flat)
        h, state = self.memory(x.view(t, b, -1), state, episode_start)
        out, _ = self.heads(h.reshape(t * b, -1), command.sentence, cells, command.goal_logits,
                            attention.get("goal_map"), numbers)
        return PolicyOutput(*(o.reshape(t, b, *o.shape[1:]) for o in out)), state

    def forward(self, obs: dict[str, Tensor], state: State, episode_start: Tensor | None = None
                ) -> tuple[PolicyOutput, State, dict[str, Tensor]]:
        return self.step(obs, state, episode_start)


def count_parameters(module: nn.Module, trainable_only: bool = True) -> int:
    return sum(p.numel() for p in module.parameters() if p.requires_grad or not trainable_only)


def obs_to_tensors(obs: dict, device: torch.device | str = "cpu") -> dict[str, Tensor]:
    """An env observation (one, or already batched) -> a dict of batched tensors."""
    out = {}
    for k, v in obs.items():
        t = torch.as_tensor(v, device=device)
        out[k] = t.unsqueeze(0) if t.dim() == _RANK[k] else t
    return out


_RANK = {"rgb": 3, "depth": 3, "map": 3, "pose": 1, "instruction": 1}
