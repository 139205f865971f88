"""The ament_python package `roomby_ros`: entry points for `ros2 run`/`ros2 launch`, the launch
files (launch/) and their parameter files (config/). The nodes themselves are the `ros` package
of the `roomby` distribution (pip install "roomby[robot]" first); this package installs no
Python modules.

    cd ~/ros2_ws/src && git clone <roomby> && pip install "./roomby[robot]"
    cd ~/ros2_ws && colcon build --packages-select roomby_ros && source install/setup.bash
"""

from glob import glob

from setuptools import setup

PACKAGE = "roomby_ros"

setup(
    name=PACKAGE,
    version="0.1.0",
    packages=[],
    data_files=[
        ("share/ament_index/resource_index/packages", [f"resource/{PACKAGE}"]),
        (f"share/{PACKAGE}", ["package.xml"]),
        (f"share/{PACKAGE}/launch", sorted(glob("launch/*.launch.py"))),
        (f"share/{PACKAGE}/config", sorted(glob("config/*.yaml") + glob("config/*.rviz")
                                          + glob("config/*.json"))),
    ],
    install_requires=["setuptools"],
    zip_safe=True,
    maintainer="Roomby team",
    maintainer_email="team@roomby.dev",
    description="Roomby's ROS 2 nodes, launch files and parameters",
    license="Apache-2.0",
    entry_points={"console_scripts": [
        "roomby-agent-node = ros.agent_node:main",
        "roomby-agent-lifecycle-node = ros.agent_lifecycle_node:main",
        "roomby-sim-node = ros.sim_node:main",
        "roomby-speech-node = ros.speech_node:main",
    ]},
)
