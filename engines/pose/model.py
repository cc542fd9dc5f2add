"""BlazePose (MediaPipe Pose, Apache-2.0) run on the CPU through LiteRT (`ai-edge-litert`).

The model files come inside the npm package `@mediapipe/pose`, unpacked by `make install`
into `var/pose-model/` (the Makefile checks the package's SHA-256): the landmark model
`pose_landmark_lite.tflite` and the person detector, which the package carries as
`pose_solution_packed_assets.data` (a single embedded file, byte for byte the detector's
.tflite). Nothing is downloaded at run time.

One frame → `FramePose`: how many people the detector finds and, when it finds exactly
one, the 33 body landmarks in image pixels with their visibility. The pipeline follows
MediaPipe's own graph: letterboxed 224×224 detection, a rotated square crop aligned on
the hip centre and the point above the head, 256×256 landmarks mapped back to the image.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

MODEL_NAME = "MediaPipe BlazePose lite"
MODEL_LICENCE = "Apache-2.0"
NPM_PACKAGE = "@mediapipe/pose@0.5.1675469404"
LANDMARK_FILE = "pose_landmark_lite.tflite"
DETECTOR_FILE = "pose_solution_packed_assets.data"

DETECTOR_SIZE = 224
LANDMARK_SIZE = 256
PERSON_SCORE = 0.5  # detector confidence for "a person is here" (MediaPipe's own default)
# Two detections are one person when their hip centres lie closer than this share of the
# body's length (hip centre to the point above the head). The detector's boxes cannot say
# it: this model regresses a box of constant size.
SAME_PERSON_DISTANCE = 0.5
POSE_PRESENCE = 0.5  # the landmark model's own "this crop holds a body" score

LANDMARK_NAMES = (
    "nose", "left_eye_inner", "left_eye", "left_eye_outer", "right_eye_inner", "right_eye",
    "right_eye_outer", "left_ear", "right_ear", "mouth_left", "mouth_right", "left_shoulder",
    "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_pinky",
    "right_pinky", "left_index", "right_index", "left_thumb", "right_thumb", "left_hip",
    "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle", "left_heel",
    "right_heel", "left_foot_index", "right_foot_index",
)  # fmt: skip


class ModelMissing(RuntimeError):
    pass


@dataclass
class FramePose:
    """What one frame shows: `people` found (0, 1, 2 = "two or more") and, for exactly one,
    landmark name → (x, y, visibility) in pixels of a `width`×`height` frame."""

    people: int
    width: int = 0
    height: int = 0
    points: dict[str, tuple[float, float, float]] = field(default_factory=dict)


def model_files(directory: str | Path) -> tuple[Path, Path]:
    directory = Path(directory)
    landmark, detector = directory / LANDMARK_FILE, directory / DETECTOR_FILE
    for path in (landmark, detector):
        if not path.is_file():
            raise ModelMissing(
                f"缺少姿态识别模型文件 {path.name}（npm 包 {NPM_PACKAGE}），请运行 make install"
            )
    return landmark, detector


def _anchors() -> np.ndarray:
    """SSD anchor centres of the pose detector: strides 8, 16, 32 (×3 layers), two anchors
    per layer and cell, fixed size (MediaPipe's pose_detection graph)."""
    centres = []
    for stride, per_cell in ((8, 2), (16, 2), (32, 6)):
        cells = math.ceil(DETECTOR_SIZE / stride)
        for y in range(cells):
            for x in range(cells):
                centres.extend([((x + 0.5) / cells, (y + 0.5) / cells)] * per_cell)
    return np.asarray(centres, dtype=np.float32)


def _same_person(a: list[np.ndarray], b: list[np.ndarray]) -> bool:
    """`a` and `b`: (hip centre, point above the head) of two detections."""
    length = max(np.hypot(*(a[1] - a[0])), np.hypot(*(b[1] - b[0])))
    return bool(np.hypot(*(a[0] - b[0])) < SAME_PERSON_DISTANCE * length)


class PoseModel:
    """Loaded once per process; `estimate(frame)` with an RGB uint8 array (H, W, 3)."""

    def __init__(self, directory: str | Path, cpu_threads: int = 1):
        landmark, detector = model_files(directory)
        from ai_edge_litert.interpreter import Interpreter

        self.detector = Interpreter(model_path=str(detector), num_threads=cpu_threads)
        self.landmarker = Interpreter(model_path=str(landmark), num_threads=cpu_threads)
        for interpreter in (self.detector, self.landmarker):
            interpreter.allocate_tensors()
        self.anchors = _anchors()
        self.lock = threading.Lock()

    @staticmethod
    def _run(interpreter, tensor: np.ndarray) -> dict[str, np.ndarray]:
        interpreter.set_tensor(interpreter.get_input_details()[0]["index"], tensor)
        interpreter.invoke()
        return {
            d["name"]: interpreter.get_tensor(d["index"]) for d in interpreter.get_output_details()
        }

    def detect(self, frame: np.ndarray) -> list[dict]:
        """People in the frame, best first: score and the two alignment keypoints (hip
        centre, point above the head) in pixels."""
        height, width = frame.shape[:2]
        side = max(width, height)
        square = np.zeros((side, side, 3), dtype=np.uint8)
        left, top = (side - width) // 2, (side - height) // 2
        square[top : top + height, left : left + width] = frame
        small = Image.fromarray(square).resize((DETECTOR_SIZE, DETECTOR_SIZE), Image.BILINEAR)
        tensor = (np.asarray(small, dtype=np.float32) / 127.5 - 1.0)[None]
        out = self._run(self.detector, tensor)
        raw, logits = out["Identity"][0], out["Identity_1"][0, :, 0]
        scores = 1.0 / (1.0 + np.exp(-np.clip(logits.astype(np.float64), -100, 100)))
        found = []
        for i in np.argsort(-scores):
            if scores[i] < PERSON_SCORE:
                break
            values = raw[i] / DETECTOR_SIZE
            shift = np.array([left, top])
            keypoints = [
                (values[4 + 2 * k : 6 + 2 * k] + self.anchors[i]) * side - shift for k in range(2)
            ]
            if any(_same_person(keypoints, other["keypoints"]) for other in found):
                continue
            found.append({"score": float(scores[i]), "keypoints": keypoints})
        return found

    def landmarks(self, frame: np.ndarray, person: dict) -> dict[str, tuple[float, float, float]]:
        """The 33 landmarks of the detected `person`, or {} when the crop holds no body."""
        hip, above_head = person["keypoints"]
        dx, dy = above_head - hip
        size = 2.0 * math.hypot(dx, dy) * 1.25  # MediaPipe: box of twice the distance, ×1.25
        rotation = math.pi / 2 - math.atan2(-dy, dx)
        cos, sin = math.cos(rotation), math.sin(rotation)
        scale = size / LANDMARK_SIZE
        # Output pixel (u, v) of the crop samples the image at centre + R·((u, v) − half)·scale.
        half = LANDMARK_SIZE / 2
        a, b = cos * scale, -sin * scale
        d, e = sin * scale, cos * scale
        c = hip[0] - (a * half + b * half)
        f = hip[1] - (d * half + e * half)
        crop = Image.fromarray(frame).transform(
            (LANDMARK_SIZE, LANDMARK_SIZE), Image.AFFINE, (a, b, c, d, e, f), Image.BILINEAR
        )
        tensor = (np.asarray(crop, dtype=np.float32) / 255.0)[None]
        out = self._run(self.landmarker, tensor)
        if float(out["Identity_1"].ravel()[0]) < POSE_PRESENCE:
            return {}
        values = out["Identity"][0].reshape(39, 5)[: len(LANDMARK_NAMES)]
        points = {}
        for name, (u, v, _z, visibility, _presence) in zip(LANDMARK_NAMES, values, strict=True):
            x = a * u + b * v + c
            y = d * u + e * v + f
            points[name] = (float(x), float(y), float(1.0 / (1.0 + math.exp(-visibility))))
        return points

    def estimate(self, frame: np.ndarray) -> FramePose:
        height, width = frame.shape[:2]
        with self.lock:  # one model per process; an interpreter runs one frame at a time
            people = self.detect(frame)
            if len(people) != 1:
                return FramePose(people=min(len(people), 2), width=width, height=height)
            points = self.landmarks(frame, people[0])
        return FramePose(people=1 if points else 0, width=width, height=height, points=points)


_loaded: dict[tuple[str, int], PoseModel] = {}


def load_pose_model(directory: str | Path, cpu_threads: int = 1) -> PoseModel:
    key = (str(directory), cpu_threads)
    if key not in _loaded:
        _loaded[key] = PoseModel(directory, cpu_threads)
    return _loaded[key]
