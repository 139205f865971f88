"""`roomby export`: a checkpoint to the ONNX bundle the torch-free runtime runs, the graphs it
traces, and the same graphs served from torch (the ROS agent node's torch backend)."""
