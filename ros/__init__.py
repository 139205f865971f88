"""Roomby's ROS 2 nodes (thin rclpy wrappers around `agent` and `sim`); built by the ROS bridge
issue. Nothing here yet: `import ros` is empty on purpose."""
