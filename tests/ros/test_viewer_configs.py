"""The RViz2 config and the Foxglove layout in the ament package name only topics that Roomby's
nodes publish, with the types they publish, and show every viewer topic."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from agent.viewer import topics

CONFIG = Path(__file__).resolve().parents[2] / "ament" / "roomby_ros" / "config"
PUBLISHED = topics.RECORDED
"""Topic -> type for what the nodes publish: the agent node's /cmd_vel, status and viewer
topics, the sim node's (or a robot's drivers') map, odometry and camera."""
RVIZ_TYPES = {
    "rviz_default_plugins/Map": "nav_msgs/msg/OccupancyGrid",
    "rviz_default_plugins/MarkerArray": "visualization_msgs/msg/MarkerArray",
    "rviz_default_plugins/Pose": "geometry_msgs/msg/PoseStamped",
    "rviz_default_plugins/Path": "nav_msgs/msg/Path",
    "rviz_default_plugins/Odometry": "nav_msgs/msg/Odometry",
    "rviz_default_plugins/Image": "sensor_msgs/msg/Image",
}
"""The message type each RViz2 display subscribes with."""
LATCHED = {topics.MAP} | (set(topics.VIEWER) - {topics.CAMERA_OVERLAY})
BEST_EFFORT = {topics.IMAGE, topics.CAMERA_OVERLAY}


def rviz_displays() -> list[dict]:
    doc = yaml.safe_load((CONFIG / "roomby.rviz").read_text())
    assert doc["Visualization Manager"]["Global Options"]["Fixed Frame"] == topics.MAP_FRAME
    return [d for d in doc["Visualization Manager"]["Displays"] if "Topic" in d]


def test_rviz_config_names_published_topics_with_their_types_and_qos():
    shown = set()
    for d in rviz_displays():
        topic, qos = d["Topic"]["Value"], d["Topic"]
        assert topic in PUBLISHED, f"roomby.rviz shows {topic}, which no Roomby node publishes"
        assert RVIZ_TYPES[d["Class"]] == PUBLISHED[topic], (topic, d["Class"])
        # A viewer's QoS must match the publisher's: a latched topic needs Transient Local to
        # get the last message, a best-effort camera a Best Effort subscription.
        want = "Transient Local" if topic in LATCHED else "Volatile"
        assert qos["Durability Policy"] == want, topic
        assert qos["Reliability Policy"] == ("Best Effort" if topic in BEST_EFFORT
                                             else "Reliable"), topic
        shown.add(topic)
    assert set(topics.VIEWER) <= shown, set(topics.VIEWER) - shown


def test_foxglove_layout_names_published_topics():
    layout = json.loads((CONFIG / "roomby.foxglove.json").read_text())
    named: list[str] = []
    for panel_id, cfg in layout["configById"].items():
        kind = panel_id.split("!")[0]
        if kind == "3D":
            assert cfg["followTf"] == topics.MAP_FRAME
            named += list(cfg["topics"])
        elif kind == "Image":
            named.append(cfg["imageMode"]["imageTopic"])
        elif kind == "RawMessages":
            named.append(cfg["topicPath"])
    unknown = [t for t in named if t not in PUBLISHED]
    assert not unknown, f"roomby.foxglove.json names topics no node publishes: {unknown}"
    assert set(topics.VIEWER) | {topics.STATUS} <= set(named)
    # Every panel the layout places is configured, and every configured panel is placed.
    placed = json.dumps(layout["layout"])
    assert all(panel_id in placed for panel_id in layout["configById"])
