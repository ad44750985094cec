"""Code tables: docs/spec/interchange.md §3, docs/spec/domain.md §3."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # the repository root, when pytest is not run with it on sys.path
    sys.path.insert(0, str(ROOT))

import pytest  # noqa: E402

from store import codes  # noqa: E402
from store.codes import (  # noqa: E402
    CONTRACEPTION_STAT_COLUMN,
    CONTRACEPTION_STAT_COLUMNS,
    FEMALE_METHODS,
    HOUSEHOLDER,
    RELATION_CHILD_BLOOD,
    RELATION_GRANDCHILD_BLOOD,
    RELATION_PARENT_BLOOD,
    RELATION_SEX,
    RELATION_SPOUSE,
    STERILISATION,
    TABLES,
    Code,
    CodeTable,
    implied_sex,
)


def _r(a: int, b: int) -> set[str]:
    return {f"{i:02d}" for i in range(a, b + 1)}


RELATION_CODES = (
    {"01", "02", "10", "11", "12"}
    | _r(20, 39)
    | _r(40, 49)
    | _r(50, 59)
    | _r(60, 69)
    | _r(70, 79)
    | _r(80, 97)
    | {"99"}
)

EXPECTED: dict[str, set[str]] = {
    "sex": {"0", "1", "2", "9"},
    "marital_status": {"10", "20", "21", "22", "23", "30", "40", "90"},
    "ethnicity": _r(1, 56) | {"97", "98"},
    "relation": RELATION_CODES,
    "education": {
        "10",
        "11",
        "14",
        "17",
        "20",
        "21",
        "22",
        "23",
        "28",
        "30",
        "31",
        "32",
        "33",
        "40",
        "41",
        "44",
        "47",
        "60",
        "61",
        "62",
        "63",
        "70",
        "71",
        "73",
        "80",
        "81",
        "83",
        "90",
    },
    "political_status": _r(1, 13),
    "hukou_nature": {"1", "2", "3", "9"},
    "id_type": {"1", "2", "3", "4", "9"},
    "residence_status": {"1", "2", "3"},
    "mgmt": {"01", "02", "03"},
    "contraception_method": _r(0, 9),
    "contraception_failure": {"1", "2", "3", "4"},
    "pregnancy_outcome": {"1", "2", "3", "4", "5", "6", "7", "9"},
    "child_policy": {"1", "2"},
    "child_blood": {"1", "2", "3"},
    "cancel_reason": {"01", "02", "03", "04", "05", "06", "99"},
    "household_kind": {"family", "collective"},
    "household_status": {"active", "closed"},
    "unit_level": {"county", "township", "village", "group"},
    "flow_type": {"inflow", "outflow"},
    "benefit_kind": {"reward", "special"},
    "disabled_grade": {"1", "2", "3", "4"},
}


def test_table_names() -> None:
    assert set(TABLES) == set(EXPECTED)
    for name, table in TABLES.items():
        assert table.name == name
        assert isinstance(table, CodeTable)
        assert table.title and not table.title.isascii()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_code_sets(name: str) -> None:
    table = TABLES[name]
    listed = [c.code for c in table.codes]
    assert len(listed) == len(set(listed)), "duplicate code"
    assert set(listed) == EXPECTED[name]
    for c in table.codes:
        assert isinstance(c, Code)
        assert c.label and c.short
        assert table.get(c.code) is c
        assert table.is_valid(c.code)
        assert table.label(c.code) == c.label
        assert c.initials, f"{name} {c.code} {c.label} has no initials"
        assert all(i.isascii() and i.isalpha() and i.islower() for i in c.initials)


@pytest.mark.parametrize(
    ("name", "code", "label"),
    [
        ("sex", "1", "男"),
        ("sex", "2", "女"),
        ("sex", "0", "未知"),
        ("sex", "9", "未说明"),
        ("marital_status", "21", "初婚"),
        ("marital_status", "30", "丧偶"),
        ("marital_status", "90", "未说明"),
        ("ethnicity", "01", "汉族"),
        ("ethnicity", "02", "蒙古族"),
        ("ethnicity", "15", "土家族"),
        ("ethnicity", "29", "柯尔克孜族"),
        ("ethnicity", "43", "乌孜别克族"),
        ("ethnicity", "56", "基诺族"),
        ("ethnicity", "97", "其他未识别民族"),
        ("ethnicity", "98", "外国人入籍"),
        ("relation", "02", "户主"),
        ("relation", "22", "长子"),
        ("relation", "28", "女婿"),
        ("relation", "38", "儿媳"),
        ("relation", "40", "孙子、孙女、外孙子、外孙女"),
        ("relation", "68", "配偶的曾祖父母或外曾祖父母"),
        ("relation", "99", "非亲属"),
        ("education", "10", "研究生教育"),
        ("education", "30", "大学专科和专科学校"),
        ("education", "40", "中等职业教育"),
        ("education", "60", "普通高级中学"),
        ("education", "70", "初级中学"),
        ("education", "80", "小学"),
        ("education", "90", "其他"),
        ("political_status", "01", "中共党员"),
        ("political_status", "04", "民革党员"),
        ("political_status", "10", "九三学社社员"),
        ("political_status", "12", "无党派人士"),
        ("political_status", "13", "群众"),
        ("hukou_nature", "1", "非农业"),
        ("hukou_nature", "3", "居民"),
        ("id_type", "2", "港澳台居民居住证"),
        ("id_type", "9", "其他/暂无"),
        ("residence_status", "2", "人在户不在"),
        ("mgmt", "03", "流出人口"),
        ("contraception_method", "00", "无措施"),
        ("contraception_method", "06", "注射避孕针"),
        ("contraception_failure", "4", "复通"),
        ("pregnancy_outcome", "2", "死胎死产"),
        ("pregnancy_outcome", "7", "异位妊娠"),
        ("child_policy", "2", "政策外"),
        ("child_blood", "3", "继子女"),
        ("cancel_reason", "01", "人口死亡登记"),
        ("cancel_reason", "06", "迁往国(境)外"),
        ("household_kind", "collective", "集体户"),
        ("unit_level", "township", "乡镇"),
        ("unit_level", "group", "组"),
        ("flow_type", "inflow", "流入"),
        ("benefit_kind", "special", "特别扶助"),
    ],
)
def test_labels(name: str, code: str, label: str) -> None:
    assert TABLES[name].label(code) == label


def test_label_fallbacks() -> None:
    rel = TABLES["relation"]
    assert rel.label(None) == ""
    assert rel.label("98") == "98"
    assert rel.get("98") is None
    assert rel.get(None) is None
    assert rel.get("40") is not None and rel.get("40").short == "孙子女"
    assert rel.get("02").short == "户主"


def test_widths() -> None:
    assert TABLES["sex"].width == 1
    assert TABLES["marital_status"].width == 2
    assert TABLES["relation"].width == 2
    assert TABLES["education"].width == 2
    assert TABLES["hukou_nature"].width == 1
    assert TABLES["household_kind"].width == 0  # word codes: no auto-advance


def test_relation_one_digit_rejected() -> None:
    rel = TABLES["relation"]
    for code in "0123456789":
        assert not rel.is_valid(code)
    for code in ("98", "00", "03", "100", "", "2x"):
        assert not rel.is_valid(code)
    assert not rel.is_valid(None)


def test_education_sub_codes() -> None:
    edu = TABLES["education"]
    for code in ("21", "71", "25", "49", "99", "18", "64", "88", "91"):
        assert edu.is_valid(code), code
    for code in ("50", "51", "59", "5", "2", "100", "00", "01", "０１", "2a", "", "210"):
        assert not edu.is_valid(code), code
    assert edu.label("25") == "大学本科"  # unlisted sub-code: top level's label
    assert edu.label("49") == "中等职业教育"
    assert edu.label("71") == "初中毕业"
    assert edu.label("50") == "50"
    assert edu.get("25") is None
    # other tables have no sub-code fallback
    assert not TABLES["marital_status"].is_valid("24")


# --- relations --------------------------------------------------------------------------------------

MALE = [
    "11",
    "20",
    "21",
    "22",
    "23",
    "24",
    "25",
    "26",
    "27",
    "28",
    "29",
    "41",
    "43",
    "46",
    "47",
    "51",
    "53",
    "55",
    "57",
    "61",
    "63",
    "66",
    "71",
    "73",
    "76",
    "78",
    "81",
    "83",
    "85",
    "87",
    "89",
    "93",
    "95",
]
FEMALE = [
    "12",
    "30",
    "31",
    "32",
    "33",
    "34",
    "35",
    "36",
    "37",
    "38",
    "39",
    "42",
    "44",
    "45",
    "48",
    "52",
    "54",
    "56",
    "58",
    "62",
    "64",
    "67",
    "72",
    "74",
    "75",
    "77",
    "82",
    "84",
    "86",
    "88",
    "90",
    "94",
    "96",
]


@pytest.mark.parametrize("code", MALE)
def test_relation_implied_male(code: str) -> None:
    assert implied_sex(code) == "1"


@pytest.mark.parametrize("code", FEMALE)
def test_relation_implied_female(code: str) -> None:
    assert implied_sex(code) == "2"


def test_relation_sex_table() -> None:
    assert set(RELATION_SEX) == set(MALE) | set(FEMALE)
    assert set(RELATION_SEX) <= RELATION_CODES
    for code in ("01", "02", "10", "40", "49", "50", "59", "60", "65", "70", "79", "80", "91", "97", "99"):
        assert implied_sex(code) is None, code
    assert implied_sex(None) is None
    assert implied_sex("2") is None


def test_relation_groups() -> None:
    assert HOUSEHOLDER == "02"
    assert set(RELATION_SPOUSE) == {"10", "11", "12"}
    assert set(RELATION_PARENT_BLOOD) == {"51", "52"}
    assert set(RELATION_CHILD_BLOOD) == _r(20, 26) | {"29"} | _r(30, 36) | {"39"}
    assert set(RELATION_GRANDCHILD_BLOOD) == _r(40, 44) | _r(47, 49)
    for group in (RELATION_SPOUSE, RELATION_PARENT_BLOOD, RELATION_CHILD_BLOOD, RELATION_GRANDCHILD_BLOOD):
        assert all(TABLES["relation"].is_valid(c) for c in group)


# --- contraception -----------------------------------------------------------------------------------


def test_contraception_groups() -> None:
    assert set(FEMALE_METHODS) == {"02", "03", "04", "05", "06"}
    assert set(STERILISATION) == {"01", "02"}
    assert set(CONTRACEPTION_STAT_COLUMN) == EXPECTED["contraception_method"]
    assert CONTRACEPTION_STAT_COLUMN["00"] is None
    assert CONTRACEPTION_STAT_COLUMN["01"] == "男性绝育"
    assert CONTRACEPTION_STAT_COLUMN["03"] == "宫内节育器"
    assert CONTRACEPTION_STAT_COLUMN["05"] == CONTRACEPTION_STAT_COLUMN["06"] == "口服及注射避孕药"
    assert CONTRACEPTION_STAT_COLUMN["09"] == "其他"
    # docs/spec/returns.md 避孕节育: column order
    assert CONTRACEPTION_STAT_COLUMNS == (
        "男性绝育",
        "女性绝育",
        "宫内节育器",
        "皮下埋植",
        "口服及注射避孕药",
        "避孕套",
        "外用药",
        "其他",
    )
    assert {v for v in CONTRACEPTION_STAT_COLUMN.values() if v} == set(CONTRACEPTION_STAT_COLUMNS)


# --- matching ----------------------------------------------------------------------------------------


def _codes(found: list[Code]) -> list[str]:
    return [c.code for c in found]


def test_match_code_prefix() -> None:
    assert _codes(TABLES["marital_status"].match("2")) == ["20", "21", "22", "23"]
    assert _codes(TABLES["marital_status"].match("21"))[0] == "21"
    assert _codes(TABLES["education"].match("2")) == ["20", "21", "22", "23", "28"]
    assert _codes(TABLES["sex"].match("1")) == ["1"]
    assert _codes(TABLES["household_kind"].match("fam")) == ["family"]


def test_match_initials() -> None:
    found = TABLES["ethnicity"].match("hz")
    assert found[0].code == "01" and found[0].label == "汉族"
    assert "53" in _codes(found)  # 赫哲族 hzz
    assert _codes(TABLES["marital_status"].match("ch"))[0] == "21"  # 初婚 (离 also reads chi)
    assert _codes(TABLES["marital_status"].match("CH"))[0] == "21"
    assert _codes(TABLES["marital_status"].match("fh")) == ["23"]  # 复婚
    assert _codes(TABLES["relation"].match("hz"))[0] == "02"  # 户主
    assert "40" in _codes(TABLES["relation"].match("szn"))  # short label 孙子女
    # likeliest readings rank before the rarer readings of polyphonic characters
    assert _codes(TABLES["relation"].match("cz"))[:2] == ["23", "22"]  # 次子 cìzǐ, then 长子 chángzǐ
    assert _codes(TABLES["marital_status"].match("l"))[0] == "40"  # 离婚
    assert _codes(TABLES["contraception_method"].match("gn"))[0] == "03"  # 宫内节育器


def test_match_polyphonic_initials() -> None:
    rel = TABLES["relation"]
    assert "22" in _codes(rel.match("cz"))  # 长子 chángzǐ
    assert "22" in _codes(rel.match("zz"))  # 长子 zhǎngzǐ
    assert "32" in _codes(rel.match("cn")) and "32" in _codes(rel.match("zn"))
    assert rel.get("22").initials[:2] == ("zz", "cz")


def test_match_chinese_substring() -> None:
    assert _codes(TABLES["marital_status"].match("初")) == ["21"]
    assert _codes(TABLES["marital_status"].match("婚")) == ["10", "20", "21", "22", "23", "40"]
    assert "43" in _codes(TABLES["ethnicity"].match("乌孜"))
    assert _codes(TABLES["cancel_reason"].match("死亡")) == ["01"]


def test_match_empty_and_none() -> None:
    assert _codes(TABLES["sex"].match("")) == ["1", "2", "0", "9"]
    assert _codes(TABLES["sex"].match("  ")) == ["1", "2", "0", "9"]
    assert TABLES["sex"].match("xyz") == []
    assert TABLES["marital_status"].match("5") == []


def test_match_order_code_before_initials() -> None:
    # a code prefix never loses against an initials hit; no duplicates
    found = _codes(TABLES["ethnicity"].match("0"))
    assert found == sorted(found) and len(found) == 9
    for table in TABLES.values():
        for text in ("1", "z", "s", "h"):
            got = _codes(table.match(text))
            assert len(got) == len(set(got))


# --- generated initials ------------------------------------------------------------------------------


def _load_builder():
    path = ROOT / "bench" / "tools" / "build_code_initials.py"
    spec = importlib.util.spec_from_file_location("build_code_initials", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_initials_up_to_date() -> None:
    from store.code_initials import INITIALS

    builder = _load_builder()
    fresh = builder.build()
    assert fresh == INITIALS, "store/code_initials.py is stale: run bench/tools/build_code_initials.py"
    assert builder.render(fresh) == builder.TARGET.read_text(encoding="utf-8")
    assert set(INITIALS) == set(codes.all_label_texts())


def test_generated_initials_content() -> None:
    from store.code_initials import INITIALS

    assert INITIALS["汉族"][0] == "hz"
    assert set(INITIALS["长子"]) >= {"zz", "cz"}
    assert INITIALS["迁往国(境)外"][0] == "qwgjw"
    assert INITIALS["重复人口注销"][0] == "cfrkzx"  # phrase reading 重复 chóngfù first
    assert all(1 <= len(v) <= 8 for v in INITIALS.values())


def test_import_is_cheap() -> None:
    """Importing store.codes must not load pypinyin and must be fast (startup time)."""
    probe = (
        "import sys, time, dataclasses, collections.abc\n"
        "t = time.perf_counter()\n"
        "import store.codes\n"
        "dt = time.perf_counter() - t\n"
        "print('pypinyin' in sys.modules, dt)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    best = None
    for _ in range(3):
        out = subprocess.run(
            [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, check=True
        ).stdout.split()
        assert out[0] == "False"
        best = float(out[1]) if best is None else min(best, float(out[1]))
    assert best is not None and best < 0.05  # ~3 ms on a desktop; generous for loaded CI machines
