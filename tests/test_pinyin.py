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


# --- the generated table (store/data/hanzi_initials.txt) against pypinyin ----------------------------------


def _builder():
    import importlib.util

    path = ROOT / "bench" / "tools" / "build_hanzi_initials.py"
    spec = importlib.util.spec_from_file_location("build_hanzi_initials", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_table_agrees_with_pypinyin_on_every_common_character() -> None:
    """Every character of the CJK block, extension A and the compatibility block (and 〇): the same first
    letters as pypinyin's readings, in pypinyin's order (长 → z, c; 单 → d, s, c); none for a character
    pypinyin does not know (where pypinyin itself fails: 兙)."""
    from pypinyin import Style, pinyin
    from pypinyin.pinyin_dict import pinyin_dict

    from store.pinyin import _readings

    def expected(ch: str) -> tuple[str, ...]:
        if ord(ch) not in pinyin_dict:
            return ()
        items = pinyin(ch, style=Style.FIRST_LETTER, heteronym=True, errors=lambda s: [""] * len(s))
        out: list[str] = []
        for letter in (x.lower() for x in items[0]):
            if len(letter) == 1 and "a" <= letter <= "z" and letter not in out:
                out.append(letter)
        return tuple(out)

    ranges = [(0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0xF900, 0xFAFF), (0x3007, 0x3007)]
    wrong = [chr(cp) for lo, hi in ranges for cp in range(lo, hi + 1) if _readings(chr(cp)) != expected(chr(cp))]
    assert wrong == []
    assert _readings("长") == ("z", "c") and _readings("a") == () and _readings("兙") == ()


def test_likeliest_reading_agrees_with_pypinyin_phrases() -> None:
    """The first reading of names of the demo county, of every code label and of pypinyin's phrases with a
    reading of their own is the one ``lazy_pinyin`` gives (长生 chángshēng, 长子 zhǎngzǐ, 重复 chóngfù)."""
    import datetime as dt
    import json

    from pypinyin import Style, lazy_pinyin

    from store.codes import all_label_texts
    from store.demo import generate, to_jsonl_lines
    from store.pinyin import _run_primary, _table

    county = generate(3000, seed=5, as_of=dt.date(2026, 6, 30))
    names = {m["name"] for obj in map(json.loads, to_jsonl_lines(county)) for m in obj.get("members", [])
             if m.get("name")}  # fmt: skip
    runs = {run for text in names | set(all_label_texts()) for run in _hanzi_runs(text)} | set(_table().phrases)
    assert len(runs) > 3000
    wrong = [run for run in sorted(runs)
             if _run_primary(run) != [s[:1].lower() for s in lazy_pinyin(run, style=Style.FIRST_LETTER)]]  # fmt: skip
    assert wrong == []
    assert _run_primary("长生") == ["c", "s"] and _run_primary("长子") == ["z", "z"]


def _hanzi_runs(text: str) -> list[str]:
    import re

    return re.findall(r"[\u3400-\u4dbf\u4e00-\u9fff]+", text)


def test_table_is_up_to_date() -> None:
    """The shipped table is what the generator writes from the installed pypinyin."""
    builder = _builder()
    assert builder.render(builder.build()) == builder.TARGET.read_text(encoding="utf-8"), (
        "store/data/hanzi_initials.txt is stale: run bench/tools/build_hanzi_initials.py"
    )


def test_pypinyin_is_not_loaded_at_run_time() -> None:
    """Name initials (search, the person form, bulk writes) read the table; pypinyin stays unloaded."""
    import subprocess

    probe = "import sys\nfrom store.pinyin import name_initials\nprint(name_initials('单田芳')[0], 'pypinyin' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["stf", "False"]
