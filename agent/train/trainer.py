"""`roomby train`: perception, behaviour cloning, DAgger, in stages, resumable.

    stage 1  perception     the CNN learns per-pixel type and colour from segmentation labels
             calibrate      (with train.calibrate_episodes) how it reads each type, per room
    stage 2  bc             the whole policy imitates the expert over whole episodes
    stage 3  dagger-1..N    the learner drives (learned perception fills its map), the expert
                            labels the states it visits, the learner retrains on all the data
    stage 4  ppo            reinforcement fine-tuning by stable-baselines3's PPO, the memory
                            state carried across decisions (agent/train/ppo.py)

Everything lands in the run folder: a checkpoint after every stage (`<stage>.pt`; the last is
also `policy.pt`), `state.json` (stages done, their figures and times), TensorBoard logs and
`curve.png`. `--resume` skips the stages already done and continues from their checkpoint.
"""

from __future__ import annotations

import dataclasses
import json
import math
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch

from agent.config import RoombyConfig, check_together, to_dict
from agent.demos.shards import Demonstrations, load_demonstrations
from agent.model.checkpoint import save_checkpoint
from agent.model.memory import detach_state
from agent.model.network import RoombyPolicyNet
from agent.train.imitation import Batch, bc_loss, episode_batches
from agent.train.log import TrainLog
from agent.train.motor_imitation import (
    MotorChunk,
    action_weights,
    motor_chunks,
    motor_loss,
    motor_updates_per_epoch,
)
from agent.train.perception_fit import cosine_schedule, fit_perception, perception_accuracy
from agent.train.start import start_network
from sim.registration import family_ids

DAGGER_SEED = 1_000_000  # DAgger episodes use seeds far from the demonstrations'
PPO_SEED = 5_000_000


def dagger_seed(round_: int, rounds_before: int, seed: int) -> int:
    """The first home seed of DAgger round `round_` of a run whose starting checkpoint had
    `rounds_before` rounds behind it: a run started from another run's policy collects in new
    homes (the same seeds again would re-visit the homes the policy was last corrected in)."""
    return DAGGER_SEED * (rounds_before + round_) + 10_000 * seed


def dagger_env_ids(families: list[str]) -> list[str]:
    """`train.dagger_families` -> the env ids DAgger collects (all families when empty)."""
    try:
        return family_ids(families)
    except ValueError as e:
        raise ValueError(f"train.dagger_families: {e}") from None


