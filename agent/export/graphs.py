"""The three graphs `roomby export` writes, as export-only views of a trained network.

    PerceptionGraph  rgb + depth -> visual tokens, per-pixel type and colour logits
    CommandGraph     instruction tokens -> queries, sentence, goal logits, attention
    DecisionGraph    visual tokens + map + pose + command + memory state -> outputs + new state

They hold the network itself (no copies of weights, no edits to the model) plus a few constants
derived from it. The same modules are traced to ONNX (`agent.export.bundle`) and frozen to
TorchScript (`agent.export.torch_bundle`, the ROS agent node's torch backend), and the parity
tests compare both with `RoombyPolicyNet.step` over whole episodes: a change to the network
that is not mirrored here fails them.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from agent.model.attention import AdditiveAttention
from agent.model.goal_map import goal_map
from agent.model.map_encoder import PATCH
from agent.model.network import RoombyPolicyNet
from agent.model.perception import conv_hwc


class PerceptionGraph(nn.Module):
    def __init__(self, net: RoombyPolicyNet):
        super().__init__()
        self.perception = net.perception

    def forward(self, rgb: Tensor, depth: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        out = self.perception(rgb, depth)
        return out.tokens, out.type_logits, out.color_logits


class CommandGraph(nn.Module):
    def __init__(self, net: RoombyPolicyNet):
        super().__init__()
        self.net = net

    def forward(self, instruction: Tensor) -> tuple[Tensor, ...]:
        c = self.net.encode_command(instruction)
        return c.queries, c.sentence, c.goal_logits, c.attention["words"], c.attention["language"]


class DecisionGraph(nn.Module):
    """`RoombyPolicyNet.step` after perception, with the memory state as plain tensors.

    Mirrors `RoombyPolicyNet.encode` from the visual tokens on (the parity test compares it with
    `step` over whole episodes, so a change to the network that is not mirrored here fails it),
    and steps the memory with its single-step cell (`Memory.step`), the form without
    data-dependent branches.

    The per-cell part (2 304 cells: the map encoder's cell keys and the additive pointer over
    them) is most of the graph's work, and onnxruntime's CPU kernels run broadcasting adds over
    6-D views slowly; so it is written here as the same sums in 2-D: the cell layer's bias and
    the cell positions are one constant, the block context reaches its cells by a Gather (rows,
    not the cells' axis, which those kernels spread slowly), the pointer's query term joins the
    key projection's bias, and pooling is elementwise. docs/deploy.md has the timings behind
    these choices and the variants that were no faster.
    """

    def __init__(self, net: RoombyPolicyNet):
        super().__init__()
        self.net = net
        self.kind = net.cfg.memory
        enc = net.map_encoder
        size, coarse = enc.size, enc.coarse
        with torch.no_grad():
            cell_const = enc.cell.bias + enc.cell_pos.reshape(size * size, -1)
        self.register_buffer("cell_const", cell_const.clone(), persistent=False)
        rows = torch.arange(size)[:, None] // PATCH
        cols = torch.arange(size)[None, :] // PATCH
        self.register_buffer("cell_block", (rows * coarse + cols).reshape(-1), persistent=False)

    def map_encoder(self, grid: Tensor) -> tuple[Tensor, Tensor]:
        """MapEncoder.forward for batch 1 -> (tokens [1, 144, D], cells [2304, K])."""
        enc = self.net.map_encoder
        pooled = block_pool(grid, PATCH)                                        # [1, 2C, 12, 12]
        coarse = F.relu(enc.block(pooled.permute(0, 2, 3, 1)))              # [1, 12, 12, D]
        coarse = F.relu(enc.mix(F.relu(conv_hwc(enc.neighbours, coarse)))) + coarse
        tokens = coarse.flatten(1, 2) + enc.pos
        g = grid.permute(0, 2, 3, 1).reshape(-1, grid.shape[1])               # [2304, C]
        ctx = enc.context_to_cell(coarse.reshape(-1, coarse.shape[-1]))      # [144, K]
        cells = g @ enc.cell.weight.t() + self.cell_const + ctx.index_select(0, self.cell_block)
        return tokens, F.relu(cells)

    def pointer(self, z: Tensor, cells: Tensor) -> Tensor:
        """Pointer logits [1, 2304] of the heads' query against every cell key."""
        net = self.net
        query = net.pointer_query(z)
        if not isinstance(net.pointer, AdditiveAttention):
            return net.pointer.scores(query.unsqueeze(1), cells.unsqueeze(0)).squeeze(1)
        p = net.pointer
        m = torch.tanh(cells @ p.w2.weight.t() + (p.w1(query) + p.w2.bias))  # [2304, hidden]
        return (m @ p.v.weight.t()).reshape(1, -1)

    def forward(self, visual_tokens: Tensor, map: Tensor, pose: Tensor, queries: Tensor,
                sentence: Tensor, *rest: Tensor) -> tuple[Tensor, ...]:
        net = self.net
        ground = goal_logits = None
        if net.cfg.grounding:  # goal_logits come first after the sentence (decision_names)
            goal_logits, *state = rest
            ground = goal_map(goal_logits, map, net.cfg.goal_room, net.codec.sizes).reshape(1, -1)
            map = torch.cat([map, ground.reshape(1, 1, *map.shape[-2:])], dim=1)
        else:
            state = list(rest)
        map_tokens, cells = self.map_encoder(map)
        fusion: tuple[Tensor, ...] = ()
        if net.fusion_attn is not None:
            tokens = torch.cat([visual_tokens + net.source_embed[0],
                                map_tokens + net.source_embed[1]], dim=1)
            fused, w = net.fusion_attn(queries, tokens)
            fusion = (w if w.dim() == 4 else w.unsqueeze(1),)
            fused = fused.reshape(1, -1)
        else:
            fused = torch.cat([queries.mean(1), visual_tokens.mean(1), map_tokens.mean(1)], -1)
        parts = [fused, sentence, net.pose(pose)]
        numbers = net.goal_numbers(None if ground is None else
                                   ground.reshape(1, *map.shape[-2:]), map, pose)
        x = net.fuse(torch.cat(parts + [n for n in numbers if n is not None], -1))
        h, st = net.memory.step(x, state_from_tensors(self.kind, tuple(state), 1))
        z = net.head_inputs(h, sentence, goal_logits, *numbers)
        pointer = self.pointer(z, cells)
        if ground is not None:
            pointer = pointer + net.ground_gain * ground
        return (net.skill_logits(z, goal_logits), pointer, net.value_head(z).squeeze(-1),
                net.motor_head(z),
                *fusion, torch.softmax(pointer, dim=-1),
                *((ground,) if ground is not None else ()), *state_tensors(self.kind, st))


def block_pool(grid: Tensor, patch: int) -> Tensor:
    """[1, C, S, S] -> [1, 2C, S/patch, S/patch]: the mean then the max of each patch x patch
    block, as `cat([avg_pool2d, max_pool2d])`, in elementwise ops over rows then columns (faster
    than onnxruntime's CPU pooling kernels on 48 x 48; docs/deploy.md)."""
    c, s = grid.shape[1], grid.shape[2]
    n = s // patch
    rows = grid.reshape(c * n, patch, s)
    total, top = rows[:, 0], rows[:, 0]
    for i in range(1, patch):
        total, top = total + rows[:, i], torch.maximum(top, rows[:, i])
    total, top = total.reshape(c * n * n, patch), top.reshape(c * n * n, patch)
    sum_, max_ = total[:, 0], top[:, 0]
    for i in range(1, patch):
        sum_, max_ = sum_ + total[:, i], torch.maximum(max_, top[:, i])
    return torch.cat([sum_ / (patch * patch), max_]).reshape(1, 2 * c, n, n)


def state_from_tensors(kind: str, state: tuple[Tensor, ...], batch: int) -> Any:
    """A memory state as `Memory.forward` takes it, from its tensors (`state_tensors`)."""
    if kind == "none":
        return torch.zeros(batch, 0)
    return state[0] if len(state) == 1 else tuple(state)


def state_tensors(kind: str, state: Any) -> tuple[Tensor, ...]:
    """A memory state as a tuple of [B, ...] tensors (none for memory "none")."""
    if kind == "none":
        return ()
    return (state,) if isinstance(state, Tensor) else tuple(state)
