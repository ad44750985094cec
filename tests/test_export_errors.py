"""The errors list: open findings per village, sorted for working through, IDs masked except for admins."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest

from exports.errors_list import export_errors
from store import db
from store.importer import import_file
from tests.support.export_fixture import BAIDI, DONGFENG, HONGXING, TOWNSHIP, write_fixture

C1_ID_MESSAGE = "身份证号校验位应为 9，现为 0。"

FINDINGS = [
    # (rule, severity, scope, household, person key, fields, related, message, confirmed)
    ("CH06", "I", "woman", f"{DONGFENG}010001", "a2", ["woman.children[1].birth_date"], [], "生育早于初婚。", False),
    ("ID02", "E", "person", f"{DONGFENG}010003", "c1", ["id_number"], [], C1_ID_MESSAGE, False),
    ("MAR4", "W", "person", f"{DONGFENG}010001", "a2", ["spouse"], [], "已婚但未关联配偶。", False),
    ("REQ1", "E", "person", f"{DONGFENG}010001", "a2", ["ethnicity"], [], "民族为空。", False),
    ("HH01", "E", "household", f"{DONGFENG}010001", None, [], [], "户内没有户主。", False),
    ("MAR9", "W", "pair", f"{DONGFENG}010001", "a1", ["first_marriage_date"], ["a2"], "初婚日期不同。", False),
    ("DAT2", "W", "person", f"{DONGFENG}010002", "b2", ["birth_date"], [], "已确认的预警。", True),
    ("FLW2", "W", "person", f"{HONGXING}010001", "f1", ["flow.since"], [], "流入不满 3 个月。", False),
    ("ID02", "E", "person", f"{BAIDI}010001", "h1", ["id_number"], [], "另一乡镇。", False),
]


async def _prepare(tmp_path: Path) -> None:
    report = await import_file(write_fixture(tmp_path / "fixture.jsonl"), operator="tester")
    assert report.errors == []
    await db.execute_many(
        "INSERT INTO finding (rule, severity, scope, household_code, village_code, person_key, related_json, "
        "fields_json, message, confirmed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(r, s, sc, h, h[:12], k, json.dumps(rel), json.dumps(f), m, c) for r, s, sc, h, k, f, rel, m, c in FINDINGS],
    )


def rows_of(sheet) -> tuple[list[str], list[list[object]]]:
    top = next(r for r in range(1, 10) if sheet.cell(r, 1).value in ("序号", "村"))
    headers = [c.value for c in sheet[top]]
    body = [[c.value for c in row] for row in sheet.iter_rows(min_row=top + 1) if row[0].value is not None]
    return headers, body


async def test_errors_by_village_sorted_and_masked(store_db: db.DbTarget, tmp_path: Path) -> None:
    await _prepare(tmp_path)
    out = tmp_path / "errors.xlsx"
    summary = await export_errors(out, unit=TOWNSHIP, operator="审核员", is_admin=False)
    assert summary.rows == 7
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["汇总", "东风村", "红星村"]
    headers, body = rows_of(book["东风村"])
    assert headers == ["序号", "户编码", "姓名", "身份证号", "规则", "级别", "问题说明", "涉及项目及现值", "填写更正"]
    order = [(r[1][-4:], r[2], r[4], r[5]) for r in body]
    assert order == [
        ("0001", "", "HH01", "错误"),  # the household itself first
        ("0001", "李建国", "MAR9", "预警"),  # then members in household order
        ("0001", "王秀英", "REQ1", "错误"),  # E before W before I
        ("0001", "王秀英", "MAR4", "预警"),
        ("0001", "王秀英", "CH06", "提示"),
        ("0003", "赵敏", "ID02", "错误"),
    ]
    assert [r[0] for r in body] == [1, 2, 3, 4, 5, 6]
    id_cell = body[5][3]
    assert id_cell[:6].isdigit() and id_cell[6:14] == "********" and len(id_cell) == 18  # store.masking
    assert body[5][6] == C1_ID_MESSAGE
    assert body[5][7].startswith("身份证号：430426********")
    assert body[4][7] == "第 2 个子女·出生日期：2025-10-05"
    assert body[1][7] == "初婚日期：2015-05-01\n相关人员：王秀英"
    assert body[2][7] == "民族：01 汉族"
    assert all(r[8] is None for r in body)  # the correction column is left blank
    _, summary_rows = rows_of(book["汇总"])
    assert summary_rows[:3] == [
        ["东风村", DONGFENG, 3, 2, 1, 6, 2],
        ["红星村", HONGXING, 0, 1, 0, 1, 1],
        ["新民村", "430426101203", 0, 0, 0, 0, 0],
    ]
    assert summary_rows[3][0] == "合计" and summary_rows[3][2:] == [3, 3, 1, 7, 3]
    sheet = book["东风村"]
    assert sheet.freeze_panes == "D4" and sheet.print_title_rows == "$3:$3"
    assert sheet.page_setup.orientation == "landscape"
    detail = await db.fetch("SELECT detail FROM audit_log WHERE action = 'export'")
    assert "errors" in detail[0][0] and "已遮盖" in detail[0][0]


async def test_admin_sees_full_ids(store_db: db.DbTarget, tmp_path: Path) -> None:
    await _prepare(tmp_path)
    out = tmp_path / "errors.xlsx"
    await export_errors(out, operator="管理员", is_admin=True)
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["汇总", "东风村", "红星村", "白地村"]
    _, body = rows_of(book["东风村"])
    assert len(body[5][3]) == 18 and body[5][7] == f"身份证号：{body[5][3]}"


async def test_no_open_findings_gives_a_summary_only(tmp_path: Path) -> None:
    async with db.database(db.resolve(tmp_path / "x.sqlite3")):
        await import_file(write_fixture(tmp_path / "fixture.jsonl"), operator="tester")
        out = tmp_path / "errors.xlsx"
        await export_errors(out, operator="审核员", is_admin=False)
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["汇总"]
    assert "共 0 条" in book["汇总"]["A2"].value


@pytest.mark.parametrize("unit", ["999999"])
async def test_unknown_unit(tmp_path: Path, unit: str) -> None:
    from store.errors import StoreError

    async with db.database(db.resolve(tmp_path / "x.sqlite3")):
        await import_file(write_fixture(tmp_path / "fixture.jsonl"), operator="tester")
        with pytest.raises(StoreError, match="单位代码 999999 不存在"):
            await export_errors(tmp_path / "e.xlsx", unit=unit, operator="x", is_admin=False)
    assert not (tmp_path / "e.xlsx").exists()
