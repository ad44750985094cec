"""Hostile and corrupt household files: always a Chinese message with the exact line, never a crash.

Every case is a real file imported on SQLite and PostgreSQL (and through ``renkou import`` on SQLite); the
fuzz tests mutate the lines of the example file (values, text, bytes) and accept only Chinese line errors
or a :class:`StoreError`, with short messages.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import os
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from store import db
from store.errors import StoreError
from store.exporter import export_households
from store.import_limits import MAX_LINE_BYTES
from store.importer import import_file
from store.interchange import EARLIEST_DATE, FORMAT_VERSION, LineError, parse_line
from store.textsafe import describe, excerpt, find_unsafe, is_ascii_digits, normalize_id
from tui.cli import main

EXAMPLE_FILE = Path(__file__).parent / "data" / "households.jsonl"
PG_URL = os.environ.get("RENKOU_TEST_PG_URL", "postgres://postgres@127.0.0.1:5432/test")
PG_REQUIRED = os.environ.get("RENKOU_REQUIRE_PG") == "1"
TABLES = ("unit", "household", "person", "child", "pregnancy", "benefit", "confirmation", "change_event")
TODAY = dt.date(2026, 11, 15)
#: Longest message a line error may have (it quotes at most short excerpts).
MESSAGE_LIMIT = 400
EXAMPLE = [t for t in EXAMPLE_FILE.read_text(encoding="utf-8").splitlines() if t.strip()]
UNITS, HOUSEHOLDS = EXAMPLE[:4], EXAMPLE[4:]
_FIGURES = '{"人口":7}'
#: a row of every extra table of format version 2 (`store.interchange_tables`), about the example's records
ROWS = [json.dumps(o, ensure_ascii=False) for o in (
    {"month_close": {"unit_code": "430426101201", "month": "2026-10", "figures": _FIGURES,
                     "digest": hashlib.sha256(_FIGURES.encode()).hexdigest(), "closed_by": "boss",
                     "closed_at": "2026-11-02 10:15:00", "reopened_by": None, "reopened_at": None,
                     "reopen_reason": None}},
    {"month_signoff": {"unit_code": "430426101202", "month": "2026-10", "signed_by": "rev", "signed_name": "张审核",
                       "signed_at": "2026-11-01 09:00:00", "open_errors": 0}},
    {"contraception_history": {"person": "h12-2", "method": "03", "since": "2006-01-10", "failure": None,
                               "replaced_at": "2026-09-01 08:00:00"}},
    {"change_event": {"person": "h12-1", "kind": "death", "event_date": "2026-10-03",
                      "household_code": "430426101201010012", "entered_at": "2026-11-05 14:00:00",
                      "operator": "clerk", "source": "app", "report_month": "2026-11", "correction": False}},
)]  # fmt: skip
#: the example as a version-2 file: the format line, the records, then a row of every table
EXAMPLE_V2 = ['{"format": {"version": 2}}', *EXAMPLE, *ROWS]
#: The line of the hostile content: four unit lines, two blank lines, then the households.
BAD_LINE = 7


async def snapshot() -> dict[str, int]:
    """Row counts of the data tables."""
    return {t: int(await db.scalar(f"SELECT count(*) FROM {t}")) for t in TABLES}


def file_with(hostile: str) -> str:
    """The example file with `hostile` as physical line 7 (in place of the first household)."""
    return "\n".join([*UNITS, "", "   ", hostile, *HOUSEHOLDS[1:]]) + "\n"


def household(change: Callable[[dict[str, Any]], object]) -> str:
    """The first household line of the example, changed by `change` and serialised (ASCII escapes)."""
    obj = json.loads(HOUSEHOLDS[0])
    change(obj)
    return json.dumps(obj)


def member(field: str, value: Any, index: int = 0) -> str:
    def change(obj: dict[str, Any]) -> None:
        obj["members"][index][field] = value

    return household(change)


def child(field: str, value: Any) -> str:
    def change(obj: dict[str, Any]) -> None:
        obj["members"][1]["woman"]["children"][0][field] = value

    return household(change)


def benefit_since(value: Any) -> str:
    def change(obj: dict[str, Any]) -> None:
        obj["members"][0]["benefits"] = [{"kind": "reward", "since": value}]

    return household(change)


HUGE_NAME = "名" * 100_000
#: (id, hostile line, fragment of the message) — each line is refused at BAD_LINE.
CASES: list[tuple[str, str, str]] = [
    ("deep-array", "[" * 100_000, "嵌套层数超过"),
    ("deep-object", '{"a":' * 50_000 + "1" + "}" * 50_000, "嵌套层数超过"),
    ("deep-in-unknown-field", member("x", json.loads("[" * 30 + "]" * 30)), "嵌套层数超过"),
    ("order-2**70", child("order", 2**70), "过大"),
    ("order-10**20", child("order", 10**20), "过大"),
    ("order-5000-digits", child("order", "@@").replace('"@@"', "7" * 5000), "过大"),
    ("order-int32", child("order", 2**31), "超出范围"),
    ("order-negative", child("order", -1), "超出范围"),
    ("order-zero", child("order", 0), "超出范围"),
    ("since-huge", benefit_since(2**40), "过大"),
    ("since-int32", benefit_since(-(2**31) - 1), "超出范围"),
    ("float-in-int", child("order", 1.5), "应为整数"),
    ("nan", child("order", "@@").replace('"@@"', "NaN"), "不是有效的 JSON 数值"),
    ("surrogate-name", member("name", "\ud800x"), "无效的代理字符 U+D800"),
    ("surrogate-key", HOUSEHOLDS[0].replace('"key"', '"\\udc00"', 1), "无效的代理字符 U+DC00"),
    ("surrogate-unknown-key", member("\ud83dnick", "x"), "字段名"),
    ("name-integer", member("name", 12345), "应为文字"),
    ("id-number-integer", member("id_number", 430426198407210133), "应写成文字"),
    ("id-number-small-integer", member("id_number", 12345), "应为文字"),
    ("name-huge", member("name", HUGE_NAME), "姓名最多 30 个字"),
    ("child-name-long", child("name", "娜" * 61), "超过 60 个字符"),
    ("name-nul", member("name", "周\x00建军"), "控制字符 U+0000"),
    ("name-ansi", member("name", "\x1b[31m周建军\x1b[0m"), "终端控制序列"),
    ("name-c1", member("name", "周\x9b建军"), "控制字符 U+009B"),
    ("name-bidi-override", member("name", "周\u202e军建"), "文字方向控制字符 U+202E"),
    ("name-bidi-isolate", member("name", "\u2067周建军"), "文字方向控制字符 U+2067"),
    ("name-lrm", member("name", "周建军\u200e"), "文字方向控制字符 U+200E"),
    ("name-alm", member("name", "周\u061c建军"), "文字方向控制字符 U+061C"),
    ("address-newline", household(lambda o: o["household"].update(address="一组\n12号")), "控制字符 U+000A"),
    ("key-bidi", member("key", "h12-1\u202d"), "文字方向控制字符 U+202D"),
    ("spouse-ref-nul", member("spouse", "h12-2\x00"), "控制字符 U+0000"),
    ("confirmation-field-esc", member("confirmations", [{"rule": "MAR2", "fields": ["\x1b[2J"]}]), "终端控制序列"),
    ("duplicate-key", HOUSEHOLDS[0].replace('"name": "周建军"', '"name": "周建军", "name": "李四"', 1), "出现了两次"),
    ("duplicate-top-key", HOUSEHOLDS[0][:-1] + ', "members": []}', "出现了两次"),
    ("birth-9999", member("birth_date", "9999-12-31"), "不可能"),
    ("birth-0001", member("birth_date", "0001-01-01"), "不可能"),
    ("birth-feb-30", member("birth_date", "1984-02-30"), "不是有效日期"),
    ("birth-fullwidth", member("birth_date", "１９８４-07-21"), "不是有效日期"),
    ("household-code-fullwidth", household(lambda o: o["household"].update(code="４３０426101201010012")), "户编码"),
    ("place-code-superscript", member("registered_place_code", "430426²⁰⁹"), "区划代码"),
    ("place-code-fullwidth", member("registered_place_code", "４３０４２６"), "区划代码"),
    ("not-an-object", "[1, 2, 3]", "应为 JSON 对象"),
    ("invalid-json", '{"household": ', "不是有效的 JSON"),
    ("members-not-list", household(lambda o: o.update(members="h12-1")), "members 应为列表"),
]


def unit_line(code: str) -> str:
    unit = {"code": code, "name": "东风村", "level": "village", "parent": "430426101"}
    return json.dumps({"unit": unit}, ensure_ascii=False)


#: Unit lines are replaced at line 3 (the first village): (id, line, fragment).
UNIT_CASES: list[tuple[str, str, str]] = [
    ("unit-code-superscript", unit_line("430426101²⁰⁹"), "单位代码"),
    ("unit-code-fullwidth", unit_line("４３０４２６１０１２０１"), "单位代码"),
    ("unit-code-arabic-indic", unit_line("430426101٢٠١"), "单位代码"),
    ("unit-name-integer", unit_line("430426101201").replace('"东风村"', "7"), "应为文字"),
    ("unit-name-rlo", unit_line("430426101201").replace("东风村", "\\u202e村风东"), "文字方向控制字符"),
]


def unit_file(line: str) -> str:
    return "\n".join([*UNITS[:2], line, *UNITS[3:], "", "", *HOUSEHOLDS]) + "\n"


def all_cases() -> list[tuple[str, str, int, str]]:
    """(id, file text, line, fragment) of every refused file."""
    cases = [(name, file_with(line), BAD_LINE, fragment) for name, line, fragment in CASES]
    cases += [(name, unit_file(line), 3, fragment) for name, line, fragment in UNIT_CASES]
    return cases


def write(path: Path, text: str) -> Path:
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    return path


def test_cases_are_hostile_only_where_meant() -> None:
    """The cases differ from a clean file only in their bad line (so the test sees the right error)."""
    for name, text, line, _ in all_cases():
        lines = text.split("\n")
        for no, other in enumerate(lines, 1):
            if no != line and other.strip():
                parse_line(other, no, TODAY)  # raises on an unintended error
        with pytest.raises(LineError):
            parse_line(lines[line - 1], line, TODAY)
        assert name


@pytest.mark.parametrize(("name", "text", "line", "fragment"), all_cases(), ids=[c[0] for c in all_cases()])
async def test_hostile_line_is_refused(
    store_db: db.DbTarget, tmp_path: Path, name: str, text: str, line: int, fragment: str
) -> None:
    await import_file(EXAMPLE_FILE, operator="tester", today=TODAY)
    before = await snapshot()
    report = await import_file(write(tmp_path / f"{name}.jsonl", text), operator="tester", today=TODAY)
    errors = {e.line: e.message for e in report.errors}
    assert line in errors, report.errors
    assert fragment in errors[line]
    assert all(len(str(e)) <= MESSAGE_LIMIT for e in report.errors)
    assert await snapshot() == before


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize(("name", "text", "line", "fragment"), all_cases(), ids=[c[0] for c in all_cases()])
def test_hostile_line_through_the_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, text: str, line: int, fragment: str
) -> None:
    database = str(tmp_path / "r.sqlite3")
    code, _, err = run(capsys, "import", str(write(tmp_path / f"{name}.jsonl", text)), "--db", database)
    assert code != 0
    assert f"第 {line} 行" in err and fragment in err
    assert "内部错误" not in err and "Traceback" not in err
    assert len(err) < 3000
    assert err.strip().splitlines()[-1].startswith("renkou: 导入失败")


async def test_huge_name_is_not_echoed(store_db: db.DbTarget, tmp_path: Path) -> None:
    report = await import_file(write(tmp_path / "n.jsonl", file_with(member("name", HUGE_NAME))), operator="t")
    message = next(e.message for e in report.errors if e.line == BAD_LINE)
    assert f"（现为 {len(HUGE_NAME)} 个）" in message and "名" * 21 not in message
    assert (await snapshot())["person"] == 0


def test_line_longer_than_the_limit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = file_with(member("name", "x" * (MAX_LINE_BYTES + 10)))
    code, _, err = run(capsys, "import", str(write(tmp_path / "long.jsonl", text)), "--db", str(tmp_path / "r.db"))
    assert code != 0 and f"第 {BAD_LINE} 行：这一行过长" in err
    assert len(err) < 1000


@pytest.mark.parametrize("ending", ["\n", "\r\n"])
async def test_encoding_error_names_the_physical_line(store_db: db.DbTarget, tmp_path: Path, ending: str) -> None:
    lines = [*EXAMPLE, *([""] * (999 - len(EXAMPLE)))]
    data = ending.join(lines).encode("utf-8") + ending.encode() + "周建军".encode("gbk") + b"\n" + b"{}\n"
    path = tmp_path / "gbk-at-1000.jsonl"
    path.write_bytes(data)
    with pytest.raises(StoreError, match="第 1000 行不是 UTF-8 编码"):
        await import_file(path, operator="tester", today=TODAY)
    assert (await snapshot())["person"] == 0


@pytest.mark.parametrize("content", [b"", b"\n\n   \n\t\n", b"\xef\xbb\xbf", b"\xef\xbb\xbf\r\n\r\n"])
async def test_empty_file_is_refused(store_db: db.DbTarget, tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_bytes(content)
    with pytest.raises(StoreError, match="是空的"):
        await import_file(path, operator="tester")
    assert await snapshot() == dict.fromkeys(TABLES, 0)
    assert int(await db.scalar("SELECT count(*) FROM audit_log WHERE action = 'import'")) == 0


def test_empty_file_through_the_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_text("\n\n", encoding="utf-8")
    code, out, err = run(capsys, "import", str(path), "--db", str(tmp_path / "r.sqlite3"))
    assert code != 0 and "是空的" in err and "导入完成" not in out


async def test_id_numbers_are_normalised_with_a_note(store_db: db.DbTarget, tmp_path: Path) -> None:
    def change(obj: dict[str, Any]) -> None:
        obj["members"][0]["id_number"] = "４３０４２６１９８４０７２１０１３３"  # full-width
        obj["members"][1]["id_number"] = "430426 19870214 022x"  # spaced, lower-case x
        obj["members"][1]["spouse_external"] = {"name": "某", "id_number": "\u3000430426198001010011 "}

    path = write(tmp_path / "ids.jsonl", file_with(household(change)))
    report = await import_file(path, operator="tester", today=TODAY)
    assert report.errors == []
    rows = dict(await db.fetch("SELECT key, id_number FROM person WHERE key IN ('h12-1', 'h12-2')"))
    assert rows == {"h12-1": "430426198407210133", "h12-2": "43042619870214022X"}
    external = await db.scalar("SELECT spouse_ext_id_number FROM person WHERE key = 'h12-2'")
    assert external == "430426198001010011"
    notes = [str(w) for w in report.warnings]
    assert len(notes) == 3 and all(n.startswith(f"第 {BAD_LINE} 行：") and "已规范为" in n for n in notes)
    assert "“43042619870214022X”" in notes[1]


def test_normalisation_note_is_printed_by_the_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path / "ids.jsonl", file_with(member("id_number", "430426198407210133".replace("1", "１"))))
    code, out, err = run(capsys, "import", str(path), "--db", str(tmp_path / "r.sqlite3"))
    assert code == 0 and out.startswith("导入完成")
    assert f"警告：第 {BAD_LINE} 行：" in err and "已规范为 “430426198407210133”" in err


async def test_many_normalisation_notes_are_summarised(store_db: db.DbTarget, tmp_path: Path) -> None:
    def change(obj: dict[str, Any]) -> None:
        for person in obj["members"]:
            person["id_number"] = person["id_number"] and " " + person["id_number"]

    lines = [*UNITS, household(change)]
    for n in range(2, 9):  # more households in the same village, members keyed apart
        obj = json.loads(household(change))
        obj["household"]["code"] = obj["household"]["code"][:14] + f"{n:04d}"
        for person in obj["members"]:
            person["key"] += f"-{n}"
            for ref in ("spouse", "mother", "father"):
                person[ref] = person[ref] and f"{person[ref]}-{n}"
            for kid in (person.get("woman") or {}).get("children", []):
                kid["member"] = kid["member"] and f"{kid['member']}-{n}"
        lines.append(json.dumps(obj))
    report = await import_file(write(tmp_path / "many.jsonl", "\n".join(lines)), operator="t", today=TODAY)
    assert report.errors == []
    persons = sum(1 for p in json.loads(HOUSEHOLDS[0])["members"] if p["id_number"]) * 8
    assert len(report.warnings) == 6 and f"另有 {persons - 5} 处身份证号已规范" in str(report.warnings[-1])


async def test_partial_import_copies_refused_lines_byte_for_byte(store_db: db.DbTarget, tmp_path: Path) -> None:
    bad = member("name", "\ud800x")
    path = write(tmp_path / "p.jsonl", file_with(bad).rstrip("\n"))  # the last line without a newline
    rejects = tmp_path / "rejects.jsonl"
    report = await import_file(path, operator="t", partial=True, reject_path=rejects, today=TODAY)
    assert [e.line for e in report.errors][:1] == [BAD_LINE]
    assert rejects.read_bytes().split(b"\n")[0] == bad.encode()


# --- text safety --------------------------------------------------------------------------------------


def test_textsafe_predicates() -> None:
    assert find_unsafe("周建军 Zhou-1") is None
    assert find_unsafe("a\tb") == "控制字符 U+0009"
    assert find_unsafe("\u2066x") == "文字方向控制字符 U+2066"
    assert excerpt("a\x1b[31m" + "b" * 30) == "“a\\x1b[31m" + "b" * 14 + "…”"
    assert excerpt("\ud800") == "“\\ud800”"
    assert is_ascii_digits("430426") and not is_ascii_digits("430426²") and not is_ascii_digits("４３")
    assert not is_ascii_digits("")
    assert normalize_id(" ４３０４２６ 1987x") == "4304261987X"
    assert describe(10**70) == "（超过 60 位的整数）"
    assert describe(2**70).endswith("…（22 位）")
    assert describe([1] * 1000) == "[…]（1000 项的列表）"


# --- fuzzing ------------------------------------------------------------------------------------------

FUZZ = {"parse": 0, "parse_refused": 0, "import": 0, "bytes": 0}

huge_ints = st.sampled_from([2**31, -(2**31) - 1, 2**63, 2**70, 10**20, -(10**30), 10**200])
json_leaf = (
    st.none()
    | st.booleans()
    | st.integers()
    | huge_ints
    | st.floats(allow_nan=False)
    | st.text(st.characters(blacklist_categories=()), max_size=80)
    | st.text(alphabet="0123456789xX０１２３４５６７８９ ²\u3000", max_size=20)
    | st.sampled_from(["9999-12-31", "0001-01-01", "2026-02-29", "1984-07-21", "", "h12-1", "430426"])
)
json_value = st.recursive(json_leaf, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
    st.text(st.characters(blacklist_categories=()), max_size=8), inner, max_size=4), max_leaves=12)  # fmt: skip


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a decoded line where a value can be replaced."""
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += paths(item, (*prefix, index))
    return found


