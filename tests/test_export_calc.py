"""Unit tests of the pure parts of the exports: the monthly counting rules at their edges, the consistency
checks, field labels and ID masking, result marks, widths and the stdlib xlsx reader."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from exports.consistency import evaluate
from exports.fields import field_label, format_value, mask_ids_in_text
from exports.monthly_calc import ChildBirth, MonthlyCounter, PersonRow, PregnancyRow, WomanFacts, born_by
from exports.monthly_tables import build_table
from exports.returns_spec import BIRTHS, FIGURE_SHEETS, POPULATION, YTD_COLUMNS
from exports.sample_items import corrected_value, judge
from exports.styles import display_width, sheet_name
from exports.xlsx_read import read_workbook

FIRST, LAST = dt.date(2025, 10, 1), dt.date(2025, 10, 31)
V = "430426101201"


def person(pid: int = 1, **facts: object) -> PersonRow:
    base = dict(id=pid, village=V, sex="1", mgmt="01", birth="1980-01-01", moved_in=None, death=None,
                cancel_reason=None, cancel_date=None, marital="10", first_marriage=None, flow_since=None,
                method=None, method_since=None)  # fmt: skip
    base.update(facts)
    return PersonRow(**base)  # type: ignore[arg-type]


def counts(*rows: PersonRow, women: WomanFacts | None = None) -> dict[str, dict[str, int]]:
    counter = MonthlyCounter(FIRST, LAST, [V], women or WomanFacts())
    counter.add_all(rows)
    return {
        spec.name: dict(zip(spec.count_headers, counter.result.counts[spec.key][V], strict=True))
        for spec in FIGURE_SHEETS
    }


def test_layout_of_the_count_columns() -> None:
    """MonthlyCounter updates columns by position: the sheet specs must keep this order."""
    assert POPULATION.count_headers[:7] == ("期初人口", "出生", "死亡", "迁入", "迁出", "其他减少", "期末人口")
    # the 补报 columns come last: filled by header from the change lines (exports.monthly.add_late), not the counter
    assert POPULATION.count_headers[7:12] == ("补报出生", "补报死亡", "补报迁入", "补报迁出", "补报其他减少")
    # then the moves between households, filled by header from the histories (exports.monthly_figures.add_counts)
    assert POPULATION.count_headers[12:15] == ("本月户间迁移", "本月分户", "本月并户")
    assert POPULATION.count_headers[15:] == tuple(YTD_COLUMNS)
    assert BIRTHS.count_headers == ("出生合计", "男", "女", "一孩", "二孩", "三孩及以上", "政策内", "政策外")
    by_name = {s.name: s.count_headers for s in FIGURE_SHEETS}
    assert by_name["孕情婚姻"] == ("期末怀孕人数", "本月怀孕", "本月活产", "本月人工流产", "本月引产", "本月其他结局",
                                 "女性初婚人数", "其中未达法定婚龄")  # fmt: skip
    assert by_name["流动人口"] == ("流入人口", "流入已婚育龄妇女", "流出人口", "流出已婚育龄妇女", "本月新增流入",
                                 "本月新增流出", "本月流出返回")  # fmt: skip
    assert by_name["避孕节育"][:2] == ("已婚育龄妇女", "措施合计")


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        ({"death": "2025-10-01"}, {"期初人口": 1, "死亡": 1}),  # leaves on the first day
        ({"birth": "2025-10-31"}, {"出生": 1, "期末人口": 1}),  # born on the last day
        ({"moved_in": "2025-10-15", "cancel_reason": "02", "cancel_date": "2025-10-20"},
         {"迁入": 1, "迁出": 1}),
        ({"cancel_reason": "02", "cancel_date": "2025-10-20", "death": "2025-10-10"}, {"死亡": 1, "期初人口": 1}),
        ({"cancel_reason": "01", "cancel_date": "2025-10-20"}, {"死亡": 1, "期初人口": 1}),  # death without date
        ({"cancel_reason": "05", "cancel_date": "2025-10-20"}, {"其他减少": 1, "期初人口": 1}),
        ({"cancel_reason": "06", "cancel_date": "2025-10-20"}, {"迁出": 1, "期初人口": 1}),
        ({"death": "2025-09-30"}, {}),  # gone before the month
        ({"moved_in": "2025-11-01"}, {}),  # arrives after it
        ({"death": "1979-12-31"}, {}),  # exit before entry: left out
        ({"mgmt": "02"}, {}),  # not 户籍
        ({"mgmt": "03", "flow_since": "2020-01-01"}, {"期初人口": 1, "期末人口": 1}),  # outflow stays 户籍
    ],
)  # fmt: skip
def test_population_edges(facts: dict, expected: dict) -> None:
    got = counts(person(**facts))["人口变动"]
    assert {k: v for k, v in got.items() if v} == expected


def test_entries_without_dates_and_exits_before_entry_are_counted_aside() -> None:
    counter = MonthlyCounter(FIRST, LAST, [V], WomanFacts())
    counter.add_all([person(birth=None), person(death="1970-01-01"), person()])
    assert (counter.result.persons, counter.result.no_entry_date, counter.result.left_out) == (3, 1, 1)


def test_married_wcba_age_bounds_and_29_february() -> None:
    woman = {"sex": "2", "marital": "21", "first_marriage": "2010-01-01", "method": "03", "method_since": "2011-01-01"}
    rows = [
        person(1, birth="2010-10-31", **woman),  # 15 on the last day: in
        person(2, birth="2010-11-01", **woman),  # 15 the day after: out
        person(3, birth="1976-11-01", **woman),  # 49 until 2025-10-31 (50 the next day): in
        person(4, birth="1975-10-31", **woman),  # 50 on the last day: out
        person(5, birth="1990-01-01", **{**woman, "first_marriage": "2025-11-01"}),  # married after month end
        person(6, birth="1990-01-01", **{**woman, "marital": "40"}),  # divorced
    ]
    assert counts(*rows)["避孕节育"]["已婚育龄妇女"] == 2
    assert born_by(dt.date(2027, 2, 28), 15) == "2012-02-28"  # born 2012-02-29: 15 only on 2027-03-01
    assert born_by(dt.date(2028, 2, 29), 15) == "2013-02-28"


def test_births_operations_pregnancies_and_marriages() -> None:
    women = WomanFacts(
        births={1: [ChildBirth("2025-10-03", 3, "1", "2"), ChildBirth("2025-10-03", 4, "0", None)]},
        pregnancies={1: [PregnancyRow("2024-12-01", "1", "2025-10-03"), PregnancyRow("2025-09-20", None, None)],
                     2: [PregnancyRow("2025-01-01", "5", "2025-10-09"), PregnancyRow("2025-11-02", None, None)]},
        former_methods={1: [("03", "2025-10-05")], 2: [("07", "2025-10-06")]},
    )  # fmt: skip
    rows = [
        person(1, sex="2", marital="21", first_marriage="2000-01-01", birth="1985-01-01", method="02",
               method_since="2025-10-20"),
        person(2, sex="2", marital="21", first_marriage="2025-10-10", birth="2006-01-01", method="04",
               method_since="2025-10-12", death="2025-10-30"),
    ]  # fmt: skip
    got = counts(*rows, women=women)
    assert got["出生情况"] == {"出生合计": 2, "男": 1, "女": 0, "一孩": 0, "二孩": 0, "三孩及以上": 2, "政策内": 0,
                           "政策外": 1}  # fmt: skip
    contraception = got["避孕节育"]
    assert (contraception["本月女扎"], contraception["本月上环"], contraception["本月皮埋"]) == (1, 1, 1)
    pregnancy = got["孕情婚姻"]
    assert pregnancy["期末怀孕人数"] == 1  # woman 2 died; her later LMP is after month end anyway
    assert (pregnancy["本月活产"], pregnancy["本月人工流产"]) == (1, 1)
    assert (pregnancy["女性初婚人数"], pregnancy["其中未达法定婚龄"]) == (1, 1)  # married at 19


def test_legal_age_follows_the_configured_region() -> None:
    row = person(1, sex="2", marital="21", first_marriage="2025-10-10", birth="2006-01-01")
    counter = MonthlyCounter(FIRST, LAST, [V], WomanFacts(), legal_age=lambda village, day: 18)
    counter.add(row)
    assert counter.result.counts["pregnancy"][V][6:] == [1, 0]  # 女性初婚人数, 其中未达法定婚龄


def test_flows() -> None:
    rows = [
        person(1, mgmt="02", flow_since="2025-10-31"),
        person(2, mgmt="02", flow_since="2025-11-01"),  # not yet at month end
        person(3, mgmt="03", flow_since="2024-01-01", sex="2", marital="22", first_marriage="2010-01-01",
               birth="1990-05-05"),
        person(4, mgmt="02", flow_since="2025-01-01", cancel_reason="99", cancel_date="2025-10-31"),
    ]  # fmt: skip
    assert counts(*rows)["流动人口"] == {"流入人口": 1, "流入已婚育龄妇女": 0, "流出人口": 1, "流出已婚育龄妇女": 1,
                                     "本月新增流入": 1, "本月新增流出": 0, "本月流出返回": 0}  # fmt: skip


def test_total_row_recomputes_rates_and_blank_denominators() -> None:
    spec = next(s for s in FIGURE_SHEETS if s.name == "避孕节育")
    width = len(spec.count_headers)
    a = [4, 3] + [0] * (width - 2)
    b = [1, 0] + [0] * (width - 2)
    table = build_table(spec, [("1", "甲村"), ("2", "乙村"), ("3", "丙村")], {"1": a, "2": b})
    rate = spec.index("综合避孕率")
    assert [r.values[rate] for r in table.rows] == [0.75, 0.0, None, 0.6]
    assert table.rows[-1].label == "合计" and table.rows[2].values[0] == 0


def test_consistency_checks_flag_rows() -> None:
    width = len(BIRTHS.count_headers)
    good = [2, 1, 1, 1, 1, 0, 2, 0]
    bad = [2, 1, 0, 1, 0, 0, 1, 0]
    assert len(good) == width
    table = build_table(BIRTHS, [("1", "甲村"), ("2", "乙村")], {"1": good, "2": bad})
    found = evaluate([table])
    texts = [(v.row_label, v.check.text) for v in found]
    assert ("乙村", "男 + 女 = 出生合计") in texts and ("合计", "一孩 + 二孩 + 三孩及以上 = 出生合计") in texts
    assert ("乙村", "政策内 + 政策外 = 出生合计") in texts
    assert not any(label == "甲村" for label, _ in texts)


def test_field_labels_values_and_masks() -> None:
    assert field_label("woman.children[1].birth_date") == "第 2 个子女·出生日期"
    assert field_label("woman.pregnancies[0]") == "第 1 次怀孕"
    assert field_label("flow.since") == "流动日期"
    assert field_label("something.odd") == "something.odd"
    assert format_value("marital_status", "21", full_ids=False) == "21 初婚"
    assert format_value("id_number", "430426198003120019", full_ids=False) == "430426********0019"  # store.masking
    assert format_value("id_number", "430426198003120019", full_ids=True) == "430426198003120019"
    assert format_value("birth_date", dt.date(1980, 3, 12), full_ids=False) == "1980-03-12"
    assert format_value("ethnicity", None, full_ids=False) == "（空）"
    text = "身份证号 43042619800312001X 与 430426800312001、43042619690430026 重复；户 430426101201010012。"
    assert mask_ids_in_text(text) == (
        "身份证号 430426********001X 与 430426*****2001、430426*******0026 重复；户 430426101201010012。"
    )


@pytest.mark.parametrize(
    ("recorded", "answer", "verdict", "corrected"),
    [("王秀英", "√", True, ""), ("王秀英", " 对 ", True, ""), ("王秀英", None, None, ""), ("王秀英", "  ", None, ""),
     ("王秀英", "×", False, ""), ("王秀英", "王秀颖", False, "王秀颖"), ("2", 2.0, True, ""), ("2", 1, False, "1"),
     ("2015-05-01", "2015-05-01", True, "")],
)  # fmt: skip
def test_result_marks(recorded: str, answer: object, verdict: bool | None, corrected: str) -> None:
    assert judge(recorded, answer) is verdict
    if verdict is False:
        assert corrected_value(answer) == corrected


def test_widths_and_sheet_names() -> None:
    assert display_width("出生人口性别比") == 14 and display_width("0.0%") == 4 and display_width("Ｘ") == 2
    taken: set[str] = set()
    assert sheet_name("东风村", taken) == "东风村" and sheet_name("东风村", taken) == "东风村(2)"
    assert sheet_name("a/b:c" * 10, taken) == ("a_b_c" * 10)[:31]


def test_stdlib_reader_matches_openpyxl(tmp_path: Path) -> None:
    path = tmp_path / "x.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "甲"
    sheet["A1"], sheet["B2"], sheet["C3"], sheet["AA10"] = "文字", 3, 2.5, True
    book.create_sheet("乙")["A1"] = "=1+1"
    book.save(path)
    with read_workbook(path) as reader:
        assert reader.sheet_names == ["甲", "乙"]
        assert reader.cells("甲") == {(1, 1): "文字", (2, 2): 3.0, (3, 3): 2.5, (10, 27): True}


def test_date_cells_hold_what_write_datetime_writes(tmp_path: Path) -> None:
    """Date cells are written as serial numbers with a date format; read back they equal `write_datetime`'s."""
    import xlsxwriter

    from exports.monthly_writer import _write_date

    values = [dt.date(2026, 10, 3), dt.date(1900, 3, 1), dt.date(1900, 2, 27), dt.date(1985, 2, 28),
              dt.datetime(2026, 11, 5, 23, 59, 59), dt.datetime(2024, 2, 29, 8, 30, 0, 500_000)]  # fmt: skip
    path = tmp_path / "dates.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("d")
    fmt = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    for row, value in enumerate(values):
        sheet.write_datetime(row, 0, value, fmt)
        _write_date(sheet, row, 1, value, fmt)
    workbook.close()
    rows = list(openpyxl.load_workbook(path).active.iter_rows(values_only=True))
    assert [r[1] for r in rows] == [r[0] for r in rows]
    assert rows[0][1] == dt.datetime(2026, 10, 3)
