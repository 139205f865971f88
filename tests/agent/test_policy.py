"""The policy network: shapes, the pointer covers the map cells, sequence = steps, gradients."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch

import sim  # noqa: F401  (registers the ids)
from agent.model.config import ModelConfig
from agent.model.goal_codec import LEGACY, GoalCodec
from agent.model.map_encoder import MapEncoder
from agent.model.network import RoombyPolicyNet, count_parameters, obs_to_tensors
from sim.grid import MAP_SIZE
from sim.language import encode
from sim.semantic_map import MAP_CHANNELS, SEMANTIC_START


def fake_obs(b: int, seed: int = 0, empty_command: bool = False) -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    instr = torch.zeros(b, 32, dtype=torch.long)
    for i in range(b):
        text = "" if empty_command else ["go to the blue chair", "vacuum the kitchen"][i % 2]
        instr[i] = torch.from_numpy(encode(text))
    return {
        "rgb": torch.randint(0, 256, (b, 3, 60, 80), dtype=torch.uint8, generator=g),
        "depth": torch.rand(b, 1, 60, 80, generator=g) * 5,
        "map": torch.rand(b, len(MAP_CHANNELS), MAP_SIZE, MAP_SIZE, generator=g),
        "pose": torch.rand(b, 4, generator=g),
        "instruction": instr,
    }


VARIANTS = {
    "default": {},
    "gru-concat": {"memory": "gru", "fusion": "concat"},
    "lstm-additive": {"memory": "lstm", "attention": "additive", "pointer": "dot"},
    "none-hard": {"memory": "none", "attention": "hard"},
    "goal-map": {"grounding": True},
    "goal-features": {"grounding": True, "goal_features": True},
    "goal-seen": {"grounding": True, "goal_features": True, "goal_seen": True},
    "goal-task": {"grounding": True, "goal_features": True, "goal_seen": True,
                  "goal_task": True},
    "per-task": {"grounding": True, "goal_features": True, "goal_seen": True,
                 "goal_task": True, "goal_distance": True, "skill_per_task": True},
}


def _net(name: str) -> RoombyPolicyNet:
    torch.manual_seed(0)
    return RoombyPolicyNet(ModelConfig(**VARIANTS[name]))


@pytest.mark.parametrize("name", VARIANTS)
def test_step_shapes_and_attention(name: str) -> None:
    net = _net(name).eval()
    b = 2
    out, state, att = net.step(fake_obs(b), net.initial_state(b))
    assert out.skill_logits.shape == (b, 3)
    assert out.pointer_logits.shape == (b, MAP_SIZE * MAP_SIZE)
    assert out.value.shape == (b,)
    assert out.motor_logits.shape == (b, 4)
    assert out.goal_logits.shape == (b, net.codec.slots, sum(net.codec.sizes))
    assert torch.allclose(att["pointer"].sum(-1), torch.ones(b), atol=1e-5)
    if VARIANTS[name].get("fusion") != "concat":
        assert att["fusion"].shape[-1] == 80 + 144  # visual tokens then map tokens
        assert torch.allclose(att["fusion"].sum(-1), torch.ones(1), atol=1e-5)
    assert att["words"].shape[-1] == 33  # summary token + 32 word slots


def test_pointer_covers_exactly_the_action_cells() -> None:
    env = gym.make("Roomby/GoToObject-OneRoom-v0")
    assert env.action_space.nvec[1] == MAP_SIZE * MAP_SIZE
    obs, _ = env.reset(seed=0)
    net = _net("default").eval()
    out, _, _ = net.step(obs_to_tensors(obs), net.initial_state(1))
    assert out.pointer_logits.shape == (1, int(env.action_space.nvec[1]))
    env.close()


def test_cell_keys_are_row_major_map_cells() -> None:
    torch.manual_seed(0)
    enc = MapEncoder().eval()
    grid = torch.rand(1, len(MAP_CHANNELS), MAP_SIZE, MAP_SIZE)
    base = enc(grid).cells[0]
    r, c = 30, 7
    grid2 = grid.clone()
    grid2[0, :, r, c] += 5.0
    diff = (enc(grid2).cells[0] - base).abs().sum(-1).view(MAP_SIZE, MAP_SIZE)
    assert diff[r, c] == diff.max() and diff[r, c] > 0
    # A cell's key sees its own channels and its 4x4 block's 3x3 neighbourhood only.
    far = torch.ones(MAP_SIZE, MAP_SIZE, dtype=torch.bool)
    far[max(0, (r // 4 - 1) * 4):(r // 4 + 2) * 4, max(0, (c // 4 - 1) * 4):(c // 4 + 2) * 4] = 0
    assert diff[far].max() == 0


@pytest.mark.parametrize("name", VARIANTS)
def test_sequence_equals_steps_with_episode_starts(name: str) -> None:
    net = _net(name).eval()
    t, b = 4, 2
    steps = [fake_obs(b, seed=i) for i in range(t)]
    seq = {k: torch.stack([s[k] for s in steps]) for k in steps[0]}
    start = torch.zeros(t, b)
    start[0] = 1
    start[2, 1] = 1
    with torch.no_grad():
        out_seq, st_seq = net.forward_sequence(seq, net.initial_state(b), start)
        state, pointers = net.initial_state(b), []
        for i in range(t):
            out, state, _ = net.step(steps[i], state, start[i])
            pointers.append(out.pointer_logits)
            assert torch.allclose(out.skill_logits, out_seq.skill_logits[i], atol=1e-4)
            assert torch.allclose(out.value, out_seq.value[i], atol=1e-4)
    assert torch.allclose(torch.stack(pointers), out_seq.pointer_logits, atol=1e-4)
    flat = lambda s: list(s) if isinstance(s, tuple) else [s]  # noqa: E731
    for a, c in zip(flat(st_seq), flat(state), strict=True):
        assert torch.allclose(a, c, atol=1e-4)


def test_memory_carries_across_decisions() -> None:
    """The same observation gives different outputs after a different history."""
    net = _net("default").eval()
    obs = fake_obs(1, seed=5)
    with torch.no_grad():
        fresh, _, _ = net.step(obs, net.initial_state(1))
        _, state, _ = net.step(fake_obs(1, seed=9), net.initial_state(1))
        later, _, _ = net.step(obs, state)
        reset, _, _ = net.step(obs, state, episode_start=torch.ones(1))
    assert not torch.allclose(fresh.pointer_logits, later.pointer_logits, atol=1e-4)
    assert torch.allclose(fresh.pointer_logits, reset.pointer_logits, atol=1e-5)


@pytest.mark.parametrize("name", ["default", "goal-map", "goal-features"])
def test_gradients_reach_every_parameter(name: str) -> None:
    """Policy outputs over two decisions (the memory's recurrent weights act from the second)
    plus the segmentation loss (the only one the per-pixel head gets) reach every parameter."""
    from agent.model.perception import segmentation_loss
    net = _net(name).train()
    steps = [fake_obs(2, seed=i) for i in range(2)]
    seq = {k: torch.stack([s[k] for s in steps]) for k in steps[0]}
    out, _ = net.forward_sequence(seq, net.initial_state(2))
    loss = sum(o.float().pow(2).mean() for o in out)
    vis = net.perception(steps[0]["rgb"], steps[0]["depth"])
    labels = torch.randint(0, 9, (2, 30, 40))
    loss = loss + segmentation_loss(vis, labels, labels)
    loss.backward()
    missing = [n for n, p in net.named_parameters() if p.grad is None or p.grad.abs().sum() == 0]
    assert not missing, f"no gradient reaches {missing}"


def test_cached_command_gives_the_same_decision_and_empty_commands_are_finite() -> None:
    net = _net("default").eval()
    obs = fake_obs(2)
    with torch.no_grad():
        a, _, _ = net.step(obs, net.initial_state(2))
        cmd = net.encode_command(obs["instruction"])
        b, _, _ = net.step(obs, net.initial_state(2), command=cmd)
        empty, _, _ = net.step(fake_obs(2, empty_command=True), net.initial_state(2))
    assert torch.equal(a.pointer_logits, b.pointer_logits)
    assert all(torch.isfinite(o).all() for o in empty)


def test_default_size_is_within_budget() -> None:
    assert count_parameters(RoombyPolicyNet()) <= 2_000_000


@pytest.mark.parametrize("goal", [
    {"task": "goto_object", "object": "couch", "color": "red", "room": "living_room"},
    {"task": "vacuum_room", "room": "kitchen"},
    {"task": "sequence", "steps": [{"task": "vacuum_under", "object": "bed"},
                                   {"task": "goto_room", "room": "bathroom"}]},
])
def test_goal_codec_round_trips(goal: dict) -> None:
    from sim.language import normalize_goal
    assert LEGACY.decode(LEGACY.encode(goal)) == normalize_goal(goal)


def test_a_goal_head_with_three_slots_reads_steps_that_go_back() -> None:
    from sim.language import normalize_goal
    goal = {"task": "sequence", "steps": [{"task": "vacuum_under", "object": "bed"},
                                          {"task": "goto_room", "room": "office"},
                                          {"task": "previous_room"}]}
    codec = GoalCodec.of(ModelConfig(goal_slots=3, goal_memory_tasks=True))
    assert codec.decode(codec.encode(goal)) == normalize_goal(goal)
    with pytest.raises(ValueError, match="at most 2 \\(model.goal_slots\\)"):
        LEGACY.encode(goal)
    with pytest.raises(ValueError, match="'return' is not one this model's goal head knows"):
        GoalCodec(3).encode({"task": "sequence", "steps": [goal["steps"][0], {"task": "return"}]})
    assert codec == GoalCodec.of(ModelConfig())  # the default model reads them
    net = RoombyPolicyNet(ModelConfig(goal_slots=3, goal_memory_tasks=True)).eval()
    out, _, _ = net.step(fake_obs(2), net.initial_state(2))
    assert out.goal_logits.shape == (2, 3, sum(codec.sizes))
    assert [p.shape[-1] for p in net.split_goal_logits(out.goal_logits)] == list(codec.sizes)


def test_goal_logits_split_per_field() -> None:
    net = _net("default").eval()
    out, _, _ = net.step(fake_obs(1), net.initial_state(1))
    parts = net.split_goal_logits(out.goal_logits)
    assert [p.shape[-1] for p in parts] == list(net.codec.sizes)
    classes = np.stack([p.argmax(-1)[0].numpy() for p in parts], axis=-1)
    assert classes.shape == (net.codec.slots, 4)


def _one_hot_goal(goal: dict) -> torch.Tensor:
    """Goal logits that read `goal` with certainty."""
    classes = LEGACY.encode(goal)
    logits = torch.full((1, 2, sum(LEGACY.sizes)), -30.0)
    for slot in range(2):
        start = 0
        for f, n in enumerate(LEGACY.sizes):
            logits[0, slot, start + classes[slot, f]] = 30.0
            start += n
    return logits


def test_goal_map_lights_exactly_the_named_object() -> None:
    from agent.model.goal_map import goal_map

    grid = torch.zeros(1, len(MAP_CHANNELS), MAP_SIZE, MAP_SIZE)
    ch = {name: i for i, name in enumerate(MAP_CHANNELS)}
    pieces = {(5, 5): ("couch", "red", "living_room"), (5, 20): ("couch", "blue", "living_room"),
              (30, 5): ("table", "red", "living_room"), (30, 30): ("couch", "red", "kitchen")}
    for (r, c), (t, col, room) in pieces.items():
        grid[0, ch[f"type:{t}"], r, c] = 0.9
        grid[0, ch[f"color:{col}"], r, c] = 0.9
        grid[0, ch[f"room:{room}"], r, c] = 1.0

    def lit(goal: dict) -> set[tuple[int, int]]:
        g = goal_map(_one_hot_goal(goal), grid)[0]
        assert g.shape == (MAP_SIZE, MAP_SIZE) and g.min() >= 0 and g.max() <= 1
        return {tuple(map(int, rc)) for rc in torch.nonzero(g > 0.5)}

    red_couch = {"task": "goto_object", "object": "couch", "color": "red"}
    assert lit(red_couch) == {(5, 5), (30, 30)}
    assert lit({**red_couch, "room": "kitchen"}) == {(30, 30)}
    assert lit({"task": "goto_object", "object": "couch"}) == {(5, 5), (5, 20), (30, 30)}
    assert lit({"task": "goto_room", "room": "kitchen"}) == set()  # no object, no goal map
    second = {"task": "sequence", "steps": [{"task": "goto_room", "room": "kitchen"},
                                            {"task": "vacuum_under", "object": "table"}]}
    assert lit(second) == {(30, 5)}
    # model.goal_room: a room named without an object lights that room's cells, nothing else moves
    lit_rooms = {}
    for goal in (red_couch, {**red_couch, "room": "kitchen"}, second,
                 {"task": "goto_room", "room": "kitchen"}):
        g = goal_map(_one_hot_goal(goal), grid, rooms=True)[0]
        assert g.min() >= 0 and g.max() <= 1
        lit_rooms[goal.get("task"), goal.get("room")] = {
            tuple(map(int, rc)) for rc in torch.nonzero(g > 0.5)}
        if goal is not second and goal["task"] != "goto_room":
            assert torch.allclose(g, goal_map(_one_hot_goal(goal), grid)[0], atol=1e-6)
    assert lit_rooms["goto_room", "kitchen"] == {(30, 30)}
    assert lit_rooms["sequence", None] == {(30, 5), (30, 30)}  # the room step and the table


def test_goal_map_is_added_to_the_pointer_with_its_gain() -> None:
    torch.manual_seed(0)
    net = RoombyPolicyNet(ModelConfig(grounding=True)).eval()
    obs = fake_obs(1)
    obs["map"][:, SEMANTIC_START:] = 0.0  # no semantic evidence anywhere...
    ch = MAP_CHANNELS.index("type:chair"), MAP_CHANNELS.index("color:blue")
    obs["map"][0, ch, 10, 12] = 1.0  # ...but a blue chair, the command's object
    logits = {}
    for gain in (0.0, 2.0):
        with torch.no_grad():
            net.ground_gain.fill_(gain)
            out, _, att = net.step(obs, net.initial_state(1))
        logits[gain] = out.pointer_logits[0]
    g = att["goal_map"][0]
    assert int(g.argmax()) == 10 * MAP_SIZE + 12 and g.max() > 0
    assert torch.allclose(logits[2.0] - logits[0.0], 2.0 * g, atol=1e-5)


def test_goal_features_say_whether_the_named_thing_is_here_and_cleaned() -> None:
    from agent.model.goal_map import goal_features

    grid = torch.zeros(1, len(MAP_CHANNELS), MAP_SIZE, MAP_SIZE)
    grid[0, MAP_CHANNELS.index("robot"), 10, 10] = 1.0
    ground = torch.zeros(1, MAP_SIZE, MAP_SIZE)
    ground[0, 10, 12:14] = 0.8  # two cells of the named thing, 2 and 3 cells east
    grid[0, MAP_CHANNELS.index("cleaned"), 10, 12] = 1.0  # one of them cleaned
    near1, near2, near3, done = goal_features(ground, grid)[0].tolist()
    assert near1 == 0.0 and near2 == pytest.approx(0.8) and near3 == pytest.approx(0.8)
    assert done == pytest.approx(0.5, abs=1e-3)
    # seen: the largest value anywhere, also far from the robot
    ground[0, 40, 40] = 0.9
    feats = goal_features(ground, grid, seen=True)[0].tolist()
    assert feats[:3] == [near1, near2, near3] and feats[4] == pytest.approx(0.9)
    assert goal_features(torch.zeros_like(ground), grid, seen=True)[0, 4].item() == 0.0
    with pytest.raises(ValueError, match="needs model.grounding"):
        RoombyPolicyNet(ModelConfig(goal_features=True))
    with pytest.raises(ValueError, match="turn both on"):
        RoombyPolicyNet(ModelConfig(grounding=True, goal_seen=True))


def test_goal_features_near_are_the_largest_goal_value_within_k_cells() -> None:
    from agent.model.goal_map import NEAR, goal_features

    g = torch.Generator().manual_seed(0)
    ground = torch.rand(1, MAP_SIZE, MAP_SIZE, generator=g)
    ground = ground * (torch.rand(1, MAP_SIZE, MAP_SIZE, generator=g) > 0.9)
    for r, c in [(0, 0), (1, 47), (20, 30), (47, 5)]:  # corners and edges too
        grid = torch.zeros(1, len(MAP_CHANNELS), MAP_SIZE, MAP_SIZE)
        grid[0, MAP_CHANNELS.index("robot"), r, c] = 1.0
        feats = goal_features(ground, grid)[0]
        for i, k in enumerate(NEAR):
            window = ground[0, max(r - k, 0): r + k + 1, max(c - k, 0): c + k + 1]
            assert feats[i].item() == window.max().item(), (r, c, k)


def _assert_same_decisions(src: RoombyPolicyNet, wide: RoombyPolicyNet
                           ) -> dict[str, torch.Tensor]:
    """A widened model decides as its source did (outputs and memory state); -> the obs used
    (a map whose semantic layer lights a few cells, so the goal numbers are not all zero)."""
    obs = fake_obs(2)
    obs["map"][:, SEMANTIC_START:] = (obs["map"][:, SEMANTIC_START:] > 0.9).float()
    with torch.no_grad():
        a, sa, _ = src.step(obs, src.initial_state(2))
        b, sb, _ = wide.step(obs, wide.initial_state(2))
    for x, y in zip(a, b, strict=True):
        assert torch.allclose(x, y, atol=1e-5)
    assert torch.allclose(sa[0], sb[0], atol=1e-6)
    return obs


def test_a_checkpoint_widens_into_a_model_with_more_inputs() -> None:
    """train.init_widen: goal_seen adds an input to the fuse layer and the heads; the widened
    model computes what the source computed until training moves the new weights."""
    from agent.model.checkpoint import widen_into

    src = _net("goal-features").eval()
    wide = RoombyPolicyNet(ModelConfig(**VARIANTS["goal-seen"])).eval()
    grown = widen_into(wide, src)
    assert set(grown) == {"fuse.0.weight", "skill_head.weight", "motor_head.weight",
                          "value_head.0.weight", "pointer_query.weight"}
    _assert_same_decisions(src, wide)
    with pytest.raises(ValueError, match="more than their input widths"):
        widen_into(_net("default"), src)


def test_goal_task_probabilities_reach_the_heads() -> None:
    """model.goal_task: the goal head's task reading, and its product with every goal feature,
    are direct inputs of the skill head ("the named thing is here" AND the task is goto_object
    -> stop), the widened model starts out equal to its source, and the probabilities are
    detached."""
    from agent.model.checkpoint import widen_into
    from agent.model.network import task_probs

    src = _net("goal-seen").eval()
    cfg = ModelConfig(**VARIANTS["goal-task"])
    wide = RoombyPolicyNet(cfg).eval()
    assert set(widen_into(wide, src)) == {"skill_head.weight", "motor_head.weight",
                                          "value_head.0.weight", "pointer_query.weight"}
    obs = fake_obs(2)
    obs["map"][:, SEMANTIC_START:] = (obs["map"][:, SEMANTIC_START:] > 0.9).float()
    with torch.no_grad():
        a, _, _ = src.step(obs, src.initial_state(2))
        b, _, _ = wide.step(obs, wide.initial_state(2))
    assert torch.allclose(a.skill_logits, b.skill_logits, atol=1e-6)
    n_feats = 5  # goal features with seen
    n_tasks = task_probs(b.goal_logits, wide.codec.sizes[0]).shape[1]  # slots x classes
    z = cfg.memory_size + cfg.dim + n_feats  # the task inputs start here
    assert wide.skill_head.in_features == z + n_tasks + n_feats * n_tasks
    with torch.no_grad():
        wide.skill_head.weight.zero_()
        wide.skill_head.bias.zero_()
        wide.skill_head.weight[0, z + 1] = 4.0  # stop <- P(slot 0 is goto_object)
        # clean <- (goal map's largest value anywhere, feature 4) x P(slot 0 is vacuum_under)
        wide.skill_head.weight[2, z + n_tasks + 4 * n_tasks + 3] = 3.0
        out, _, _ = wide.step(obs, wide.initial_state(2))
        p = torch.softmax(out.goal_logits[:, 0, :wide.codec.sizes[0]], -1)
        _, _, _, _, (feats, _) = wide.encode(obs)
    assert feats[:, 4].abs().sum() > 0  # the map shows the (random) goal somewhere
    assert torch.allclose(out.skill_logits[:, 0], 4.0 * p[:, 1], atol=1e-5)
    assert torch.allclose(out.skill_logits[:, 2], 3.0 * feats[:, 4] * p[:, 3], atol=1e-5)
    assert not task_probs(out.goal_logits.requires_grad_(), 5).requires_grad
    with pytest.raises(ValueError, match="needs model.grounding"):
        RoombyPolicyNet(ModelConfig(goal_task=True))


def test_goal_features_reach_the_skill_head_directly() -> None:
    """The heads read the goal features beside the memory's output: with every other input of
    the skill head zeroed out, the stop logit still follows 'the named thing is here'."""
    from agent.model.goal_map import GOAL_FEATURES

    torch.manual_seed(0)
    cfg = ModelConfig(grounding=True, goal_features=True)
    net = RoombyPolicyNet(cfg).eval()
    z = cfg.memory_size + cfg.dim
    assert net.skill_head.in_features == z + GOAL_FEATURES
    with torch.no_grad():
        net.skill_head.weight.zero_()
        net.skill_head.bias.zero_()
        net.skill_head.weight[0, z] = 5.0  # stop <- the named thing within one cell
    h = torch.zeros(2, cfg.memory_size)
    sentence = torch.zeros(2, cfg.dim)
    cells = torch.zeros(2, MAP_SIZE * MAP_SIZE, cfg.cell_dim)
    feats = torch.tensor([[0.0, 0.0, 0.0, 0.0], [1.0, 1.0, 1.0, 0.0]])
    with torch.no_grad():
        out, _ = net.heads(h, sentence, cells, torch.zeros(2, 2, 1), None, (feats, None))
    assert out.skill_logits[0, 0].item() == 0.0
    assert out.skill_logits[1, 0].item() == pytest.approx(5.0)


def test_goal_distance_reads_the_distance_to_the_nearest_lit_cell() -> None:
    """model.goal_distance: exp(-d / 0.5 m), d from the robot's centre to the nearest cell
    square the goal map lights, a dimmer cell counting DISTANCE_PENALTY m further per unit."""
    from agent.model.goal_map import DISTANCE_PENALTY, goal_distance
    from sim.grid import MAP_RES

    ground = torch.zeros(3, MAP_SIZE, MAP_SIZE)
    ground[0, 10, 20] = 1.0      # cell square x in [5.0, 5.25], y in [2.5, 2.75]
    ground[1, 10, 20] = 0.5      # the same cell, half lit
    pose = torch.tensor([[5.1, 3.45, 1.0, 0.0]] * 3)  # inside the column, 0.7 m above the row
    d = goal_distance(ground, pose)[:, 0]
    assert MAP_RES * 20 <= 5.1 <= MAP_RES * 21
    expect = torch.tensor([0.7, 0.7 + 0.5 * DISTANCE_PENALTY, DISTANCE_PENALTY])
    assert torch.allclose(d, torch.exp(-expect / 0.5), atol=1e-5)  # nothing lit: >= 2 m away
    # Diagonal: to the square's corner; inside the square: 0.
    pose2 = torch.tensor([[4.7, 2.1, 1.0, 0.0], [5.2, 2.6, 0.0, 1.0]])
    d2 = goal_distance(ground[:1].expand(2, -1, -1), pose2)[:, 0]
    assert torch.allclose(d2, torch.exp(-torch.tensor([0.5, 0.0]) / 0.5), atol=1e-5)


def test_per_task_skill_heads_widen_and_follow_the_task_reading() -> None:
    """model.skill_per_task (+ goal_distance) widened from a goal_task checkpoint: every task's
    copy of the skill head starts as the source's head, so the model computes what the source
    did; afterwards the logits are the copy of the goal head's most likely first-step task."""
    from agent.model.checkpoint import widen_into

    src = _net("goal-task").eval()
    wide = RoombyPolicyNet(ModelConfig(**VARIANTS["per-task"])).eval()
    grown = widen_into(wide, src)
    assert {"skill_head.weight", "skill_head.bias", "fuse.0.weight"} <= set(grown)
    assert wide.skill_head.out_features == 3 * wide.codec.sizes[0]
    obs = _assert_same_decisions(src, wide)
    with torch.no_grad():
        wide.skill_head.weight.zero_()
        per_task = torch.randn(wide.codec.sizes[0], 3, generator=torch.Generator().manual_seed(0))
        wide.skill_head.bias.copy_(per_task.flatten())
        out, _, _ = wide.step(obs, wide.initial_state(2))
        task = out.goal_logits[:, 0, : wide.codec.sizes[0]].argmax(-1)
        assert torch.allclose(out.skill_logits, per_task[task], atol=1e-6)
        # Unsure readings: the most likely task's copy alone (0.6 vacuum_under beside 0.4
        # goto_object), a tie averages the tied copies.
        goal = torch.zeros(3, wide.codec.slots, sum(wide.codec.sizes))
        goal[0, 0, 3], goal[0, 0, 1] = 0.4, 0.0     # vacuum_under a little above goto_object
        goal[1, 0, 1] = 2.0                         # goto_object
        goal[2, 0, 2] = goal[2, 0, 4] = 1.0         # tie: goto_room and vacuum_room
        z = torch.randn(3, wide.skill_head.in_features)
        logits = wide.skill_logits(z, goal)
    assert torch.allclose(logits[0], per_task[3], atol=1e-6)
    assert torch.allclose(logits[1], per_task[1], atol=1e-6)
    assert torch.allclose(logits[2], (per_task[2] + per_task[4]) / 2, atol=1e-6)
    with pytest.raises(ValueError, match="needs model.grounding"):
        RoombyPolicyNet(ModelConfig(skill_per_task=True))
    with pytest.raises(ValueError, match="goal_distance adds to model.goal_features"):
        RoombyPolicyNet(ModelConfig(grounding=True, goal_distance=True))
