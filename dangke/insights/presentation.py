"""Report data shaped for pages, the PDF and charts (plain functions, no queries)."""

import re
from html import escape

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

CLOCK = re.compile(r"^(?:(\d+):)?(\d+(?:\.\d+)?)$")


def clock(seconds) -> str:
    if seconds is None:
        return "—"
    seconds = round(float(seconds))
    minutes, secs = divmod(seconds, 60)
    return f"{minutes}:{secs:02d}"


def parse_clock(text: str) -> float:
    """'12:30' or '750' (seconds) → 750.0; ValueError with the reason otherwise."""
    match = CLOCK.match(text.replace("：", ":").strip())
    if not match:
        raise ValueError(_("时间「%(text)s」格式不对，请写成 分:秒，如 12:30") % {"text": text})
    minutes, seconds = match.groups()
    return int(minutes or 0) * 60 + float(seconds)


def headline(report: dict) -> dict:
    """The few figures a list row or a comparison shows."""
    if not report:
        return {}
    fillers = report.get("fillers") or {}
    pitch = report.get("pitch") or {}
    points = report.get("points") or []
    return {
        "duration": clock(report.get("duration_s")),
        "duration_min": round((report.get("duration_s") or 0) / 60, 1),
        "cpm": report.get("speech_rate_cpm"),
        "spm": report.get("syllable_rate_spm"),
        "pitch_range": pitch.get("range_semitones"),
        "fillers_per_min": fillers.get("per_min"),
        "pauses": len(report.get("pauses") or []),
        "off_plan": sum(
            1 for p in points if p.get("over_min") is not None and abs(p["over_min"]) >= 1
        ),
        "advice": len(report.get("advice") or []),
    }


def report_view(report: dict, query: str = "") -> dict:
    long_pause = report.get("long_pause_s", 2.0)
    transcript = report.get("transcript") or []
    if query:
        transcript = [s for s in transcript if query in s["text"]]
    low, high = report.get("comfortable_cpm") or (160, 240)
    return {
        "headline": headline(report),
        "comfortable": f"{low}–{high}",
        "points": [
            {
                **p,
                "start": clock(p["start_s"]),
                "end": clock(p["end_s"]),
                "state": (
                    "over"
                    if (p.get("over_min") or 0) >= 1
                    else "under"
                    if (p.get("over_min") or 0) <= -1
                    else "ok"
                ),
            }
            for p in report.get("points") or []
        ],
        "manual": any(p.get("source") == "manual" for p in report.get("points") or []),
        "transcript": [
            {"start": clock(s["start_s"]), "end": clock(s["end_s"]), "text": s["text"]}
            for s in transcript
        ],
        "transcript_total": len(report.get("transcript") or []),
        "long_pauses": [
            {
                "start": clock(p["start_s"]),
                "end": clock(p["end_s"]),
                "length": round(p["end_s"] - p["start_s"], 1),
            }
            for p in report.get("pauses") or []
            if p["end_s"] - p["start_s"] >= long_pause
        ],
        "pause_count": len(report.get("pauses") or []),
        "fillers": sorted(
            ((report.get("fillers") or {}).get("counts") or {}).items(), key=lambda kv: -kv[1]
        ),
        "monotone": [
            {"start": clock(s["start_s"]), "end": clock(s["end_s"])}
            for s in (report.get("pitch") or {}).get("monotone_spans", [])
        ],
    }


