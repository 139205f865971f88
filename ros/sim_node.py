"""`roomby_sim`: a simulated Roomby home that behaves like the robot on its ROS topics.

Runs as `roomby-sim-node` here or from `ros2 launch roomby_ros sim.launch.py`. Each control
period (0.1 s of simulated time; `real_time_factor` of them per 0.1 s of wall time) it holds the
latest `/cmd_vel`
(zero once it is older than `cmd_timeout`, like a real base driver) in PyBullet and publishes
`/odom` (`odom` -> `base_link`: the pose the robot believes; exact with `realism` ideal, so the
`odom` frame is the `map` frame; with `realistic`, wheel odometry drifting 2 cm per metre and
re-localised every 5 m, as a robot's localisation would report it); every `camera_every`
periods it renders the camera: `/camera/image_raw` (rgb8),
`/camera/depth/image_raw` (32FC1 metres) and `/camera/camera_info`, with the realism
profile's noise (`realism`: ideal or realistic, sim/realism/). `/map` (OccupancyGrid, 5 cm,
transient local) and `/roomby/rooms` (String: the home's room labels as JSON in the
agent.runtime.rooms format, transient local) are published at start and after each reset.

Scoring: the episode's goal comes from the env (`env_id`, `seed`, `split`) or the `goal`
(JSON, the sim's goal schema; quote it on a command line: `-p goal:='{"task": ...}'`) and
`instruction` parameters, and `/roomby/sim_reset`
(std_msgs/String JSON `{"seed": 3, "goal": {...}, "instruction": "..."}`, each optional; the seed
defaults to the next one) starts a new episode. When the robot, having moved, is commanded to
stand still for `stop_after` seconds, the sim judges the goal where it stands (as the skill env's
stop). `/roomby/sim_status`
(std_msgs/String JSON) reports the episode: instruction, goal, state (waiting, moving, stopped),
success and SPL (at the latest stop), coverage, collisions, distance, periods.

`rooms_file` (optional): the home's room labels are also written there (agent.runtime.rooms
format) at every reset, for an agent node's `rooms_file`: what a robot's app would export.
"""

from __future__ import annotations

import json
import math
import sys
import time

import gymnasium as gym
from geometry_msgs.msg import Twist, TwistStamped
from nav_msgs.msg import OccupancyGrid, Odometry
from sensor_msgs.msg import CameraInfo, Image
from std_msgs.msg import String

import sim  # noqa: F401  (registers the env ids)
from agent.runtime.rooms import RoomLabel, rooms_doc, save_rooms
from ros import topics
from ros.conversions import camera_info, depth_image, occupancy_grid, odometry, rgb_image
from ros.node_base import RoombyNode, spin_node
from sim.grid import FINE_RES
from sim.world import CONTROL_DT

STILL = 1e-3  # m/s or rad/s: a command below this on both is "stand still"


PARAMETERS: dict[str, object] = {
    "env_id": "Roomby/Mixed-v0",
    "split": "heldout",
    "seed": 0,
    "goal": "",
    "instruction": "",
    "home": "",
    "real_time_factor": 1.0,
    "camera_every": 1,
    "rooms_file": "",
    "cmd_timeout": 0.5,
    "stop_after": 1.0,
    "max_linear": 0.5,
    "max_angular": 2.0,
    "cmd_vel_stamped": False,
    "status_every": 5,
    "realism": "ideal",
}
"""Parameters and defaults (ament/roomby_ros/config/*.yaml set them on a robot)."""


