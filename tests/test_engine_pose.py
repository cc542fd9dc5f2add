"""The body-language engine: rules on landmark sequences of known posture, and the real
model on videos of known motion generated from scikit-image's astronaut photograph.

The videos (engines/pose/synth.py) shift, scale, rotate, mirror, hide and double the
photograph frame by frame; each measure is checked against the motion it was built with.
"""

import json
import math
from pathlib import Path

import numpy as np
import pytest

from engines.pose import FramePose, analyse_video, measures, report_from_frames, with_points
from engines.pose import advice as advice_rules
from engines.pose.model import ModelMissing, PoseModel, load_pose_model
from engines.pose.synth import (
    ASTRONAUT_NOSE,
    ASTRONAUT_SHOULDERS,
    Placement,
    photo,
    shoulder_width_px,
    write_video,
)
from engines.pose.video import has_video

MODEL_DIR = Path(__file__).resolve().parents[1] / "var" / "pose-model"

# --- the rules, on landmarks made to measure --------------------------------------------


def pose(
    x: float = 320,
    *,
    width: float = 100,
    look_down: bool = False,
    turned: bool = False,
    hands: tuple[tuple[float, float], ...] = (),
) -> FramePose:
    """One lecturer seen from the front: shoulders `width` apart centred at (x, 200); hands
    at offsets from the shoulders' middle in shoulder widths (none: arms hanging)."""
    y = 200
    side = -1 if turned else 1  # turned round: the left shoulder shows on the picture's left
    nose_y = y - 0.55 * width + (0.35 * width if look_down else 0.0)
    ear_y = y - 0.6 * width
    points = {
        "left_shoulder": (x + side * width / 2, y, 0.99),
        "right_shoulder": (x - side * width / 2, y, 0.99),
        "left_hip": (x + side * width / 3, y + 1.6 * width, 0.9),
        "right_hip": (x - side * width / 3, y + 1.6 * width, 0.9),
        "nose": (x, nose_y, 0.1 if turned else 0.99),
        "left_eye": (x + 0.1 * width, ear_y - 0.05 * width, 0.1 if turned else 0.99),
        "right_eye": (x - 0.1 * width, ear_y - 0.05 * width, 0.1 if turned else 0.99),
        "left_ear": (x + 0.2 * width, ear_y, 0.9),
        "right_ear": (x - 0.2 * width, ear_y, 0.9),
    }
    down = [(0.45, 1.5), (-0.45, 1.5)]  # hanging by the hips, below the waist
    for name, (dx, dy) in zip(("left_wrist", "right_wrist"), [*hands, *down][:2], strict=True):
        points[name] = (x + dx * width, y + dy * width, 0.9)
    return FramePose(people=1, width=640, height=480, points=points)


def frames(seconds: float, make, per_second: float = 2.0):
    return [(i / per_second, make(i / per_second)) for i in range(round(seconds * per_second))]


def test_a_still_lecturer_facing_the_audience():
    report = report_from_frames(frames(60, lambda t: pose()), 60, bin_s=30)
    shares = report["shares"]
    assert (shares["facing"], shares["looking_down"], shares["turned_away"]) == (1.0, 0.0, 0.0)
    assert (shares["gesturing"], shares["walking"], shares["still"]) == (0.0, 0.0, 1.0)
    assert (shares["nobody"], shares["several"], shares["frames"]) == (0.0, 0.0, 120)
    assert [e["start_s"] for e in report["timeline"]] == [0.0, 30.0]


def test_looking_down_in_the_second_part_becomes_advice_for_that_part():
    # 9 minutes in three parts; in the second (180–360 s) the head is down 70 % of the time.
    def make(t):
        return pose(look_down=180 <= t < 180 + 126)

    report = report_from_frames(frames(540, make), 540)
    second = report["parts"][1]
    assert (second["name"], second["looking_down"]) == ("第二部分", 0.7)
    assert report["parts"][0]["looking_down"] == report["parts"][2]["looking_down"] == 0.0
    assert report["shares"]["looking_down"] == round(126 / 540, 3)
    assert "第二部分约 70% 时间低头看稿，可熟悉讲稿、多与听众目光交流" in report["advice"]


