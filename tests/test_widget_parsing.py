"""What the entry fields make of typed text (tui.widgets.parsing: no Textual involved)."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from store import idnumber
from store.codes import TABLES
from tui.widgets.parsing import check_id, lookup_code, normalize_typed, parse_date

TODAY = date(2026, 5, 20)
ROOT = Path(__file__).resolve().parents[1]


# --- dates ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["19850312", "1985-3-12", "1985.3.12", "1985/03/12", "1985-03-12", "1985年3月12日", "１９８５０３１２"],
)
def test_date_forms_read_the_same(text: str) -> None:
    result = parse_date(text, today=TODAY)
    assert result.value == date(1985, 3, 12)
    assert result.complete and result.error is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("850312", date(1985, 3, 12)),
        ("250312", date(2025, 3, 12)),  # in the past this century
        ("260520", date(2026, 5, 20)),  # today itself
        ("260521", date(1926, 5, 21)),  # tomorrow would be future: previous century
        ("000229", date(2000, 2, 29)),
        ("85-3-12", date(1985, 3, 12)),
    ],
)
def test_two_digit_year_takes_the_closest_past_century(text: str, expected: date) -> None:
    assert not parse_date(text, today=TODAY).value  # still being typed: could become 8 digits
    result = parse_date(text, today=TODAY, final=True)
    assert result.value == expected and not result.complete


def test_impossible_date_is_refused_with_a_chinese_message() -> None:
    result = parse_date("19850230", today=TODAY)
    assert result.value is None and result.complete
    assert result.error == "日期不存在：1985-02-30，请核对"
    assert parse_date("1985-13-1", today=TODAY, final=True).error == "日期不存在：1985-13-01，请核对"
    assert parse_date("19000229", today=TODAY).error == "日期不存在：1900-02-29，请核对"


def test_partial_text_is_quiet_until_final() -> None:
    for text in ["1", "1985", "198503", "1985-", "1985-3", "1985-3-1", "1985-03-1"]:
        result = parse_date(text, today=TODAY)
        assert result.partial and not result.complete, text
    assert parse_date("1985-3-1", today=TODAY, final=True).value == date(1985, 3, 1)
    assert "日期位数不对" in (parse_date("1985031", today=TODAY, final=True).error or "")
    assert "日期格式不对" in (parse_date("1985-123", today=TODAY).error or "")
    assert parse_date("", today=TODAY, final=True) == parse_date("", today=TODAY)


def test_future_dates_follow_the_policy() -> None:
    assert parse_date("20300101", today=TODAY).warning == "日期晚于今天：2030-01-01"
    assert parse_date("20300101", today=TODAY).value == date(2030, 1, 1)
    refused = parse_date("20300101", today=TODAY, future="error")
    assert refused.value is None and refused.error == "日期晚于今天：2030-01-01，请核对"
    allowed = parse_date("20300101", today=TODAY, future="allow")
    assert allowed.value == date(2030, 1, 1) and allowed.warning is None
    assert parse_date("18800101", today=TODAY).error == "日期过早：1880-01-01，请核对"
    assert parse_date("18800101", today=TODAY, earliest=None).value == date(1880, 1, 1)


@given(st.dates(min_value=date(1890, 1, 1), max_value=TODAY))
def test_every_past_date_reads_back_in_each_form(day: date) -> None:
    forms = [f"{day:%Y%m%d}", f"{day.year}-{day.month}-{day.day}", f"{day.year}.{day.month}.{day.day}", day.isoformat()]
    for text in forms:
        assert parse_date(text, today=TODAY, final=True).value == day, text
    short = parse_date(f"{day:%y%m%d}", today=TODAY, final=True).value
    assert short is not None and short <= TODAY and TODAY - short < timedelta(days=36525)
    assert short.strftime("%y%m%d") == day.strftime("%y%m%d")


@given(st.text(max_size=12))
def test_parse_date_never_raises_and_keeps_the_text(text: str) -> None:
    for final in (False, True):
        result = parse_date(text, today=TODAY, final=final)
        assert result.text == text
        assert not (result.value and result.error)


def test_normalize_typed_widens_and_strips() -> None:
    assert normalize_typed("１９８５－０３ ") == "1985-03"
    assert normalize_typed("Ｈｚ") == "Hz"


# --- codes ---------------------------------------------------------------------------------------


def test_code_typed_in_full_is_complete() -> None:
    result = lookup_code(TABLES["ethnicity"], "01")
    assert (result.code, result.label, result.complete) == ("01", "汉族", True)
    assert result.pick is not None and result.pick.code == "01"
    partial = lookup_code(TABLES["ethnicity"], "0")
    assert partial.code is None and not partial.complete
    assert [c.code for c in partial.candidates][:3] == ["01", "02", "03"]


def test_pinyin_initials_and_labels_find_candidates() -> None:
    result = lookup_code(TABLES["ethnicity"], "hz")
    assert result.code is None and not result.complete
    assert result.pick is not None and result.pick.label == "汉族"
    assert "赫哲族" in [c.label for c in result.candidates]
    upper = lookup_code(TABLES["ethnicity"], "HZ")
    assert upper.candidates == result.candidates
    by_label = lookup_code(TABLES["ethnicity"], "汉")
    assert by_label.pick is not None and by_label.pick.code == "01" and by_label.code is None
    full_label = lookup_code(TABLES["ethnicity"], "汉族")
    assert full_label.code == "01" and not full_label.complete
    assert lookup_code(TABLES["ethnicity"], "qq").candidates == ()
    assert lookup_code(TABLES["marital_status"], "ch").pick.label == "初婚"  # type: ignore[union-attr]


def test_sub_code_with_parent_fallback_is_valid() -> None:
    table = TABLES["education"]
    code = next(f"{c.code[0]}9" for c in table.codes if c.code.endswith("0") and table.get(f"{c.code[0]}9") is None)
    result = lookup_code(table, code)
    assert result.code == code and result.pick is not None and result.pick.code == code
    assert result.label == table.label(code)


@given(st.sampled_from(sorted(TABLES)), st.data())
def test_each_code_names_itself(name: str, data: st.DataObject) -> None:
    table = TABLES[name]
    code = data.draw(st.sampled_from([c.code for c in table.codes]))
    result = lookup_code(table, code)
    assert result.code == code and result.label == table.label(code)
    assert result.complete == (not any(c.code != code and c.code.startswith(code) for c in table.codes))


# --- ID numbers ----------------------------------------------------------------------------------


def test_valid_id_gives_sex_and_birth_date() -> None:
    result = check_id("430426198206150023", today=TODAY)
    assert (result.state, result.sex, result.birth_date) == ("ok", "2", date(1982, 6, 15))
    assert check_id("11010219900101002x", today=TODAY).number == "11010219900101002X"


def test_wrong_check_character_names_the_expected_one() -> None:
    result = check_id("430426198206150024", today=TODAY)
    assert result.state == "error" and result.message == "校验位应为 3，现为 4"
    assert result.expected_check == "3"


def test_impossible_or_future_birth_date_in_an_id() -> None:
    assert check_id("440308199902301516", today=TODAY).message == "出生日期不存在：1999-02-30"
    both = check_id("440308199902301512", today=TODAY)
    assert both.message == "出生日期不存在：1999-02-30；校验位应为 6，现为 2"
    assert check_id("110102209901010013", today=TODAY).message == "出生日期不合理：2099-01-01"


def test_fifteen_digits_only_on_enter() -> None:
    assert check_id("610104620927690", today=TODAY).state == "partial"
    legacy = check_id("610104620927690", today=TODAY, final=True)
    assert legacy.state == "legacy" and legacy.upgraded == "610104196209276908"
    assert (legacy.sex, legacy.birth_date) == ("2", date(1962, 9, 27))
    assert check_id("610104620932690", today=TODAY, final=True).message == "出生日期不存在：1962-09-32"
    assert check_id("4304261982", today=TODAY, final=True).state == "error"
    assert check_id("", today=TODAY, final=True).state == "empty"


def test_placeholder_counts_as_no_id() -> None:
    assert check_id("000000198506150000", today=TODAY).state == "placeholder"
    assert check_id("0", today=TODAY, final=True).state == "placeholder"
    assert check_id("0", today=TODAY).state == "partial"


@given(st.dates(min_value=date(1900, 1, 1), max_value=TODAY), st.integers(0, 999))
def test_made_ids_check_out(birth: date, seq: int) -> None:
    number = idnumber.make_id("430426", birth, seq)
    result = check_id(number, today=TODAY)
    assert result.state == "ok" and result.birth_date == birth
    assert result.sex == ("1" if seq % 2 else "2")
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    assert check_id(wrong, today=TODAY).message.endswith(f"校验位应为 {number[17]}，现为 {wrong[17]}")


def test_parsing_module_does_not_load_textual() -> None:
    code = "import sys, tui.widgets.parsing; print(any(m.startswith('textual') for m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
