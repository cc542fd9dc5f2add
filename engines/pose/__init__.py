"""Body language from a lesson's video: faces the audience, looks down, gestures, walks.

Pure Python, no Django (house rule 8). The BlazePose model (Apache-2.0) comes inside the
npm package `@mediapipe/pose`, unpacked by `make install`; LiteRT (`ai-edge-litert`) runs
it on the CPU. Nothing is downloaded at run time.
"""

from engines.pose.analysis import analyse_video, read_video, report_from_frames, with_points
from engines.pose.model import FramePose, ModelMissing
from engines.pose.video import VideoError, has_video

__all__ = [
    "FramePose",
    "ModelMissing",
    "VideoError",
    "analyse_video",
    "has_video",
    "read_video",
    "report_from_frames",
    "with_points",
]