def test_parts_follow_the_knowledge_points_when_the_speech_report_has_them():
    points = [
        {"title": "初心使命", "start_s": 0.0, "end_s": 100.0},
        {"title": "基层治理", "start_s": 100.0, "end_s": 300.0},
    ]
    report = report_from_frames(frames(300, lambda t: pose(look_down=t < 50)), 300, points=points)
    assert [p["name"] for p in report["parts"]] == ["「初心使命」", "「基层治理」"]
    assert report["advice"][0].startswith("「初心使命」约 50% 时间低头看稿")


def test_gestures_only_in_the_first_five_minutes():
    def make(t):
        if t < 300:  # a raised hand swinging half a shoulder width every half second
            return pose(hands=((0.3 + 0.5 * (int(t * 2) % 2), -0.2),))
        return pose()

    report = report_from_frames(frames(1200, make), 1200)
    assert report["opening"]["gesturing"] == 1.0
    assert report["after_opening"]["gesturing"] == 0.0
    assert report["shares"]["gesturing"] == 0.25
    assert "手势集中在开场 5 分钟，之后几乎不动，讲到要点时可配合手势" in report["advice"]


def test_raised_but_still_hands_and_moving_hands_below_the_waist_are_no_gestures():
    raised_still = report_from_frames(frames(30, lambda t: pose(hands=((0.3, -0.2),))), 30)
    low_moving = report_from_frames(
        frames(30, lambda t: pose(hands=((0.5 * (int(t * 2) % 2), 1.4),))), 30
    )
    assert raised_still["shares"]["gesturing"] == low_moving["shares"]["gesturing"] == 0.0
    assert "全程手势很少（约 0% 时间），讲到要点时可配合手势" in raised_still["advice"]


def test_walking_is_measured_in_shoulder_widths_so_the_distance_to_the_camera_does_not_matter():
    for width in (50, 200):
        speed = 0.8 * width  # 0.8 shoulder widths a second, for 20 of the 60 seconds

        def make(t, width=width, speed=speed):
            return pose(100 + speed * min(max(t - 20, 0), 20), width=width)

        readings = measures.read_frames(frames(60, make))
        for r in readings:
            if abs(r.t - 20) > 1 and abs(r.t - 40) > 1:  # one window's blur at the turns
                assert r.walking == (20 < r.t < 40), (width, r.t)


def test_slow_swaying_is_standing_still():
    speed = 0.3 * measures.WALK_SPEED * 100
    report = report_from_frames(frames(60, lambda t: pose(320 + speed * (t % 4))), 60)
    assert report["shares"]["walking"] == 0.0


def test_turned_away_nobody_and_several_people_are_counted_as_such():
    def make(t):
        if t < 10:
            return pose(turned=True)
        if t < 20:
            return FramePose(people=0)
        if t < 30:
            return FramePose(people=2)
        return pose()

    report = report_from_frames(frames(40, make), 40, bin_s=10)
    shares = report["shares"]
    assert (shares["nobody"], shares["several"], shares["person_frames"]) == (0.25, 0.25, 40)
    assert (shares["turned_away"], shares["facing"]) == (0.5, 0.5)
    assert [(e["nobody"], e["several"], e["person_frames"]) for e in report["timeline"]] == [
        (0.0, 0.0, 20),
        (1.0, 0.0, 0),
        (0.0, 1.0, 0),
        (0.0, 0.0, 20),
    ]
    assert report["timeline"][1]["facing"] is None
    assert "约 50% 时间背对或侧对听众，讲解时宜少看屏幕、多面向听众" in report["advice"]
    assert (
        "约 30% 的画面中找不到讲课人（离开镜头或被遮挡），这些时间未计入肢体语言"
        in (report["advice"])
    )


