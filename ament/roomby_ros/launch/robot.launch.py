"""Roomby on a robot (Jetson, ROS 2 Humble or Jazzy): `roomby_agent` on the robot's topics,
optionally `roomby_speech` for spoken commands.

    ros2 launch roomby_ros robot.launch.py bundle:=/opt/roomby/bundle \
        rooms_file:=/opt/roomby/rooms.yaml speech:=true [managed:=true]

With `managed:=true` the agent is the lifecycle node (`roomby-agent-lifecycle-node`): it waits
unconfigured for the robot's lifecycle manager (e.g. nav2_lifecycle_manager with roomby_agent in
its node_names) or `ros2 lifecycle set /roomby_agent configure` then `activate`.

The robot's drivers provide /camera/image_raw, /camera/depth/image_raw, /camera/camera_info,
/odom (localised in the /map frame) and /map, and take /cmd_vel; remap here if theirs differ.
Parameters come from config/robot.yaml (beside this launch folder in the package).
"""

import os

from ament_index_python.packages import get_package_share_directory
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument
from launch.conditions import IfCondition, UnlessCondition
from launch.substitutions import LaunchConfiguration
from launch_ros.actions import Node

PACKAGE = "roomby_ros"


def generate_launch_description():
    config = os.path.join(get_package_share_directory(PACKAGE), "config", "robot.yaml")
    args = [
        DeclareLaunchArgument("bundle", default_value="/opt/roomby/bundle",
                              description="folder written by `roomby export --out`"),
        DeclareLaunchArgument("rooms_file", default_value="/opt/roomby/rooms.yaml",
                              description="the robot's labelled rooms"),
        DeclareLaunchArgument("cmd_vel_stamped", default_value="false",
                              description="publish TwistStamped instead of Twist"),
        DeclareLaunchArgument("speech", default_value="false",
                              description="also start roomby_speech on the microphone"),
        DeclareLaunchArgument("managed", default_value="false",
                              description="run the agent as a lifecycle (managed) node"),
    ]
    params = [config, {"bundle": LaunchConfiguration("bundle"),
                       "rooms_file": LaunchConfiguration("rooms_file"),
                       "cmd_vel_stamped": LaunchConfiguration("cmd_vel_stamped")}]
    agent = Node(package=PACKAGE, executable="roomby-agent-node", name="roomby_agent",
                 output="screen", parameters=params,
                 condition=UnlessCondition(LaunchConfiguration("managed")))
    managed = Node(package=PACKAGE, executable="roomby-agent-lifecycle-node",
                   name="roomby_agent", output="screen", parameters=params,
                   condition=IfCondition(LaunchConfiguration("managed")))
    speech = Node(package=PACKAGE, executable="roomby-speech-node", name="roomby_speech",
                  output="screen", parameters=[{"mic": True}],
                  condition=IfCondition(LaunchConfiguration("speech")))
    return LaunchDescription([*args, agent, managed, speech])