def replaced(obj: Any, path: tuple[Any, ...], value: Any) -> Any:
    target = obj
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return obj


#: Items whose checks guard the database (sizes, ranges, references, codes): mutated more often.
SENSITIVE = frozenset(("order", "since", "name", "key", "id_number", "birth_date", "code", "unit", "group",
                       "spouse", "mother", "father", "member", "address", "registered_place_code", "place_code",
                       "fields", "reason", "level", "parent", "rule", "by", "at", "number", "members",
                       "version", "person", "month", "unit_code", "digest", "figures", "closed_at", "kind",
                       "household_code", "entered_at", "open_errors", "correction", "replaced_at"))  # fmt: skip


def enriched(text: str) -> Any:
    """A line of the example, decoded, with a benefit on its first member (so `since` can be mutated)."""
    obj = json.loads(text)
    if obj.get("members"):
        obj["members"][0]["benefits"] = [{"kind": "reward", "since": 2010}]
    return obj


@st.composite
def mutated_line(draw: st.DrawFn) -> str:
    """A line of the example with random values in random places, random text, or deep nesting."""
    text = draw(st.sampled_from(EXAMPLE_V2))
    how = draw(st.sampled_from(["value", "value", "value", "text", "nest", "number"]))
    if how == "text":  # insert random characters (lone surrogates included) somewhere
        at = draw(st.integers(0, len(text)))
        return text[:at] + draw(st.text(st.characters(blacklist_categories=()), min_size=1, max_size=6)) + text[at:]
    if how == "nest":
        depth = draw(st.integers(1, 100_000))
        at = draw(st.integers(0, len(text)))
        return text[:at] + draw(st.sampled_from(["[", '{"a":', '{"a":['])) * depth + text[at:]
    obj = enriched(text)
    every = paths(obj)
    sensitive = [p for p in every if p[-1] in SENSITIVE]
    path = draw(st.sampled_from(sensitive) if sensitive and draw(st.booleans()) else st.sampled_from(every))
    if how == "number":
        digits = draw(st.integers(1, 15) | st.integers(16, 6000))
        return json.dumps(replaced(obj, path, "@@"), ensure_ascii=draw(st.booleans())).replace('"@@"', "9" * digits)
    value = draw(json_value | st.integers(-(2**40), 2**40) | huge_ints)
    return json.dumps(replaced(obj, path, value), ensure_ascii=draw(st.booleans()))


