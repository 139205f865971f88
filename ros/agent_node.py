"""`roomby_agent`: commands in, the policy decides, the skills drive `/cmd_vel`.

Runs as `roomby-agent-node` here or from the `roomby_ros` package's launch files
(`ros2 launch roomby_ros robot.launch.py` or `sim.launch.py`). The node converts messages and
calls `agent.runtime.robot.RobotAgent` (policy + map + skills):

- `/roomby/command` (String, reliable, queue 100): every command is answered at once on
  `/roomby/status`, whose `received` counts the commands read so far (an acknowledgement). It is
  vetted by the command parser (`roomby parse`; empty, over-long and commands that name no task
  are refused with the reason, the current task goes on); a good one pre-empts the current task.
  At most one command starts per control period, so the last of a burst is the one carried
  out; commands sent before an e-stop and still queued when it arrives are dropped.
- `/camera/image_raw` (rgb8/bgr8/rgba8/bgra8) + `/camera/depth/image_raw` (32FC1 m or 16UC1 mm)
  + `/camera/camera_info` (sensor-data QoS): the learned perception writes the map's semantic
  layer; the image must be the policy's camera size (its camera_info says so when it is not).
- `/odom`: the pose, taken as the pose in the `/map` frame (exact in simulation; on a robot,
  feed a localised odometry, e.g. remap `/odom`).
- `/map` (OccupancyGrid, transient local) + the `rooms_file` parameter (agent.runtime.rooms
  format, re-read with every map): the robot's occupancy and labelled rooms. Without a
  `rooms_file`, the labels come from `/roomby/rooms` (String, the same document as JSON,
  transient local), which the sim node publishes with its map.
- `/roomby/stop` (Empty): emergency stop; zero velocity at once, until the next command.
- publishes `/cmd_vel` (Twist, or TwistStamped with `cmd_vel_stamped`) at `control_rate`,
  clamped to `max_linear`/`max_angular`, and `/roomby/status` (String JSON: state idle /
  executing / succeeded / stopped / error, received, instruction, goal, step, skill, target
  (x, y), cell (the map cell the pointer chose, row * 48 + col), pose_jumps (re-localisations
  seen on /odom, each also a warning), message, warning).

Viewer topics (parameter `viewer`: all, none or a comma list): what the policy thinks, in
standard messages for RViz2 and Foxglove (`ros.viewer`, docs/viewer.md).

Watchdog: while executing, odometry or camera older than `sensor_timeout` (wall-clock arrival
time) gives zero velocity until they are fresh again. Bad input (malformed images, NaN
odometry, bad maps or rooms files) is logged, reported on `/roomby/status`, and dropped.

Backend (`backend`): `torch` runs `checkpoint` (default: the shipped policy) in torch; `onnx`
runs an exported `bundle` (`roomby export --out DIR`) under onnxruntime, with no torch and no
pybullet: what a Jetson runs.
"""

from __future__ import annotations

import json
import math
import sys
import time

import numpy as np
from geometry_msgs.msg import Twist, TwistStamped
from nav_msgs.msg import OccupancyGrid, Odometry
from sensor_msgs.msg import CameraInfo, Image
from std_msgs.msg import Empty, String

from agent.runtime import BundleError
from agent.runtime.memory_read import shares
from agent.runtime.policy import load_runtime_policy
from agent.runtime.robot import RobotAgent, RobotGrid, robot_settings
from agent.runtime.rooms import RoomsError, label_grid, load_rooms, parse_rooms
from ros import topics
from ros.conversions import image_to_depth, image_to_rgb, occupied_on_grid, pose_from_odometry
from ros.conversions import velocity as velocity_msg
from ros.node_base import RoombyNode, spin_node, subscribe_stamped
from ros.viewer import ViewerTopics
from sim.grid import FINE, FINE_RES
from sim.language import parse

WARN_EVERY = 1.0  # s: one status/log line per kind of bad input per second at most
POSE_JUMP = 0.05  # m: a pose step this much beyond what the base can drive is a jump


PARAMETERS: dict[str, object] = {
    "backend": "torch",
    "checkpoint": "",
    "bundle": "",
    "rooms_file": "",
    "control_rate": 10.0,
    "max_linear": 0.35,
    "max_angular": 1.5,
    "sensor_timeout": 0.5,
    "cmd_vel_stamped": False,
    "base_frame": topics.BASE_FRAME,
    "max_decisions": 48,
    "threads": 1,
    "status_rate": 2.0,
    "viewer": "all",
}
"""Parameters and defaults (ament/roomby_ros/config/*.yaml set them on a robot)."""


