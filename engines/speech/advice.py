"""Concrete coaching advice derived from the report's figures (no model, plain rules)."""

from __future__ import annotations

OVER_MIN = 1.0  # a point is over or under plan by at least this many minutes …
OVER_SHARE = 0.2  # … and by at least this share of its planned time
FILLERS_PER_MIN = 4.0
LONG_PAUSE_ADVICE_S = 5.0


def clock(seconds: float, bin_s: int) -> str:
    """12 (minutes) when the timeline is per minute, 1:30 otherwise."""
    if bin_s >= 60:
        return f"{round(seconds / 60)}"
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}:{secs:02d}"


def _runs(timeline: list[dict], flag: str) -> list[tuple[float, float]]:
    runs: list[tuple[float, float]] = []
    for entry in timeline:
        if entry.get(flag):
            if runs and abs(runs[-1][1] - entry["start_s"]) < 1e-6:
                runs[-1] = (runs[-1][0], entry["end_s"])
            else:
                runs.append((entry["start_s"], entry["end_s"]))
    return runs


def _span(a: float, b: float, bin_s: int) -> str:
    unit = "分钟" if bin_s >= 60 else ""
    return f"{clock(a, bin_s)}–{clock(b, bin_s)}{unit}"


def advise(report: dict) -> list[str]:
    advice: list[str] = []
    for point in report.get("points", []):
        planned, over = point.get("planned_min"), point.get("over_min")
        if planned is None or over is None:
            continue
        if abs(over) >= OVER_MIN and abs(over) >= OVER_SHARE * planned:
            amount = f"{abs(over):.0f}" if abs(over) >= 1.5 else f"{abs(over):.1f}"
            verb = "超出" if over > 0 else "少于"
            advice.append(f"「{point['title']}」用时{verb}计划 {amount} 分钟")
    bin_s = report.get("bin_s", 60)
    low, high = report.get("comfortable_cpm", (160, 240))
    for a, b in _runs(report.get("timeline", []), "fast"):
        advice.append(
            f"语速在 {_span(a, b, bin_s)} 偏快（超过每分钟 {high} 字），可放慢并在要点处停顿"
        )
    for a, b in _runs(report.get("timeline", []), "slow"):
        advice.append(f"语速在 {_span(a, b, bin_s)} 偏慢（低于每分钟 {low} 字），可适当加快节奏")
    rate = report.get("speech_rate_cpm")
    if not report.get("transcript_agrees", True):
        rate = report.get("syllable_rate_spm")  # the audio's own count, when the text is unsure
    if rate and not report.get("timeline_flags_any"):
        if rate > high:
            advice.append(f"整体语速每分钟 {rate:.0f} 字，偏快")
        elif rate < low:
            advice.append(f"整体语速每分钟 {rate:.0f} 字，偏慢")
    pitch = report.get("pitch") or {}
    for span in pitch.get("monotone_spans", []):
        advice.append(
            f"{_span(span['start_s'], span['end_s'], bin_s)} 语调平淡，可用轻重、高低变化突出重点"
        )
    long_pauses = [
        p for p in report.get("pauses", []) if p["end_s"] - p["start_s"] >= LONG_PAUSE_ADVICE_S
    ]
    if long_pauses:
        advice.append(f"有 {len(long_pauses)} 处停顿超过 {LONG_PAUSE_ADVICE_S:.0f} 秒，注意衔接")
    fillers = report.get("fillers") or {}
    per_min = fillers.get("per_min") or 0
    if per_min >= FILLERS_PER_MIN:
        top = sorted(fillers.get("counts", {}).items(), key=lambda kv: -kv[1])[:3]
        words = "、".join(f"「{w}」{n} 次" for w, n in top)
        advice.append(f"口头语较多（每分钟 {per_min:.1f} 次：{words}），可用短暂停顿代替")
    if not advice:
        advice.append("各项指标均在常见范围内，保持现有节奏")
    return advice
