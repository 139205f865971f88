"""The simulated Roomby on ROS 2: `roomby_sim` (a PyBullet home) and `roomby_agent`.

    ros2 launch roomby_ros sim.launch.py seed:=3 env_id:=Roomby/GoToRoom-v0
    ros2 topic pub --once /roomby/command std_msgs/String "{data: 'go to the office'}"
    ros2 topic echo /roomby/sim_status

Parameters come from config/sim.yaml (beside this launch folder in the package); the launch
arguments below override the ones they name.
"""

import os

from ament_index_python.packages import get_package_share_directory
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument
from launch.substitutions import LaunchConfiguration
from launch_ros.actions import Node

PACKAGE = "roomby_ros"


def generate_launch_description():
    config = os.path.join(get_package_share_directory(PACKAGE), "config", "sim.yaml")
    args = [
        DeclareLaunchArgument("env_id", default_value="Roomby/Mixed-v0",
                              description="registered env id of the episode"),
        DeclareLaunchArgument("seed", default_value="0", description="episode seed"),
        DeclareLaunchArgument("rooms_file", default_value="/tmp/roomby_rooms.yaml",
                              description="room labels the sim writes and the agent reads"),
        DeclareLaunchArgument("backend", default_value="torch", description="torch or onnx"),
        DeclareLaunchArgument("bundle", default_value="",
                              description="exported bundle folder (backend onnx)"),
    ]
    sim = Node(package=PACKAGE, executable="roomby-sim-node", name="roomby_sim", output="screen",
               parameters=[config, {"env_id": LaunchConfiguration("env_id"),
                                    "seed": LaunchConfiguration("seed"),
                                    "rooms_file": LaunchConfiguration("rooms_file")}])
    agent = Node(package=PACKAGE, executable="roomby-agent-node", name="roomby_agent",
                 output="screen",
                 parameters=[config, {"rooms_file": LaunchConfiguration("rooms_file"),
                                      "backend": LaunchConfiguration("backend"),
                                      "bundle": LaunchConfiguration("bundle")}])
    return LaunchDescription([*args, sim, agent])