class Trainer:
    def __init__(self, cfg: RoombyConfig, out: str | Path, command: str = "",
                 resume: bool = False, progress: bool = True):
        self.cfg, self.tc = cfg, cfg.train
        self.dagger_ids = dagger_env_ids(self.tc.dagger_families)  # a typo fails before any work
        if self.tc.level == "motor" and (self.tc.dagger_rounds or self.tc.ppo_steps):
            raise ValueError("train.level=motor trains behaviour cloning only: set "
                             "train.dagger_rounds=0 and train.ppo_steps=0")
        check_together(cfg, "the config")  # a config built in Python skips load_config
        if self.tc.calibrate_episodes and not self.tc.freeze_perception:
            raise ValueError("train.calibrate_episodes calibrates a perception the later stages "
                             "keep: set train.freeze_perception=true, or "
                             "train.calibrate_episodes=0")
        if self.tc.bc_minutes < 0:
            raise ValueError(f"train.bc_minutes must be 0 (no limit) or more, got "
                             f"{self.tc.bc_minutes}")
        self.out = Path(out)
        self.command = command
        self.calibration: dict[str, Any] | None = None
        self.init_meta: dict[str, Any] = {}  # train.init's metadata, read when the run starts
        self.progress = progress
        state_file = self.out / "state.json"
        if state_file.exists() and not resume:
            raise FileExistsError(f"{self.out} holds a run already: pass --resume to continue "
                                  f"it, or choose another --out")
        self.out.mkdir(parents=True, exist_ok=True)
        self.state: dict[str, Any] = json.loads(state_file.read_text()) if resume and \
            state_file.exists() else {"stages": [], "config": to_dict(cfg), "command": command}
        torch.manual_seed(self.tc.seed)
        torch.set_num_threads(self.tc.threads)
        self.rng = np.random.default_rng(self.tc.seed)
        self.log = TrainLog(self.out, self.state.get("history", []))

    # ---- the plan ------------------------------------------------------------------------
    def stages(self) -> list[str]:
        plan = []
        if self.tc.perception_steps > 0:
            plan.append("perception")
            if self.tc.calibrate_episodes > 0:
                plan.append("calibrate")
        if self.tc.bc_epochs > 0:
            plan.append("bc")
        plan.extend(f"dagger-{i}" for i in range(1, self.tc.dagger_rounds + 1))
        if self.tc.ppo_steps > 0:
            plan.append("ppo")
        return plan

    def run(self) -> Path:
        done = [s["name"] for s in self.state["stages"]]
        net = self._start_net(done)
        t_run = time.time()
        if not self.stages() and self.tc.init and (self.tc.init_partial or self.tc.init_widen):
            # No stage: the run converts `init` into the model: section (e.g. a flag that adds no
            # weights, such as model.goal_room) and writes it as its policy, with how the
            # weights were trained.
            meta = self.init_meta
            self._save(net, "init", {"converted_from": self.tc.init,
                                     "train_seconds": meta.get("train_seconds", 0.0),
                                     "init_command": meta.get("command"),
                                     "init_stages": meta.get("stages", [])})
        for name in self.stages():
            if name in done:
                continue
            t0 = time.time()
            self._say(f"stage {name}")
            if name == "perception":
                figures = self.train_perception(net)
                self._drop_calibration("its perception was trained again")
            elif name == "calibrate":
                figures = self.calibrate(net)
            elif name == "bc" and self.tc.level == "motor":
                figures = self.train_motor_bc(net, self._data(), self.tc.bc_epochs)
            elif name == "bc":
                figures = self.train_bc(net, self._data(), self.tc.bc_epochs, name)
            elif name == "ppo":
                figures = self.train_ppo(net)
            else:
                figures = self.dagger_round(net, int(name.split("-")[1]))
            seconds = round(time.time() - t0, 1)
            self.state["stages"].append({"name": name, "seconds": seconds, **figures})
            self._save(net, name)
            self._say(f"stage {name} done in {seconds:.0f} s: {figures}")
        self.state["train_seconds"] = round(sum(s["seconds"] for s in self.state["stages"]), 1)
        self._write_state()
        self.log.plot(self.out / "curve.png")
        self._say(f"trained in {time.time() - t_run:.0f} s this call; policy {self.out}/policy.pt")
        return self.out / "policy.pt"

    # ---- stage 1: perception ---------------------------------------------------------------
    def train_perception(self, net: RoombyPolicyNet) -> dict[str, Any]:
        frames = self._demos(self.tc.data).frames
        n = len(frames.get("frame_rgb", ()))
        if n < 10:
            raise ValueError(f"perception needs camera frames: {n} in {self.tc.data} (collect "
                             f"with --frame-every > 0)")
        order = self.rng.permutation(n)
        val, train = order[: max(n // 20, 1)], order[max(n // 20, 1):]
        tc = self.tc
        updates = fit_perception(
            net.perception, frames, train, tc.perception_steps, tc.perception_batch,
            tc.perception_lr, tc.perception_background, self.rng,
            loop=lambda it: self._bar(it, f"perception ({tc.perception_minutes:g} min budget)"
                                      if tc.perception_minutes else "perception"),
            on_loss=lambda step, loss: self.log.scalar("perception/loss", loss, step),
            balance=tc.perception_balance, minutes=tc.perception_minutes)
        acc = perception_accuracy(net.perception, frames, val)
        for k, v in acc.items():
            self.log.scalar(f"perception/val_{k}", v, updates)
        return {"frames": n, "updates": updates, **acc}

    def calibrate(self, net: RoombyPolicyNet) -> dict[str, Any]:
        """How the perception just trained reads each type, per room, in expert episodes of
        training homes: the map the following stages see is calibrated with it. The workers
        read the perception from the perception stage's checkpoint (it runs right after it)."""
        from agent.train.calibration import calibrate

        self.calibration = calibrate(str(self.out / "perception.pt"), self.tc.calibrate_episodes,
                                     self.tc.seed, self.tc.workers, command=self.command,
                                     progress=self.progress, run=self.cfg.run)
        return {"episodes": self.tc.calibrate_episodes}

    # ---- stage 2: behaviour cloning --------------------------------------------------------
    def train_bc(self, net: RoombyPolicyNet, demos: Demonstrations, epochs: int, tag: str
                 ) -> dict[str, Any]:
        eps = [i for i, s in enumerate(demos.episode_slices) if s.stop > s.start]
        if not eps:
            raise ValueError(f"no decisions in {self.tc.data}: collect demonstrations first")
        if demos.decisions["action"].ndim == 1:
            raise ValueError(f"the demonstrations in {self.tc.data} are motor-level (wheel "
                             "actions): train them with --set train.level=motor")
        per_epoch = math.ceil(len(eps) / self.tc.batch_episodes)

        def batches() -> Iterator[Batch]:
            return episode_batches(demos, self.tc.batch_episodes, self.rng, self.tc.word_dropout,
                                   net.codec)

        updates, running = self._clone(
            net, epochs, per_epoch, tag, batches,
            lambda batch: bc_loss(net, batch, self.tc.pointer_sigma, self.tc.goal_weight),
            lambda r: {"loss": f"{r['loss']:.3f}", "skill": f"{r['skill_acc']:.2f}",
                       "cell": f"{r.get('cell_acc_1', float('nan')):.2f}"})
        return {"episodes": len(eps), "decisions": demos.n_decisions, "updates": updates,
                "epochs": round(updates / per_epoch, 2),
                **{k: round(v, 4) for k, v in running.items()}}

    def train_motor_bc(self, net: RoombyPolicyNet, demos: Demonstrations, epochs: int
                       ) -> dict[str, Any]:
        """Stage 2 at the motor level (`agent.train.motor_imitation`): chunks of control periods,
        the memory state carried across an episode's chunks."""
        weights = action_weights(demos)
        n_eps = sum(s.stop > s.start for s in demos.episode_slices)
        b, c = self.tc.batch_episodes, self.tc.motor_chunk
        per_epoch = motor_updates_per_epoch(demos, b, c)
        state = None

        def loss_of(chunk: MotorChunk) -> tuple[torch.Tensor, dict[str, float]]:
            nonlocal state
            if chunk.first:
                state = net.initial_state(chunk.mask.shape[1])
            loss, end, figures = motor_loss(net, chunk, state, weights, self.tc.goal_weight)
            state = detach_state(end)  # the next chunk starts here; gradients stop at the cut
            return loss, figures

        updates, running = self._clone(
            net, epochs, per_epoch, "bc motor",
            lambda: motor_chunks(demos, b, c, self.rng, net.codec),
            loss_of, lambda r: {"loss": f"{r['loss']:.3f}", "acc": f"{r['motor_acc']:.2f}"})
        return {"episodes": n_eps, "periods": demos.n_decisions, "updates": updates,
                "epochs": round(updates / per_epoch, 2),
                "action_weights": [round(float(w), 3) for w in weights],
                **{k: round(v, 4) for k, v in running.items()}}

    def _clone(self, net: RoombyPolicyNet, epochs: int, per_epoch: int, tag: str,
               batches: Callable[[], Iterable[Any]],
               loss_of: Callable[[Any], tuple[torch.Tensor, dict[str, float]]],
               postfix: Callable[[dict[str, float]], dict[str, str]]
               ) -> tuple[int, dict[str, float]]:
        """The behaviour-cloning loop of both levels: Adam with cosine decay over `epochs` passes
        of `per_epoch` updates, gradient clipping, running figures logged, a progress bar, and
        the `train.bc_minutes` deadline. `batches()` gives one pass, `loss_of(batch)` -> (loss,
        figures). -> (updates made, the running figures)."""
        params = self._bc_params(net)
        opt = torch.optim.Adam(params, lr=self.tc.lr)
        sched = cosine_schedule(opt, epochs * per_epoch)
        net.train()
        step0 = self.log.last_step("bc/loss")
        step, running = step0, {}
        bar = self._bar(range(epochs * per_epoch), tag)
        deadline = self._deadline()
        for epoch in range(epochs):
            for batch in batches():
                if time.time() > deadline:
                    break
                loss, figures = loss_of(batch)
                self._update(loss, params, opt, sched)
                step += 1
                running = self._track(running, figures, step)
                bar.update(1)
                bar.set_postfix(refresh=False, epoch=epoch + 1, **postfix(running))
            if time.time() > deadline:
                break
        bar.close()
        net.eval()
        return step - step0, running

    def _update(self, loss: torch.Tensor, params: list[torch.nn.Parameter],
                opt: torch.optim.Optimizer, sched: torch.optim.lr_scheduler.LRScheduler) -> None:
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, self.tc.grad_clip)
        opt.step()
        sched.step()

    def _track(self, running: dict[str, float], figures: dict[str, float], step: int
               ) -> dict[str, float]:
        """Running averages of a stage's figures, logged every 10 updates."""
        running = {k: 0.9 * running.get(k, v) + 0.1 * v for k, v in figures.items()
                   if not math.isnan(v)}
        if step % 10 == 0:
            for k, v in running.items():
                self.log.scalar(f"bc/{k}", v, step)
        return running

    def _bc_params(self, net: RoombyPolicyNet) -> list[torch.nn.Parameter]:
        if self.tc.freeze_perception:
            for name, p in net.perception.named_parameters():
                p.requires_grad = name.startswith("to_tokens")
        return [p for p in net.parameters() if p.requires_grad]

    def _deadline(self) -> float:
        """When the current behaviour-cloning stage must stop (`train.bc_minutes`)."""
        return time.time() + self.tc.bc_minutes * 60 if self.tc.bc_minutes > 0 else math.inf

    # ---- stage 3: DAgger --------------------------------------------------------------------
    def dagger_round(self, net: RoombyPolicyNet, r: int) -> dict[str, Any]:
        from agent.demos.collect import collect, plan_jobs

        learner = self.out / f"dagger-{r}-learner.pt"
        save_checkpoint(learner, net, {"stage": f"dagger-{r} learner", **self._calibration_meta()})
        beta = self.tc.dagger_beta / 2 ** (r - 1)
        folder = self.out / f"dagger-{r}"
        env_cfg = dataclasses.replace(self.cfg.env, split="train")
        jobs = plan_jobs(folder, env_cfg, self.dagger_ids, self.tc.dagger_episodes,
                         dagger_seed(r, self.state.get("dagger_rounds_before", 0),
                                     self.tc.seed), frame_every=16,
                         policy=str(learner), beta=beta, perception=str(learner))
        res = collect(folder, jobs, self.tc.workers, self.progress,
                      meta={"stage": f"dagger-{r}", "beta": beta}, run=self.cfg.run)
        demos = self._data()
        rec = [x for x in demos.records if x.get("decided_by") == str(learner)]
        success = float(np.mean([x["success"] for x in rec])) if rec else float("nan")
        self.log.scalar("dagger/learner_success", success, self.log.last_step("bc/loss"))
        figures = self.train_bc(net, demos, self.tc.dagger_epochs, f"dagger-{r}")
        return {"beta": beta, "collected": res["episodes"], "round_success": round(success, 4),
                **figures}

    # ---- stage 4: PPO ----------------------------------------------------------------------
    def train_ppo(self, net: RoombyPolicyNet) -> dict[str, Any]:
        from stable_baselines3.common.env_util import make_vec_env
        from stable_baselines3.common.vec_env import DummyVecEnv, SubprocVecEnv

        from agent.train.ppo import EnvFactory, finetune

        start = self.out / "ppo-start.pt"  # the envs' perception: the policy's own, frozen
        save_checkpoint(start, net, {"stage": "ppo start", **self._calibration_meta()})
        env = to_dict(dataclasses.replace(self.cfg.env, split="train"))
        n = self.tc.ppo_envs
        if n < 1:
            raise ValueError(f"train.ppo_envs must be at least 1, got {n}")
        venv = make_vec_env(EnvFactory(env, str(start)), n_envs=n, seed=PPO_SEED + self.tc.seed,
                            vec_env_cls=SubprocVecEnv if n > 1 else DummyVecEnv,
                            monitor_kwargs={"info_keywords": ("success",)})
        try:
            figures = finetune(net, venv, self.tc.ppo_steps, n_steps=self.tc.ppo_n_steps,
                               batch_size=self.tc.ppo_batch, n_epochs=self.tc.ppo_epochs,
                               lr=self.tc.ppo_lr, clip=self.tc.ppo_clip,
                               ent_coef=self.tc.ppo_ent_coef, seed=self.tc.seed,
                               tensorboard_log=str(self.out / "tb"), progress=self.progress)
        finally:
            venv.close()
        if figures["success"] is not None:
            self.log.scalar("ppo/success", figures["success"], self.log.last_step("bc/loss"))
        return figures

    # ---- helpers ---------------------------------------------------------------------------
    def _data(self) -> Demonstrations:
        folders = list(self.tc.data)
        folders += [str(p) for p in sorted(self.out.glob("dagger-*")) if p.is_dir()]
        return self._demos(folders)

    def _demos(self, folders: list[str]) -> Demonstrations:
        key = tuple(folders)
        if getattr(self, "_cache_key", None) != key:
            self._say(f"loading demonstrations from {', '.join(folders)}")
            self._cache, self._cache_key = load_demonstrations(folders), key
        return self._cache

    def _start_net(self, done: list[str]) -> RoombyPolicyNet:
        start = start_network(self.cfg, self.out, done, self._say)
        self.calibration, self.init_meta = start.calibration, start.init_meta
        if start.dagger_rounds_before is not None:
            self.state["dagger_rounds_before"] = start.dagger_rounds_before
        if start.perception_changed:
            self._drop_calibration("the perception network changed shape")
        if not self.tc.freeze_perception:
            self._drop_calibration("train.freeze_perception is false")
        return start.net

    def _drop_calibration(self, why: str) -> None:
        if self.calibration is not None:
            self.calibration = None
            self._say(f"the perception calibration no longer applies ({why}): calibrate the "
                      "result with scripts/calibrate_perception.py")

    def _save(self, net: RoombyPolicyNet, stage: str, extra: dict[str, Any] | None = None
              ) -> None:
        rounds = self.state.get("dagger_rounds_before", 0) + sum(
            1 for s in self.state["stages"] if s["name"].startswith("dagger-"))
        meta = {"command": self.command, "stage": stage, "stages": self.state["stages"],
                "dagger_rounds": rounds,
                "train_seconds": round(sum(s["seconds"] for s in self.state["stages"]), 1),
                "config": to_dict(self.cfg), **self._calibration_meta(), **(extra or {})}
        save_checkpoint(self.out / f"{stage}.pt", net, meta)
        save_checkpoint(self.out / "policy.pt", net, meta)
        self.state["history"] = self.log.history
        self._write_state()

    def _calibration_meta(self) -> dict[str, Any]:
        return {} if self.calibration is None else {"perception_calibration": self.calibration}

    def _write_state(self) -> None:
        (self.out / "state.json").write_text(json.dumps(self.state, indent=1))

    def _bar(self, it, desc: str):
        from tqdm import tqdm

        return tqdm(it, desc=desc, file=sys.stderr, disable=not self.progress, mininterval=5)

    def _say(self, text: str) -> None:
        if self.progress:
            print(f"[train {time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)

