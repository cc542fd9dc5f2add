import datetime

import pytest

from dangke.workreport.numbers import approx, cn_date, exact, percent


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (47_000, "4.7万"),
        (47_300, "4.7万余"),
        (120_000, "12万"),
        (123_456, "12万余"),
        (10_689, "1万余"),
        (5_136, "5000余"),
        (2_000, "2000"),
        (610, "600余"),
        (45, "40余"),
        (40, "40"),
        (19, "19"),
        (0, "0"),
    ],
)
def test_approx_rounds_down_and_says_yu_only_when_something_was_cut(n, text):
    assert approx(n) == text


def test_exact_has_thousands_separators():
    assert exact(4583) == "4,583"
    assert exact(373) == "373"
    assert exact(58.46) == "58.5"
    assert exact(80.0) == "80"


def test_percent_never_rounds_up_to_full_coverage():
    assert percent(4583, 4583) == "100%"
    assert percent(9999, 10000) == "99.9%"
    assert percent(1, 4) == "25%"
    assert percent(3, 0) == "—"


def test_dates_in_chinese():
    assert cn_date(datetime.date(2026, 1, 1)) == "2026年1月1日"