class SimNode(RoombyNode):
    """One simulated home and robot on ROS topics (see the module doc)."""

    def __init__(self):
        super().__init__("roomby_sim", PARAMETERS)
        self.env = gym.make(self.param("env_id"), split=self.param("split"),
                            realism=str(self.param("realism"))).unwrapped
        self.pub_rgb = self.create_publisher(Image, topics.IMAGE, topics.SENSOR_QOS)
        self.pub_depth = self.create_publisher(Image, topics.DEPTH, topics.SENSOR_QOS)
        self.pub_info = self.create_publisher(CameraInfo, topics.CAMERA_INFO, topics.SENSOR_QOS)
        self.pub_odom = self.create_publisher(Odometry, topics.ODOM, topics.RELIABLE)
        self.pub_map = self.create_publisher(OccupancyGrid, topics.MAP, topics.MAP_QOS)
        self.pub_rooms = self.create_publisher(String, topics.ROOMS, topics.MAP_QOS)
        self.pub_status = self.create_publisher(String, topics.SIM_STATUS, topics.RELIABLE)
        cmd_type = TwistStamped if self.param("cmd_vel_stamped") else Twist
        self.create_subscription(cmd_type, topics.CMD_VEL, self._on_cmd_vel, topics.RELIABLE)
        self.create_subscription(String, topics.SIM_RESET, self._on_reset, topics.RELIABLE)
        self.cmd = (0.0, 0.0)
        self.cmd_time = -math.inf
        self.error = ""
        goal = self.param("goal")
        options = {}
        if goal:
            try:
                options["goal"] = json.loads(goal)
            except (json.JSONDecodeError, RecursionError) as e:
                raise ValueError(f"parameter goal={goal[:60]!r} is not JSON: {e}") from None
        if self.param("instruction"):
            options["instruction"] = self.param("instruction")
        if self.param("home"):
            options["home"] = self.param("home")
        self.reset(int(self.param("seed")), options)
        period = CONTROL_DT / float(self.param("real_time_factor"))
        self.timer = self.create_timer(period, self._tick)
        self.get_logger().info(f"{self.param('env_id')} seed {self.seed}: "
                               f"'{self.env.instruction}' ({self.env.goal})")

    # -- episodes ----------------------------------------------------------------------------
    def reset(self, seed: int, options: dict) -> None:
        self.env.reset(seed=seed, options=options)
        self.seed = seed
        self.periods_since_camera = 0
        self.still = 0.0
        self.moved_since_stop = False
        self.state = "waiting"
        self.success = False
        self.stops = 0
        labels = [RoomLabel.rectangle(r.name, r.rect) for r in self.env.home.rooms]
        if self.param("rooms_file"):
            save_rooms(self.param("rooms_file"), labels)
        self.pub_rooms.publish(String(data=json.dumps(rooms_doc(labels))))
        now = self.get_clock().now().to_msg()
        self.pub_map.publish(occupancy_grid(self.env.grid.floor, FINE_RES, now,
                                            topics.MAP_FRAME))
        self._publish_sensors(camera=True)
        self._publish_status()

    def _on_reset(self, msg: String) -> None:
        try:
            req = json.loads(msg.data) if msg.data.strip() else {}
            if not isinstance(req, dict) or set(req) - {"seed", "goal", "instruction"}:
                raise ValueError("expected a JSON object with the keys seed, goal, instruction "
                                 "(each optional)")
            options = {k: req[k] for k in ("goal", "instruction") if req.get(k) is not None}
            self.reset(int(req.get("seed", self.seed + 1)), options)
            self.error = ""
            self.get_logger().info(f"reset: seed {self.seed}, '{self.env.instruction}'")
        except Exception as e:  # a bad request must not stop the sim: report it
            self.error = f"reset request refused: {e}"
            self.get_logger().warning(self.error)
            self._publish_status()

    # -- the robot ---------------------------------------------------------------------------
    def _on_cmd_vel(self, msg: Twist | TwistStamped) -> None:
        t = msg.twist if isinstance(msg, TwistStamped) else msg
        v, w = float(t.linear.x), float(t.angular.z)
        if not (math.isfinite(v) and math.isfinite(w)):
            self.get_logger().warning(f"ignoring /cmd_vel with NaN/inf ({v}, {w})")
            return
        lin, ang = float(self.param("max_linear")), float(self.param("max_angular"))
        self.cmd = (min(max(v, -lin), lin), min(max(w, -ang), ang))
        self.cmd_time = time.monotonic()

    def _tick(self) -> None:
        fresh = time.monotonic() - self.cmd_time <= float(self.param("cmd_timeout"))
        v, w = self.cmd if fresh else (0.0, 0.0)
        self.env.drive(v, w)
        self.periods_since_camera += 1
        camera = self.periods_since_camera >= int(self.param("camera_every"))
        self._publish_sensors(camera, v, w)
        changed = self._judge(v, w)
        if changed or self.env.periods % int(self.param("status_every")) == 0:
            self._publish_status()

    def _judge(self, v: float, w: float) -> bool:
        """Stop detection: True when the state changed."""
        if abs(v) > STILL or abs(w) > STILL:
            self.still, self.moved_since_stop = 0.0, True
            if self.state != "moving":
                self.state = "moving"
                return True
            return False
        self.still += CONTROL_DT
        if self.moved_since_stop and self.still >= float(self.param("stop_after")):
            self.moved_since_stop = False
            self.success = self.env.stop_here()
            self.stops += 1
            self.state = "stopped"
            self.get_logger().info(f"robot stopped: success {self.success}")
            return True
        return False

    def _publish_sensors(self, camera: bool, v: float = 0.0, w: float = 0.0) -> None:
        now = self.get_clock().now().to_msg()
        self.pub_odom.publish(odometry(self.env.pose_estimate(), v, w, now, topics.ODOM_FRAME,
                                       topics.BASE_FRAME))
        if camera:
            self.periods_since_camera = 0
            rgb, depth = self.env.sense()
            self.pub_rgb.publish(rgb_image(rgb, now, topics.CAMERA_FRAME))
            self.pub_depth.publish(depth_image(depth, now, topics.CAMERA_FRAME))
            self.pub_info.publish(camera_info(self.env.camera, now, topics.CAMERA_FRAME))

    def status(self) -> dict:
        m = self.env.metrics()
        return {"seed": self.seed, "env_id": self.param("env_id"),
                "instruction": self.env.instruction, "goal": m["goal"], "state": self.state,
                "success": self.success, "stops": self.stops, "coverage": m["coverage"],
                "spl": m["spl"], "collisions": m["collisions"], "distance": m["distance"],
                "periods": m["periods"], "step_index": m["step_index"], "error": self.error,
                "relocalised": self.env.rig.relocalised,
                "pose_error": round(math.dist(self.env.world.pose()[:2],
                                              self.env.pose_estimate()[:2]), 4)}

    def _publish_status(self) -> None:
        self.pub_status.publish(String(data=json.dumps(self.status())))

    def close(self) -> None:
        self.env.close()


def main(args: list[str] | None = None) -> int:
    return spin_node(SimNode, "roomby-sim-node", (ValueError, OSError, gym.error.Error), args)


if __name__ == "__main__":
    sys.exit(main())
