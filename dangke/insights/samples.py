"""Spoken sample lectures for the demo: espeak-ng (Debian package, voice cmn-latn-pinyin)
reads a few sentences per knowledge point of a course's outline (第一部分 …, its title and
key terms), so the analysis of the file shows every part of the report."""

from pathlib import Path

CN = "一二三四五六七八九十"


def course_sections(course, sentences: int = 4) -> list:
    """One spoken section per outline item (at most ten); [] when the course has no outline."""
    from engines.speech.synth import Section

    sections = []
    for index, item in enumerate(list(course.outline.all())[: len(CN)]):
        terms = item.keyword_list or [item.title]
        body = [
            f"这一部分讲{item.title}，重点是{'、'.join(terms)}。",
            f"我们要把{terms[0]}落到实处，结合本村本单位的实际认真学习。",
            f"关于{terms[-1]}，大家要多思考，多交流，多实践。",
        ]
        spoken = [f"第{CN[index]}部分，{item.title}。"]
        spoken += [body[k % len(body)] for k in range(max(sentences - 1, 1))]
        sections.append(Section(item.title, spoken, terms, item.planned_minutes))
    return sections


def speak_lecture(sections: list, out: Path):
    """Synthesise `sections` to a WAV file at `out`; returns the engine's `Truth`."""
    from engines.speech.synth import make_lecture

    return make_lecture(sections, Path(out))