def test_nobody_in_the_whole_video_says_so_and_nothing_else():
    report = report_from_frames(frames(20, lambda t: FramePose(people=0)), 20)
    assert report["advice"] == [
        "画面中始终没有找到唯一的讲课人，无法分析肢体语言（请检查机位是否对准讲台）"
    ]
    assert report["shares"]["facing"] is None


def test_the_thresholds_the_page_states_carry_the_constants():
    stated = dict(measures.THRESHOLDS)
    assert f"{measures.GESTURE_SPEED} 个肩宽" in stated["手势"]
    assert f"{measures.WALK_SPEED} 个肩宽" in stated["走动"]
    assert "35%" in stated["低头看稿"]
    assert advice_rules.about(0.68) == "70%" and advice_rules.about(0.04) == "4%"


# --- the real model -----------------------------------------------------------------------


def test_a_missing_model_says_how_to_install_it(tmp_path):
    with pytest.raises(ModelMissing, match="make install"):
        PoseModel(tmp_path)


def test_the_astronaut_photograph_yields_head_shoulders_and_hands_where_they_are():
    picture = np.asarray(photo())
    height, width = picture.shape[:2]
    found = load_pose_model(MODEL_DIR).estimate(picture)
    assert found.people == 1
    p = {name: (x / width, y / height, v) for name, (x, y, v) in found.points.items()}

    def near(name, where, tolerance=0.04):
        x, y, visibility = p[name]
        assert visibility > 0.9, name
        assert math.hypot(x - where[0], y - where[1]) < tolerance, (name, x, y)

    near("nose", ASTRONAUT_NOSE)
    near("right_shoulder", ASTRONAUT_SHOULDERS[0])
    near("left_shoulder", ASTRONAUT_SHOULDERS[1])
    assert p["left_eye"][0] > p["nose"][0] > p["right_eye"][0]  # she faces the camera
    assert p["left_ear"][1] < p["left_shoulder"][1]
    # Her hands are low at her sides (the left one on the helmet), each on its own side.
    for hand, shoulder in (("left_wrist", "left_shoulder"), ("right_wrist", "right_shoulder")):
        assert 0.65 < p[hand][1] < 0.85, hand
        assert abs(p[hand][0] - p[shoulder][0]) < 0.15, hand
    reading = measures.posture(0, found)
    assert reading.facing and not reading.looking_down


def _video(tmp_path, name, seconds, placement_at):
    return str(write_video(tmp_path / f"{name}.mp4", seconds, placement_at))


def _readings(path, bin_s=8):
    return analyse_video(path, model_dir=str(MODEL_DIR), bin_s=bin_s)


SMALL = 0.6  # two astronauts fit side by side at this size


def test_video_walking_there_and_back_between_still_stretches(tmp_path):
    speed = shoulder_width_px(SMALL) / 640  # one shoulder width a second, as a stage share

    def walk(t):
        if t < 8:
            return Placement(x=0.3, scale=SMALL)
        if t < 16:  # four seconds right, four back
            return Placement(x=0.3 + speed * (4 - abs(t - 12)), scale=SMALL)
        return Placement(x=0.3, scale=SMALL)

    report = _readings(_video(tmp_path, "walk", 24, walk))
    assert report["timeline"][0]["walking"] == 0.0
    assert report["timeline"][1]["walking"] >= 0.9
    assert report["timeline"][2]["walking"] <= 1 / 16  # the frame at 16 s still sees the walk
    assert report["shares"]["nobody"] == report["shares"]["several"] == 0.0
    assert report["shares"]["facing"] >= 0.95