def chart_data(report: dict) -> dict:
    timeline = report.get("timeline") or []
    points = report.get("points") or []
    return {
        "labels": [clock(e["start_s"]) for e in timeline],
        "cpm": [e.get("cpm") for e in timeline],
        "spm": [e.get("spm") for e in timeline],
        "pitch": [e.get("pitch_hz") for e in timeline],
        "pitch_range": [e.get("pitch_range_st") for e in timeline],
        "pause": [e.get("pause_s") for e in timeline],
        "fillers": [e.get("fillers") for e in timeline],
        "comfortable": report.get("comfortable_cpm") or [160, 240],
        "bin_s": report.get("bin_s", 60),
        "boundaries": [
            {"index": int(p["start_s"] // report.get("bin_s", 60)), "title": p["title"]}
            for p in points
        ],
        "points": {
            "titles": [p["title"] for p in points],
            "planned": [p.get("planned_min") for p in points],
            "actual": [p.get("actual_min") for p in points],
        },
        "series_names": {
            "cpm": _("字/分（转写）"),
            "spm": _("音节/分（声音）"),
            "pitch": _("音高中位数(Hz)"),
            "pitch_range": _("音高幅度(半音)"),
            "pause": _("停顿(秒)"),
            "fillers": _("口头语(次)"),
            "planned": _("计划(分钟)"),
            "actual": _("实际(分钟)"),
            "comfortable": _("适宜语速"),
        },
    }


def history(analysis, report: dict, earlier) -> list[dict]:
    """This report beside the teacher's earlier ones (newest first)."""
    rows = []
    if report:
        rows.append({"analysis": analysis, "current": True, **headline(report)})
    for other in earlier:
        rows.append({"analysis": other, "current": False, **headline(other.report)})
    return rows


def rate_svg(report: dict, width: int = 640, height: int = 160) -> str:
    """The speech rate over time as a small SVG (for the PDF, which runs no JavaScript):
    the comfortable band shaded, the text's and the audio's rates as two lines."""
    timeline = report.get("timeline") or []
    low, high = report.get("comfortable_cpm") or (160, 240)
    values = [v for e in timeline for v in (e.get("cpm"), e.get("spm")) if v is not None]
    top = max([high * 1.25, *values]) if values else high * 1.25
    left, bottom = 36, 18
    plot_w, plot_h = width - left - 8, height - bottom - 8
    count = max(len(timeline), 1)

    def x(i: int) -> float:
        return left + plot_w * (i + 0.5) / count

    def y(v: float) -> float:
        return 8 + plot_h * (1 - v / top)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-size="9">',
        f'<rect x="{left}" y="{y(high):.1f}" width="{plot_w}" height="{y(low) - y(high):.1f}" '
        'fill="#e8f5e9"/>',
        f'<line x1="{left}" y1="{8 + plot_h}" x2="{left + plot_w}" y2="{8 + plot_h}" '
        'stroke="#888"/>',
    ]
    for value in (low, high):
        parts.append(f'<text x="2" y="{y(value) + 3:.1f}">{value}</text>')
    for key, colour in (("cpm", "#b71c1c"), ("spm", "#1565c0")):
        points = " ".join(
            f"{x(i):.1f},{y(e[key]):.1f}" for i, e in enumerate(timeline) if e.get(key) is not None
        )
        if points:
            parts.append(
                f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="1.5"/>'
            )
    step = max(1, count // 8)
    for i in range(0, count, step):
        parts.append(
            f'<text x="{x(i):.1f}" y="{height - 4}" text-anchor="middle">'
            f"{clock(timeline[i]['start_s'])}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def point_bars(report: dict) -> list[dict]:
    """Planned and actual minutes of each point as shares of the longest, for CSS bars."""
    points = report.get("points") or []
    longest = max(
        [p.get("planned_min") or 0 for p in points] + [p.get("actual_min") or 0 for p in points]
        or [1]
    )
    longest = longest or 1
    return [
        {
            "title": p["title"],
            "planned": p.get("planned_min"),
            "actual": p.get("actual_min"),
            "planned_pct": round(100 * (p.get("planned_min") or 0) / longest),
            "actual_pct": round(100 * (p.get("actual_min") or 0) / longest),
        }
        for p in points
    ]


# Rows of the body-language timeline: (measure, label, colour). A cell's strength is the
# measure's share of that stretch; nobody/several are shares of all frames, the rest of the
# frames that show the lecturer.
BODY_ROWS = (
    ("facing", gettext_lazy("面向听众"), "#2e7d32"),
    ("looking_down", gettext_lazy("低头看稿"), "#ef6c00"),
    ("turned_away", gettext_lazy("背对/侧对"), "#616161"),
    ("gesturing", gettext_lazy("手势"), "#1565c0"),
    ("walking", gettext_lazy("走动"), "#6a1b9a"),
    ("nobody", gettext_lazy("无人"), "#9e9e9e"),
    ("several", gettext_lazy("多人"), "#795548"),
)


def _percent(share) -> str:
    return "—" if share is None else f"{round(share * 100)}%"


def body_view(report: dict, *, fluid: bool = False) -> dict | None:
    """The body-language section, or None when it was not analysed."""
    body = report.get("body_language") or {}
    if not body.get("analysed"):
        return None
    shares = body.get("shares") or {}
    return {
        "shares": [
            {"key": key, "label": label, "colour": colour, "percent": _percent(shares.get(key))}
            for key, label, colour in BODY_ROWS
        ],
        "parts": [
            {
                "name": part["name"],
                "start": clock(part["start_s"]),
                "end": clock(part["end_s"]),
                **{key: _percent(part.get(key)) for key, _label, _colour in BODY_ROWS},
            }
            for part in body.get("parts") or []
        ],
        "advice": body.get("advice") or [],
        "thresholds": body.get("thresholds") or [],
        "frames": shares.get("frames", 0),
        "per_second": body.get("samples_per_second"),
        "model": body.get("model"),
        "licence": body.get("model_licence"),
        "svg": body_svg(report, fluid=fluid) if fluid else body_svg(report, width=640),
    }


def body_svg(report: dict, width: int = 960, *, fluid: bool = False) -> str:
    """The body-language timeline as an SVG strip per measure, cells shaded by share, with
    the knowledge points' starts marked: drawn on the server for the page (`fluid`: as wide
    as the speech chart above it) and the PDF."""
    body = report.get("body_language") or {}
    timeline = body.get("timeline") or []
    duration = body.get("duration_s") or report.get("duration_s") or 1
    left, top, row_h = 64, 16, 16
    plot_w = width - left - 8
    height = top + row_h * len(BODY_ROWS) + 18

    def x(seconds: float) -> float:
        return left + plot_w * min(seconds, duration) / duration

    name = escape(_("肢体语言时间轴"))
    size = 'width="100%"' if fluid else f'width="{width}" height="{height}"'
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" {size} '
        f'viewBox="0 0 {width} {height}" font-size="9" role="img" aria-label="{name}">'
    ]
    for row, (key, label, colour) in enumerate(BODY_ROWS):
        y = top + row * row_h
        parts.append(f'<text x="2" y="{y + 11}">{escape(str(label))}</text>')
        parts.append(
            f'<rect x="{left}" y="{y + 1}" width="{plot_w}" height="{row_h - 2}" fill="#f5f5f5"/>'
        )
        for entry in timeline:
            share = entry.get(key)
            if not share:
                continue
            parts.append(
                f'<rect x="{x(entry["start_s"]):.1f}" y="{y + 1}" '
                f'width="{max(x(entry["end_s"]) - x(entry["start_s"]), 0.5):.1f}" '
                f'height="{row_h - 2}" fill="{colour}" fill-opacity="{share:.2f}">'
                f"<title>{escape(str(label))} {clock(entry['start_s'])} {_percent(share)}</title>"
                "</rect>"
            )
    bottom = top + row_h * len(BODY_ROWS)
    for point in report.get("points") or []:
        px, title = x(point["start_s"]), escape(point["title"][:10])
        parts.append(
            f'<line x1="{px:.1f}" y1="{top - 2}" x2="{px:.1f}" y2="{bottom}" '
            'stroke="#b71c1c" stroke-dasharray="2,2"/>'
            f'<text x="{px + 2:.1f}" y="{top - 4}" fill="#b71c1c">{title}</text>'
        )
    for i in range(5):
        seconds = duration * i / 4
        anchor = "start" if i == 0 else "end" if i == 4 else "middle"
        parts.append(
            f'<text x="{x(seconds):.1f}" y="{height - 4}" text-anchor="{anchor}">'
            f"{clock(seconds)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
