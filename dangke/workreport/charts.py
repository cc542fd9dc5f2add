"""The report's charts as PNG images, drawn offline by matplotlib (Agg, no display, no
browser) in Noto Sans CJK, which Debian's fonts-noto-cjk installs: matplotlib's default
font has no Chinese and would print boxes."""

from __future__ import annotations

import io
from pathlib import Path

from dangke.courses.categories import CourseCategory
from dangke.workreport.data import ReportData

FONT_FILES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
)
FAMILY = "Noto Sans CJK SC"
RED, GOLD, GREY = "#b71c1c", "#d4a017", "#9e9e9e"
DPI = 200


class FontMissing(RuntimeError):
    pass


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager
    from matplotlib import pyplot as plt

    if FAMILY not in {f.name for f in font_manager.fontManager.ttflist}:
        for path in FONT_FILES:
            if Path(path).exists():
                font_manager.fontManager.addfont(path)
                break
        else:
            raise FontMissing("未找到 Noto Sans CJK 字体，请安装 fonts-noto-cjk")
    plt.rcParams.update(
        {
            "font.family": FAMILY,
            "axes.unicode_minus": False,
            "font.size": 10,
            "svg.fonttype": "none",
        }
    )
    return plt


def render(key: str, data: ReportData) -> bytes | None:
    """The chart `key` as PNG bytes, or None when it has nothing to show."""
    return CHARTS[key](data)


def _figure(plt, width=6.4, height=3.2):
    from matplotlib.ticker import MaxNLocator

    fig, ax = plt.subplots(figsize=(width, height), dpi=DPI)
    ax.spines[["top", "right"]].set_visible(False)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # lessons come whole
    return fig, ax


def _png(plt, fig) -> bytes:
    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png", dpi=DPI)
    plt.close(fig)
    return buffer.getvalue()


def _label_bars(ax, bars, values, fmt="{:,}"):
    for bar, value in zip(bars, values, strict=True):
        if value:
            ax.annotate(
                fmt.format(value),
                (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                ha="center",
                va="bottom",
                fontsize=8,
            )


def coverage(data: ReportData) -> bytes | None:
    rows = [r for r in data.coverage if r["organizations"]]
    if not rows:
        return None
    plt = _pyplot()
    fig, ax = _figure(plt, height=3.4)
    names = [r["name"] for r in rows]
    xs = range(len(rows))
    ax.bar(xs, [r["organizations"] for r in rows], color=GREY, label="基层党组织")
    bars = ax.bar(xs, [r["covered"] for r in rows], width=0.5, color=RED, label="已授课覆盖")
    _label_bars(ax, bars, [r["covered"] for r in rows])
    ax.set_xticks(
        list(xs),
        names,
        rotation=30 if len(rows) > 6 else 0,
        ha="right" if len(rows) > 6 else "center",
    )
    ax.set_ylabel("个")
    ax.legend(frameon=False, fontsize=8)
    return _png(plt, fig)


def categories(data: ReportData) -> bytes | None:
    counts = data.figures["lessons"]["by_category"]
    if not any(counts.values()):
        return None
    plt = _pyplot()
    fig, ax = _figure(plt)
    labels = [str(label) for _value, label in CourseCategory.choices]
    values = [counts.get(value, 0) for value in CourseCategory.values]
    bars = ax.bar(labels, values, color=RED)
    _label_bars(ax, bars, values)
    ax.set_ylabel("场")
    return _png(plt, fig)


def months(data: ReportData) -> bytes | None:
    values = [data.lessons_by_month.get(m, 0) for m in range(1, 13)]
    if not any(values):
        return None
    plt = _pyplot()
    fig, ax = _figure(plt)
    bars = ax.bar([f"{m}月" for m in range(1, 13)], values, color=RED)
    _label_bars(ax, bars, values)
    ax.set_ylabel("场")
    return _png(plt, fig)


def scores(data: ReportData) -> bytes | None:
    bands = list(reversed(data.score_bands))
    if not any(n for _label, n in bands):
        return None
    plt = _pyplot()
    fig, ax = _figure(plt, height=2.8)
    bars = ax.bar([label for label, _n in bands], [n for _label, n in bands], color=GOLD)
    _label_bars(ax, bars, [n for _label, n in bands])
    ax.set_ylabel("场")
    return _png(plt, fig)


def levels(data: ReportData) -> bytes | None:
    campaigns = [c for c in data.figures["campaigns"] if c["lessons"]]
    if campaigns:
        counts = max(campaigns, key=lambda c: c["lessons"])["teachers_by_level"]
    else:
        counts = data.figures["teachers"]["by_level"]
    labels = {"province": "省级", "city": "市级", "county": "县级"}
    values = [counts.get(key, 0) for key in labels]
    if not any(values):
        return None
    plt = _pyplot()
    fig, ax = _figure(plt, height=2.6)
    bars = ax.barh(list(labels.values()), values, color=[GOLD, RED, "#e57373"])
    for bar, value in zip(bars, values, strict=True):
        ax.annotate(
            f"{value:,}名",
            (bar.get_width(), bar.get_y() + bar.get_height() / 2),
            va="center",
            fontsize=8,
            xytext=(3, 0),
            textcoords="offset points",
        )
    ax.invert_yaxis()
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # a count of teachers
    ax.set_xlabel("名")
    return _png(plt, fig)


CHARTS = {
    "coverage": coverage,
    "categories": categories,
    "months": months,
    "scores": scores,
    "levels": levels,
}