def check_accepted(value: Any, where: str = "") -> None:
    """Everything an accepted line carries is safe to store: text without control characters, int32."""
    if isinstance(value, str):
        assert find_unsafe(value) is None, where
        assert len(value) <= (1_000_000 if where.endswith(".figures") else 2000), where
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int):
        assert -(2**31) <= value < 2**31, where
    elif isinstance(value, dt.datetime):
        assert value.tzinfo is None and EARLIEST_DATE <= value.date() <= dt.date(TODAY.year + 20, 12, 31), where
    elif isinstance(value, dt.date):
        assert EARLIEST_DATE <= value <= dt.date(TODAY.year + 20, 12, 31), where
    elif isinstance(value, dict):
        for key, item in value.items():
            check_accepted(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            check_accepted(item, f"{where}[{index}]")
    else:
        raise AssertionError(f"{where}: {type(value).__name__}")


async def test_the_version_2_corpus_imports_cleanly(store_db: db.DbTarget, tmp_path: Path) -> None:
    """The fuzz tests start from a valid file: every line of it is accepted."""
    report = await import_file(write(tmp_path / "v2.jsonl", "\n".join(EXAMPLE_V2) + "\n"), operator="t", today=TODAY)
    assert report.errors == [] and all(report.counts[name] == 1 for name in ("month_close", "change_event"))


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_line())
def test_fuzz_parse_line(text: str) -> None:
    FUZZ["parse"] += 1
    try:
        parsed = parse_line(text, 42, TODAY)
    except LineError as error:
        FUZZ["parse_refused"] += 1
        assert error.line == 42 and str(error).startswith("第 42 行：")
        assert len(str(error)) <= MESSAGE_LIMIT
        str(error).encode("utf-8")  # printable: no lone surrogates
        return
    check_accepted(parsed.unit or parsed.household or parsed.row)
    assert parsed.version is None or 1 <= parsed.version <= FORMAT_VERSION
    assert all(len(k) <= 100 and find_unsafe(k) is None for k in parsed.unknown_keys)