class AgentLogic:
    """The robot's mind on ROS topics (see the module doc), for a plain node (`AgentNode`) or a
    managed one (`ros.agent_lifecycle_node`): `_build` makes the policy, publishers and
    subscriptions, `_start_control` the control timer."""

    active = True
    """Whether commands are carried out (a managed node's 'active' state)."""

    def param(self, name: str):
        return self.get_parameter(name).value

    def _build(self, create_publisher) -> None:
        """`create_publisher` makes /cmd_vel's and the viewer topics' publishers (a managed
        node's are lifecycle publishers, silent unless active); the status is always heard."""
        self.policy = load_runtime_policy(self.param("backend"), self.param("checkpoint"),
                                          self.param("bundle"), int(self.param("threads")))
        self.image_size = self.policy.image_size
        self.far = robot_settings(self.policy.bundle)[0].far  # a bad bundle fails here
        self.stamped = bool(self.param("cmd_vel_stamped"))
        self.pub_cmd = create_publisher(TwistStamped if self.stamped else Twist,
                                        topics.CMD_VEL, topics.RELIABLE)
        self.pub_status = self.create_publisher(String, topics.STATUS, topics.EVENTS)
        sub = self.create_subscription
        subscribe_stamped(self, String, topics.COMMAND, self._on_command, topics.EVENTS)
        subscribe_stamped(self, Empty, topics.STOP, self._on_stop, topics.RELIABLE)
        sub(Image, topics.IMAGE, self._on_image, topics.SENSOR_QOS)
        sub(Image, topics.DEPTH, self._on_depth, topics.SENSOR_QOS)
        sub(CameraInfo, topics.CAMERA_INFO, self._on_camera_info, topics.SENSOR_QOS)
        sub(Odometry, topics.ODOM, self._on_odom, topics.RELIABLE)
        sub(OccupancyGrid, topics.MAP, self._on_map, topics.MAP_QOS)
        sub(String, topics.ROOMS, self._on_rooms, topics.MAP_QOS)
        self.state, self.message, self.warning = "idle", "waiting for a command", ""
        self.instruction: str | None = None
        self.goal: dict | None = None
        self.unknown: list[str] = []
        self.agent: RobotAgent | None = None
        self.pending = False  # a command waits for the map, rooms, odometry or its turn
        self.received = 0  # commands received: each status names the latest (an ack)
        self._started = -math.inf  # when the last command started (a burst starts the latest)
        self._stop_stamp = -1  # the latest e-stop's send time (ns, the sender's clock)
        self.pose: tuple[float, float, float] | None = None
        self.pose_jumps = 0
        self.odom_time = self.camera_time = -math.inf
        self.depth: np.ndarray | None = None
        self.depth_time = -math.inf
        self.frame: tuple[np.ndarray, np.ndarray, tuple[float, float, float]] | None = None
        self.occupied: np.ndarray | None = None
        self.rooms: np.ndarray | None = None
        self._warned: dict[str, float] = {}
        self._last_status = 0.0
        self.viewer = ViewerTopics(self, str(self.param("viewer")), create_publisher)

    def _start_control(self) -> None:
        self.timer = self.create_timer(1.0 / float(self.param("control_rate")), self._tick)
        self._publish_status()
        self.get_logger().info(f"ready: backend {self.param('backend')}, "
                               f"{self.policy.bundle.path}")

    # -- reporting ---------------------------------------------------------------------------
    def status(self) -> dict:
        last = self.agent.last if self.agent else None
        return {"state": self.state, "received": self.received,
                "instruction": self.instruction, "goal": self.goal,
                "unknown_words": self.unknown,
                "step": self.agent.decisions if self.agent else 0,
                "skill": last.decision.skill_name if last else None,
                "target": list(last.target_xy) if last else None,
                "cell": last.decision.cell if last else None, "pose_jumps": self.pose_jumps,
                **({"memory_read": shares(last.decision.attention["memory"])}
                   if last and "memory" in last.decision.attention else {}),
                "message": self.message, "warning": self.warning}

    def _publish_status(self) -> None:
        self._last_status = time.monotonic()
        self.pub_status.publish(String(data=json.dumps(self.status())))

    def _warn(self, text: str, throttle: bool = True) -> None:
        """A bad input: log and report it (the same warning at most once a second: a camera
        stream repeats its problem 30 times a second), keep running."""
        now = time.monotonic()
        if throttle and now - self._warned.get(text, -math.inf) < WARN_EVERY:
            return
        if len(self._warned) > 256:
            self._warned.clear()
        self._warned[text] = now
        self.warning = text
        self.get_logger().warning(text)
        self._publish_status()
        self.warning = ""

    def _set_state(self, state: str, message: str) -> None:
        self.state, self.message = state, message
        self.get_logger().info(f"{state}: {message}")
        self._publish_status()

    def _send(self, v: float, w: float) -> None:
        lin, ang = float(self.param("max_linear")), float(self.param("max_angular"))
        if not (math.isfinite(v) and math.isfinite(w)):
            v = w = 0.0
        v, w = min(max(v, -lin), lin), min(max(w, -ang), ang)
        self.pub_cmd.publish(velocity_msg(v, w, self.stamped, self.get_clock().now().to_msg(),
                                          self.param("base_frame")))

    # -- commands ----------------------------------------------------------------------------
    def _on_command(self, msg: String, stamp: int = -1) -> None:
        """Every command is answered on the status at once (its number in `received`). A good
        one pre-empts the current task. At most one command starts per control period (starting
        costs a decision): one that comes sooner waits for the next period, and a newer one
        replaces it, so the last of a burst is the one carried out."""
        self.received += 1
        if not self.active:
            self._warn("command refused: the node is not active (ros2 lifecycle set "
                       f"{self.get_fully_qualified_name()} activate)", throttle=False)
            return
        if 0 <= stamp < self._stop_stamp:
            # Sent before an e-stop the node has already obeyed (a queued burst): the stop wins.
            self._warn("command dropped: sent before the emergency stop", throttle=False)
            return
        text = msg.data
        parsed = parse(text)
        if parsed.goal is None:
            shown = text if len(text) <= 80 else text[:77] + "..."
            self._warn(f"command refused ({parsed.error}): {shown!r}", throttle=False)
            return
        if self.agent is not None and not self.agent.done:
            self._send(0.0, 0.0)  # pre-empted: the old task's velocity must not linger
        self.instruction, self.goal, self.unknown = text, parsed.goal, parsed.unknown_words
        self.pending = True
        self.agent = None
        self.state = "executing"
        if time.monotonic() - self._started >= 1.0 / float(self.param("control_rate")):
            self._try_start()
        else:
            self.message = ("accepted: starts at the next control period unless a newer "
                            "command comes first")
        if self.pending:
            self._set_state("executing", self.message)

    def _try_start(self) -> None:
        missing = [what for what, have in (("/map", self.occupied is not None),
                                           ("room labels (the rooms_file parameter or "
                                            f"{topics.ROOMS})", self.rooms is not None),
                                           ("/odom", self.pose is not None)) if not have]
        if missing:
            self.message = f"waiting for {', '.join(missing)}"
            return
        try:
            grid = RobotGrid.from_occupancy(self.occupied, self.rooms, start_xy=self.pose[:2])
        except ValueError:
            try:  # the robot's own cell is not free (against a wall): plan in the largest part
                grid = RobotGrid.from_occupancy(self.occupied, self.rooms)
            except ValueError as e:
                self.pending = False
                self._set_state("error", f"cannot plan on this map: {e}")
                self._send(0.0, 0.0)
                return
        self.agent = RobotAgent(None, grid, max_decisions=int(self.param("max_decisions")),
                                policy=self.policy)
        cmd = self.agent.start(self.instruction)
        self.pending = False
        self._started = time.monotonic()
        note = f" (unknown words: {', '.join(self.unknown)})" if self.unknown else ""
        self._set_state("executing", f"policy reads {cmd.goal}{note}")
        if self.frame is not None and time.monotonic() - self.camera_time <= \
                float(self.param("sensor_timeout")):
            # Decide now on the latest frame rather than at the next camera frame and tick:
            # the command's first /cmd_vel costs one decision, not up to a control period.
            self.agent.observe(*self.frame)
            self._control()

    def _on_stop(self, msg: Empty, stamp: int = -1) -> None:
        self._stop_stamp = max(self._stop_stamp, stamp)
        self._send(0.0, 0.0)
        if self.agent is not None:
            self.agent.done = True
        self.pending = False
        self._set_state("stopped", "emergency stop: waiting for a new command")

    # -- sensors -----------------------------------------------------------------------------
    def _on_odom(self, msg: Odometry) -> None:
        try:
            pose = pose_from_odometry(msg)
        except ValueError as e:
            self._warn(f"/odom dropped: {e}")
            return
        now = time.monotonic()
        if self.pose is not None:
            # Farther than the base can drive in the time since the last pose: the localisation
            # corrected itself (a re-localisation). Said on the status; the map's track and the
            # running skill go on from the new pose.
            jump = math.dist(pose[:2], self.pose[:2])
            if jump > POSE_JUMP + 2 * float(self.param("max_linear")) * (now - self.odom_time):
                self.pose_jumps += 1
                self._warn(f"pose jumped {jump:.2f} m (a re-localisation; "
                           f"{self.pose_jumps} so far)", throttle=False)
        self.pose, self.odom_time = pose, now

    def _on_depth(self, msg: Image) -> None:
        try:
            depth = image_to_depth(msg, self.far)
            self._check_size(depth.shape, "depth")
        except ValueError as e:
            self._warn(f"{topics.DEPTH} dropped: {e}")
            return
        self.depth, self.depth_time = depth, time.monotonic()

    def _on_image(self, msg: Image) -> None:
        try:
            rgb = image_to_rgb(msg)
            self._check_size(rgb.shape[:2], "image")
        except ValueError as e:
            self._warn(f"{topics.IMAGE} dropped: {e}")
            return
        now = time.monotonic()
        if self.depth is None or now - self.depth_time > float(self.param("sensor_timeout")):
            return  # no depth to go with it yet
        self.camera_time = now
        if self.pose is None:
            return
        self.frame = (rgb, self.depth, self.pose)
        if self.state == "executing" and self.agent is not None:
            self.agent.observe(*self.frame)
            self.viewer.camera(rgb, self.agent.percept)

    def _on_camera_info(self, msg: CameraInfo) -> None:
        try:
            self._check_size((int(msg.height), int(msg.width)), "camera_info")
        except ValueError as e:
            self._warn(str(e))

    def _check_size(self, shape: tuple[int, ...], what: str) -> None:
        h, w = self.image_size
        if tuple(shape) != (h, w):
            raise ValueError(f"{what} is {shape[1]} x {shape[0]} pixels; the policy's camera is "
                             f"{w} x {h} (resize in the camera driver, or export a policy for "
                             "this camera)")

    def _on_map(self, msg: OccupancyGrid) -> None:
        try:
            occupied = occupied_on_grid(msg, FINE.shape, FINE_RES)
        except ValueError as e:
            self._warn(f"{topics.MAP} dropped: {e}")
            return
        self.occupied = occupied
        path = self.param("rooms_file")
        if path:  # a robot's labelled room map, re-read with every map
            try:
                self.rooms = label_grid(load_rooms(path))
            except RoomsError as e:
                self._warn(str(e))
        if self.pending:
            self._try_start()

    def _on_rooms(self, msg: String) -> None:
        """Room labels published beside the map (the sim node does), used when no rooms_file
        is set: the file, where there is one, is what the robot's owner labelled."""
        if self.param("rooms_file"):
            return
        try:
            self.rooms = label_grid(parse_rooms(json.loads(msg.data), topics.ROOMS))
        except (json.JSONDecodeError, RecursionError, RoomsError) as e:
            self._warn(f"{topics.ROOMS} dropped: {e}")
            return
        if self.pending:
            self._try_start()

    # -- the control loop --------------------------------------------------------------------
    def _tick(self) -> None:
        if self.state == "executing":
            self._control()
        if time.monotonic() - self._last_status >= 1.0 / float(self.param("status_rate")):
            self._publish_status()

    def _control(self) -> None:
        if self.pending:
            self._try_start()  # which runs the first control period once it can start
            return
        now, timeout = time.monotonic(), float(self.param("sensor_timeout"))
        stale = [f"{name} {now - t:.1f} s old" if math.isfinite(t) else f"no {name}"
                 for name, t in (("odometry", self.odom_time), ("camera", self.camera_time))
                 if now - t > timeout]
        if stale:
            self._send(0.0, 0.0)
            self.message = f"watchdog: {', '.join(stale)}: holding still"
            return
        if self.message.startswith("watchdog"):
            self.message = "sensors are fresh again: going on"
        v, w = self.agent.control(self.pose)
        self._send(v, w)
        self.viewer.after_control(self.agent)  # after /cmd_vel: the views never delay it
        if self.agent.done:
            last = self.agent.last
            if last is not None and last.decision.skill_name == "stop":
                self._set_state("succeeded", f"done after {self.agent.decisions} decisions")
            else:
                self._set_state("error", f"gave up after {self.agent.decisions} decisions "
                                         "(max_decisions)")


class AgentNode(AgentLogic, RoombyNode):
    """The plain node: configured and running from its start."""

    def __init__(self):
        RoombyNode.__init__(self, "roomby_agent", PARAMETERS)
        self._build(self.create_publisher)
        self._start_control()


def main(args: list[str] | None = None) -> int:
    return spin_node(AgentNode, "roomby-agent-node", (ValueError, BundleError, OSError), args)


if __name__ == "__main__":
    sys.exit(main())
