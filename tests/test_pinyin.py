"""Pinyin initials of person names and search keys."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # the repository root, when pytest is not run with it on sys.path
    sys.path.insert(0, str(ROOT))

import pytest  # noqa: E402
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from store.pinyin import NAME_CAP, name_initials, search_key, text_initials  # noqa: E402


def test_plain_name() -> None:
    assert name_initials("李建国")[0] == "ljg"
    assert name_initials("王秀英")[0] == "wxy"


@pytest.mark.parametrize(
    ("name", "primary", "also"),
    [
        ("单田芳", "stf", {"dtf"}),
        ("曾小贤", "zxx", {"cxx"}),
        ("解放", "xf", {"jf"}),
        ("区志强", "ozq", {"qzq"}),
        ("仇大海", "qdh", {"cdh"}),
        ("查良镛", "zly", {"cly"}),
        ("朴树", "ps", set()),
        ("覃小英", "qxy", {"txy"}),
        ("翟志刚", "zzg", {"dzg"}),
        ("尉迟恭", "ycg", {"wcg"}),
        ("万俟卨", "mqx", {"wqx"}),
    ],
)
def test_polyphonic_surnames(name: str, primary: str, also: set[str]) -> None:
    got = name_initials(name)
    assert got[0] == primary
    assert also <= set(got)


def test_polyphonic_given_name() -> None:
    got = name_initials("李长江")
    assert got[0] == "lcj"  # phrase reading 长江 chángjiāng
    assert "lzj" in got
    got = name_initials("张单")
    assert {"zd", "zs", "zc"} <= set(got)
    assert got[0] == "zd"  # not in surname position: the common reading


def test_mixed_and_placeholders() -> None:
    assert name_initials("未取名") == ["wqm"]
    assert name_initials("李娜2") == ["ln"]
    assert name_initials("欧阳·娜娜") == ["oynn"]
    assert name_initials("Tom 李") == ["toml"]
    assert name_initials("ＡＢ李") == ["abl"]  # full-width letters normalised
    assert name_initials("") == []
    assert name_initials("123-,.") == []


def test_deduplicated_and_capped() -> None:
    got = name_initials("重重长长行行乐乐")
    assert len(got) == NAME_CAP
    assert len(got) == len(set(got))
    assert len(text_initials("重重长长行行乐乐", cap=8)) == 8


@given(st.text(alphabet="李王张单曾解区仇朴查长重行乐覃aB3·- ", max_size=10))
def test_properties(name: str) -> None:
    got = name_initials(name)
    assert len(got) <= NAME_CAP
    assert len(got) == len(set(got))
    for item in got:
        assert item.isascii() and item.isalpha() and item == item.lower()
    lengths = {len(item) for item in got}
    assert len(lengths) <= 1  # one letter per retained character


def test_search_key() -> None:
    assert search_key(" L J G ") == "ljg"
    assert search_key("李 建国") == "李建国"
    assert search_key("ＬＪＧ") == "ljg"
    assert search_key("") == ""