def backends() -> list[Any]:
    return ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


async def _pg_admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_URL.replace("postgres://", "postgresql://"), timeout=3)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def _fresh_target(backend: str, folder: Path) -> tuple[db.DbTarget, str | None]:
    """A database for one fuzz test: an SQLite file, or a new PostgreSQL database (dropped by the caller)."""
    if backend == "sqlite":
        return db.resolve(folder / "fuzz.sqlite3"), None
    try:
        await _pg_admin("SELECT 1")
        reason = None
    except Exception as exc:  # not installed, not running: skipped like the store_db variants
        reason = f"PostgreSQL not reachable at {PG_URL}: {exc}"
    if reason:
        if PG_REQUIRED:
            pytest.fail(f"PostgreSQL is required here (RENKOU_REQUIRE_PG=1): {reason}")
        pytest.skip(reason)
    name = f"renkou_fz_{uuid.uuid4().hex[:12]}"
    await _pg_admin(f"CREATE DATABASE {name}")
    return db.resolve(f"{PG_URL.rsplit('/', 1)[0]}/{name}"), name


async def _import_checked(target: db.DbTarget, path: Path) -> None:
    """Import `path`: a report or a StoreError, short messages, and nothing changed when refused."""
    async with db.database(target):
        before = await snapshot()
        try:
            report = await import_file(path, operator="fuzz", today=TODAY)
        except StoreError as error:
            assert len(str(error)) <= MESSAGE_LIMIT + len(str(path))
            assert await snapshot() == before
            return
        for error in report.errors:
            assert len(str(error)) <= MESSAGE_LIMIT
            str(error).encode("utf-8")
        if report.errors:
            assert await snapshot() == before


