"""Roomby's ROS 2 nodes: thin rclpy wrappers around `agent` and `sim`.

- `ros.speech_node`: `roomby_speech` (console script `roomby-speech-node`), spoken commands to
  `/roomby/command`.

`import ros` imports no node, so it works without rclpy; each node module imports rclpy itself.
"""
