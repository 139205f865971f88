"""`roomby_speech`: spoken commands to `/roomby/command` (std_msgs/String).

Runs as `roomby-speech-node` here or from a launch file on a robot (ROS 2 Humble or Jazzy).
The node converts and publishes; hearing is `agent.speech`. The text it publishes is what
`roomby listen` prints, i.e. exactly what a typed command would be.

Parameters:
- `wav` (string, ""): a WAV file to recognise at start. Setting it later
  (`ros2 param set /roomby_speech wav /path/to/command.wav`) recognises that file too.
- `mic` (bool, false): listen to the default microphone (`arecord` or `sox`) and publish every
  utterance that is a command.
- `once` (bool, false): exit after the start-up `wav` was handled: status 0 if it was
  published, 1 if it was not a command. By default the node keeps running, so `wav` can be
  set again.
- `wait_for_subscriber` (double, 5.0 s): hold a start-up command until something subscribes
  to `/roomby/command` (or this long), so a command is not published into the void while DDS
  discovery is still under way.

What is not a command (silence, other speech, an unreadable file) is logged as a warning and
not published; the node keeps running. No microphone in `mic` mode is an error: the node logs
it and exits with status 1.
"""

from __future__ import annotations

import sys
import threading
import time

import rclpy
from rcl_interfaces.msg import SetParametersResult
from rclpy.duration import Duration
from rclpy.executors import ExternalShutdownException
from std_msgs.msg import String

from agent.speech import Heard, Recognizer
from ros import topics
from ros.node_base import RoombyNode

TOPIC = topics.COMMAND


PARAMETERS: dict[str, object] = {"wav": "", "mic": False, "once": False,
                                 "wait_for_subscriber": 5.0}
"""Parameters and defaults (see the module doc)."""


class SpeechNode(RoombyNode):
    """Publishes the text of spoken commands on /roomby/command."""

    def __init__(self, recognizer: Recognizer | None = None):
        super().__init__("roomby_speech", PARAMETERS)
        self.publisher = self.create_publisher(String, TOPIC, topics.EVENTS)
        self.recognizer = recognizer or Recognizer()
        self.finished = False
        self.exit_code = 0
        self._lock = threading.Lock()
        self._pending: list[str] = []
        self._started = time.monotonic()
        wav = self.get_parameter("wav").value
        if wav:
            self._pending.append(wav)
        elif self.get_parameter("once").value and not self.get_parameter("mic").value:
            self.get_logger().error("'once' without a 'wav' path: nothing to do")
            self.finished, self.exit_code = True, 1
        self.add_on_set_parameters_callback(self._on_parameters)
        self._timer = self.create_timer(0.1, self._tick)
        self._mic_thread: threading.Thread | None = None
        if self.get_parameter("mic").value:
            self._mic_thread = threading.Thread(target=self._listen, daemon=True)
            self._mic_thread.start()
        self.get_logger().info(f"publishing spoken commands on {TOPIC}")

    def _on_parameters(self, params: list) -> SetParametersResult:
        for p in params:
            if p.name == "wav" and p.value:
                with self._lock:
                    self._pending.append(p.value)
        return SetParametersResult(successful=True)

    def _tick(self) -> None:
        with self._lock:
            if not self._pending:
                return
            waited = time.monotonic() - self._started
            if (self.publisher.get_subscription_count() == 0
                    and waited < self.get_parameter("wait_for_subscriber").value):
                return
            path = self._pending.pop(0)
        published = self.publish(self.recognizer.hear_file(path), path)
        if self.get_parameter("once").value and not self._pending:
            # Exiting destroys the writer: without waiting for the acknowledgement a reliable
            # message that is still in flight is lost with it.
            if published and not self.publisher.wait_for_all_acked(Duration(seconds=5.0)):
                self.get_logger().warning("no subscriber acknowledged the command in 5 s")
            self.finished = True
            self.exit_code = 0 if published else 1

    def publish(self, heard: Heard, source: str) -> bool:
        """Publish `heard` if it is a command; log why not otherwise."""
        if not heard.ok:
            self.get_logger().warning(f"{source}: {heard.message}")
            return False
        self.publisher.publish(String(data=heard.text))
        self.get_logger().info(f"{source}: heard '{heard.text}' -> {heard.goal}")
        return True

    def _listen(self) -> None:
        from agent.speech.mic import Microphone, MicrophoneError, utterances

        try:
            with Microphone() as mic:
                for pcm in utterances(mic.chunks()):
                    if self.finished:
                        return
                    self.publish(self.recognizer.hear(pcm), "microphone")
        except MicrophoneError as e:
            self.get_logger().error(str(e))
            self.exit_code = 1
        self.finished = True


def main(args: list[str] | None = None) -> int:
    rclpy.init(args=args)
    node = None
    code = 0
    try:
        node = SpeechNode()
        while rclpy.ok() and not node.finished:
            rclpy.spin_once(node, timeout_sec=0.1)
        code = node.exit_code
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    finally:
        if node is not None:
            node.destroy_node()
        if rclpy.ok():
            rclpy.shutdown()
    return code


if __name__ == "__main__":
    sys.exit(main())
