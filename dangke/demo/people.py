"""Names, phone numbers and places for demo people and organisations, drawn from a seeded
random generator so that the same seed always gives the same people."""

from __future__ import annotations

import math
import random

from dangke.demo import names as words


class NameMaker:
    """Realistic Chinese names; `unique=True` retries so one list holds no two equal names."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used: set[str] = set()

    def han(self, gender: str) -> str:
        rng = self.rng
        pool = words.GIVEN_MALE if gender == "男" else words.GIVEN_FEMALE
        surname = rng.choice(words.SURNAMES)
        if rng.random() < 0.3:
            return surname + rng.choice(pool)
        first = rng.choice(pool + words.GIVEN_NEUTRAL)
        second = rng.choice(pool)
        if first == second and rng.random() < 0.7:
            second = rng.choice(pool)
        return surname + first + second

    def yi(self, gender: str) -> str:
        given = words.YI_GIVEN_MALE if gender == "男" else words.YI_GIVEN_FEMALE
        return self.rng.choice(words.YI_SURNAMES) + self.rng.choice(given)

    def tibetan(self, gender: str) -> str:
        if gender == "男":
            first, second = words.TIBETAN_MALE_FIRST, words.TIBETAN_MALE_SECOND
        else:
            first, second = words.TIBETAN_FEMALE_FIRST, words.TIBETAN_FEMALE_SECOND
        a = self.rng.choice(first)
        b = self.rng.choice([part for part in second if part != a])
        return a + b

    def person(self, gender: str, *, minority: str = "", share: float = 0.0, unique=False) -> str:
        """A name; with probability `share` a Yi or Tibetan one (`minority` = "yi"/"tibetan")."""
        for _ in range(30):
            if minority == "yi" and self.rng.random() < share:
                name = self.yi(gender)
            elif minority == "tibetan" and self.rng.random() < share:
                name = self.tibetan(gender)
            else:
                name = self.han(gender)
            if not unique or name not in self.used:
                break
        self.used.add(name)
        return name

    def gender(self, female_share: float = 0.38) -> str:
        return "女" if self.rng.random() < female_share else "男"


def phone_number(rng: random.Random) -> str:
    prefix = rng.choice(("133", "135", "136", "138", "139", "158", "180", "181", "189", "199"))
    return prefix + "".join(str(rng.randrange(10)) for _ in range(8))


def point_near(
    rng: random.Random, lat: float, lon: float, radius: float, box: tuple[float, ...]
) -> tuple[float, float]:
    """A point uniformly inside a circle of `radius` degrees of latitude, clipped to `box`
    (lat min, lat max, lon min, lon max)."""
    distance = radius * math.sqrt(rng.random())
    angle = rng.random() * 2 * math.pi
    new_lat = lat + distance * math.cos(angle)
    new_lon = lon + distance * math.sin(angle) / math.cos(math.radians(lat))
    lat_min, lat_max, lon_min, lon_max = box
    return (
        round(min(max(new_lat, lat_min), lat_max), 5),
        round(min(max(new_lon, lon_min), lon_max), 5),
    )


def apportion(total: int, weights: dict[str, float], minimum: int = 0) -> dict[str, int]:
    """Split `total` over the keys in proportion to `weights` (largest remainder), each key
    getting at least `minimum`; the parts always add up to `total`."""
    keys = sorted(weights)
    base = {key: minimum for key in keys}
    rest = total - minimum * len(keys)
    if rest < 0:
        raise ValueError("total is smaller than the minimum for every key")
    weight_sum = sum(weights[key] for key in keys) or 1
    exact = {key: rest * weights[key] / weight_sum for key in keys}
    for key in keys:
        base[key] += int(exact[key])
    left = total - sum(base.values())
    by_remainder = sorted(keys, key=lambda key: (-(exact[key] - int(exact[key])), key))
    for key in by_remainder[:left]:
        base[key] += 1
    return base


def scale_to_total(rng: random.Random, raw: list[int], total: int, minimum: int = 3) -> list[int]:
    """Scale raw counts so that they add up to exactly `total`, none below `minimum`."""
    factor = total / sum(raw)
    counts = [max(minimum, round(value * factor)) for value in raw]
    difference = total - sum(counts)
    indexes = list(range(len(counts)))
    while difference:
        index = rng.choice(indexes)
        if difference > 0:
            counts[index] += 1
            difference -= 1
        elif counts[index] > minimum:
            counts[index] -= 1
            difference += 1
    return counts


COMMITTEE_SUFFIXES = (
    ("村民委员会", False),
    ("牧民委员会", False),
    ("居民委员会", True),
    ("村委会", False),
    ("居委会", True),
)


def strip_committee(name: str) -> tuple[str, bool]:
    """The name of a village-level division without its committee suffix, and whether it is
    an urban community (社区): 新桥村村民委员会 → (新桥村, False), 碧山路社区居委会 →
    (碧山路社区, True)."""
    base, is_community = name, name.endswith("社区")
    for suffix, community in COMMITTEE_SUFFIXES:
        if name.endswith(suffix):
            base, is_community = name[: -len(suffix)], community
            break
    if is_community and not base.endswith("社区"):
        base += "社区"
    if not is_community and not base.endswith("村"):
        base += "村"
    return base, is_community
