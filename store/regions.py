"""GB/T 2260 address codes: every province, prefecture and county-level code of any revision.

Data: ``store/data/gb2260_counties.tsv.gz`` (built by ``bench/tools/build_regions.py``, which documents
its sources). Each line is ``code<TAB>full name<TAB>first year<TAB>last year``; lines starting with
``#`` are comments. The file is read on first use and cached.
"""

from __future__ import annotations

import gzip
from functools import cache
from importlib import resources

__all__ = [
    "CURRENT_SINCE",
    "county_codes_of_province",
    "is_known_region",
    "region_name",
    "region_years",
]

DATA_FILE = "gb2260_counties.tsv.gz"
# A code whose last year seen is this year or later is in the newest source lists (currently valid).
CURRENT_SINCE = 2023


def _read_text() -> str:
    """The data file's text."""
    path = resources.files(__package__ or "store").joinpath("data", DATA_FILE)
    return gzip.decompress(path.read_bytes()).decode("utf-8")


@cache
def _table() -> dict[str, tuple[str, int, int]]:
    """Code -> (full name, first year, last year), loaded once."""
    table: dict[str, tuple[str, int, int]] = {}
    for line in _read_text().splitlines():
        if not line or line.startswith("#"):
            continue
        code, name, first, last = line.split("\t")
        table[code] = (name, int(first), int(last))
    return table


def is_known_region(code6: str) -> bool:
    """True if the code is a province, prefecture or county-level code of any GB/T 2260 revision."""
    return code6 in _table()


def region_name(code6: str) -> str | None:
    """Latest known full name of a code (e.g. ``湖南省衡阳市祁东县``), or None if unknown."""
    region = _table().get(code6)
    return region[0] if region else None


def region_years(code6: str) -> tuple[int, int] | None:
    """First and last year in which the sources list the code, or None if unknown."""
    region = _table().get(code6)
    return (region[1], region[2]) if region else None


@cache
def _counties_of_province(prefix2: str) -> tuple[str, ...]:
    """County-level codes of a province: the current ones, or all if none is current."""
    counties = [
        (code, region) for code, region in _table().items() if code.startswith(prefix2) and not code.endswith("00")
    ]
    current = [code for code, region in counties if region[2] >= CURRENT_SINCE]
    return tuple(sorted(current or (code for code, _ in counties)))


def county_codes_of_province(prefix2: str) -> list[str]:
    """Sorted county-level codes of a province (2-digit prefix), currently valid ones preferred."""
    if len(prefix2) != 2:
        return []
    return list(_counties_of_province(prefix2))