def _fuzz_files(backend: str, files: st.SearchStrategy[bytes], examples: int, counter: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        target, pg_name = asyncio.run(_fresh_target(backend, Path(folder)))
        try:

            @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck))
            @given(files)
            def one(data: bytes) -> None:
                FUZZ[counter] += 1
                path = Path(folder) / "in.jsonl"
                path.write_bytes(data)
                asyncio.run(_import_checked(target, path))

            one()
        finally:
            if pg_name:
                asyncio.run(_pg_admin(f"DROP DATABASE IF EXISTS {pg_name} WITH (FORCE)"))


@st.composite
def mutated_file(draw: st.DrawFn) -> bytes:
    lines = list(EXAMPLE_V2)
    at = draw(st.integers(0, len(lines) - 1))
    lines[at] = draw(mutated_line())
    return ("\n".join(lines) + "\n").encode("utf-8", "surrogatepass")


@pytest.mark.parametrize("backend", backends())
def test_fuzz_import_of_mutated_lines(backend: str) -> None:
    _fuzz_files(backend, mutated_file(), 120 if backend == "sqlite" else 40, "import")


_EXPORTED: list[bytes] = []


def exported_file() -> bytes:
    """A real export of the example (made once)."""
    if not _EXPORTED:

        async def make(folder: Path) -> bytes:
            async with db.database(db.resolve(folder / "e.sqlite3")):
                await import_file(EXAMPLE_FILE, operator="t")
                await export_households(folder / "out.jsonl", operator="t")
            return (folder / "out.jsonl").read_bytes()

        with tempfile.TemporaryDirectory() as folder:
            _EXPORTED.append(asyncio.run(make(Path(folder))))
    return _EXPORTED[0]


@st.composite
def corrupted_export(draw: st.DrawFn) -> bytes:
    """The export with a few bytes flipped, inserted or deleted."""
    data = bytearray(exported_file())
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data) - 1))
        how = draw(st.sampled_from(["flip", "insert", "delete"]))
        if how == "flip":
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif how == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=4))
        else:
            del data[at : at + draw(st.integers(1, 4))]
    assume(bytes(data) != exported_file())
    return bytes(data)


@pytest.mark.parametrize("backend", backends())
def test_fuzz_corrupted_export(backend: str) -> None:
    _fuzz_files(backend, corrupted_export(), 150 if backend == "sqlite" else 40, "bytes")


def test_fuzz_counts_are_reported() -> None:
    """Prints how many inputs the fuzz tests above tried in this session (pytest -s shows it)."""
    print(f"\nfuzz inputs: {FUZZ}")