def test_video_coming_towards_the_camera_is_walking_and_swaying_is_not(tmp_path):
    def approach(t):
        if t < 8:  # swaying ±8° every four seconds
            return Placement(angle=8 * math.sin(t * math.pi / 2), scale=0.5)
        grown = min(t - 8, 4) / 4  # then twice the size in four seconds, evenly in ratio
        return Placement(scale=0.5 * 2**grown, y=0.55 + 0.1 * grown)

    report = _readings(_video(tmp_path, "approach", 16, approach), bin_s=1)
    walking = [e["walking"] for e in report["timeline"]]
    assert walking[:7] == [0.0] * 7  # more than a window before the approach
    assert walking[9:11] == [1.0, 1.0]  # more than a window inside it
    assert walking[13:] == [0.0] * 3
    assert report["timeline"][0]["facing"] == 1.0


def test_video_mirrored_the_astronaut_still_faces_the_audience(tmp_path):
    report = _readings(_video(tmp_path, "mirror", 8, lambda t: Placement(mirror=True)))
    assert report["shares"]["facing"] == 1.0
    assert report["shares"]["walking"] == report["shares"]["gesturing"] == 0.0


def test_video_hidden_and_doubled_stretches_are_nobody_and_several(tmp_path):
    def stage(t):
        if 8 <= t < 16:
            return Placement(hidden=True)
        if 16 <= t < 24:
            return Placement(x=0.25, second_x=0.75, scale=SMALL)
        return Placement(x=0.25, scale=SMALL)

    path = _video(tmp_path, "hide", 32, stage)
    assert has_video(path)
    report = _readings(path)
    assert [(e["nobody"], e["several"]) for e in report["timeline"]] == [
        (0.0, 0.0),
        (1.0, 0.0),
        (0.0, 1.0),
        (0.0, 0.0),
    ]
    assert report["shares"]["nobody"] == report["shares"]["several"] == 0.25
    # The lecturer reappearing where they left is no walk.
    assert report["timeline"][3]["walking"] == 0.0


def test_an_audio_file_has_no_video(tmp_path):
    wav = tmp_path / "a.wav"
    import wave

    with wave.open(str(wav), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes(b"\0\0" * 16000)
    assert not has_video(str(wav))


def test_a_stored_report_regroups_by_corrected_knowledge_points():
    points = [
        {"title": "甲", "start_s": 0.0, "end_s": 100.0},
        {"title": "乙", "start_s": 100.0, "end_s": 200.0},
    ]
    report = report_from_frames(frames(200, lambda t: pose(look_down=t < 60)), 200, points=points)
    assert [p["looking_down"] for p in report["parts"]] == [0.6, 0.0]
    stored = json.loads(json.dumps(report))
    moved = with_points(stored, [{**points[0], "end_s": 60.0}, {**points[1], "start_s": 60.0}])
    assert [p["looking_down"] for p in moved["parts"]] == [1.0, 0.0]
    assert moved["advice"][0].startswith("「甲」约 100% 时间低头看稿")
    assert report["parts"][0]["looking_down"] == 0.6  # the stored report is left as it was


def test_an_mp3_with_a_cover_picture_has_no_video(tmp_path):
    import av

    from engines.pose.synth import render

    path = tmp_path / "cover.mp3"
    with av.open(str(path), "w", format="mp3") as container:
        sound = container.add_stream("mp3", rate=16000)
        sound.layout = "mono"
        cover = container.add_stream("mjpeg", rate=1)
        cover.width, cover.height, cover.pix_fmt = 640, 360, "yuvj420p"
        cover.disposition = av.stream.Disposition.attached_pic.value
        frame = av.VideoFrame.from_ndarray(render(Placement()), format="rgb24")
        container.mux(cover.encode(frame.reformat(format="yuvj420p")))
        container.mux(cover.encode())
        silence = av.AudioFrame.from_ndarray(
            np.zeros((1, 16000), dtype=np.int16), format="s16", layout="mono"
        )
        silence.sample_rate = 16000
        container.mux(sound.encode(silence))
        container.mux(sound.encode())
    assert not has_video(str(path))
