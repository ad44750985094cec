"""The verification checklist: export, fill in (openpyxl, as a clerk would), read back, accuracy stored."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from checks.quality import compute_quality, sample_order
from exports import sample
from exports.sample_results import import_sample_results, stored_results
from exports.sample_source import VillageDraw
from store import db
from store.errors import StoreError
from store.importer import import_file
from tests.support.export_fixture import DONGFENG, HONGXING, MONTH, TOWNSHIP, write_fixture

ITEM_LABELS = ["姓名", "身份证号", "婚姻状况", "初婚日期", "子女数", "末孩出生日期", "避孕节育措施", "现孕情况"]
DRAWS = [
    VillageDraw(DONGFENG, ("d2", "a2", "c1"), married_wcba=4, rate=0.15),
    VillageDraw(HONGXING, ("f2",), married_wcba=1, rate=0.15, full_recheck=True),
]


@pytest.fixture
def fake_draw(monkeypatch: pytest.MonkeyPatch) -> None:
    async def draw(month: object) -> list[VillageDraw]:
        return DRAWS

    monkeypatch.setattr(sample, "draw_sample", draw)


def checklist(sheet) -> tuple[int, dict[str, int], dict[str, int]]:
    """(header row, item label → result column, person key → row) of a checklist sheet (1-based)."""
    top = next(r for r in range(1, 10) if sheet.cell(r, 1).value == "序号")
    result_cols = {}
    for col in range(1, sheet.max_column + 1):
        if sheet.cell(top, col).value == "核实结果":
            result_cols[sheet.cell(top - 1, col - 1).value] = col
    key_col = next(c for c in range(1, sheet.max_column + 1) if sheet.cell(top, c).value == "人员编号")
    rows = {sheet.cell(r, key_col).value: r for r in range(top + 1, sheet.max_row + 1) if sheet.cell(r, key_col).value}
    return top, result_cols, rows


async def _export(tmp_path: Path, women: int = 4) -> Path:
    report = await import_file(write_fixture(tmp_path / "fixture.jsonl"), operator="tester")
    assert report.errors == []
    out = tmp_path / "抽查.xlsx"
    summary = await sample.export_sample(out, MONTH, operator="质量员")
    assert summary.rows == women
    return out


async def test_checklist_layout(store_db: db.DbTarget, tmp_path: Path, fake_draw: None) -> None:
    book = openpyxl.load_workbook(await _export(tmp_path))
    assert book.sheetnames == ["东风村", "红星村", "说明"]
    sheet = book["东风村"]
    assert sheet["A1"].value == "东风村 2025年10月 已婚育龄妇女抽查核实表"
    _, result_cols, rows = checklist(sheet)
    assert list(result_cols) == ITEM_LABELS
    assert list(rows) == ["a2", "c1", "d2"]  # by household
    key_letter = openpyxl.utils.get_column_letter(sheet.max_column)
    assert sheet.column_dimensions[key_letter].hidden
    wang = [sheet.cell(rows["a2"], col - 1).value for col in result_cols.values()]
    assert wang[0] == "王秀英" and len(wang[1]) == 18
    assert wang[2:] == ["初婚", "2015-05-01", "2", "2025-10-05", "宫内节育器", "未孕"]
    assert sheet.cell(rows["d2"], result_cols["现孕情况"] - 1).value == "现孕"
    assert all(sheet.cell(r, c).value is None for r in rows.values() for c in result_cols.values())
    assert sheet.page_setup.orientation == "landscape" and sheet.print_title_rows == "$3:$4"
    assert "须逐户全面复核" in book["红星村"]["A2"].value
    notes = {book["说明"].cell(r, 1).value: book["说明"].cell(r, 2).value for r in range(1, 12)}
    assert notes["抽查月份"] == MONTH


async def test_filled_checklist_gives_accuracy(store_db: db.DbTarget, tmp_path: Path, fake_draw: None) -> None:
    out = await _export(tmp_path)
    book = openpyxl.load_workbook(out)
    sheet = book["东风村"]
    _, cols, rows = checklist(sheet)
    for key in ("a2", "c1"):  # every item verified: 16 items
        for col in cols.values():
            sheet.cell(rows[key], col, "√")
    sheet.cell(rows["c1"], cols["身份证号"], "430426199502010028")  # wrong, corrected
    sheet.cell(rows["c1"], cols["子女数"], 1)  # a number equal to the record: right
    sheet.cell(rows["a2"], cols["避孕节育措施"], "×")  # wrong, no value given
    sheet.cell(rows["d2"], cols["姓名"], " 对 ")  # d2: only one item verified
    other = book["红星村"]
    _, cols2, rows2 = checklist(other)
    other.cell(rows2["f2"], cols2["婚姻状况"], "再婚")
    book.save(out)

    result = await import_sample_results(out, operator="质量员")
    assert (result.month, result.women, result.verified, result.correct) == (MONTH, 4, 18, 15)
    assert result.accuracy_rate == pytest.approx(15 / 18)
    assert result.villages[DONGFENG].verified == 17 and result.villages[DONGFENG].correct == 15
    assert result.villages[HONGXING].verified == 1 and result.villages[HONGXING].correct == 0
    corrections = {(c["key"], c["item"]): c["corrected"] for c in result.corrections}
    assert corrections == {("c1", "身份证号"): "430426199502010028", ("a2", "避孕节育措施"): "",
                           ("f2", "婚姻状况"): "再婚"}  # fmt: skip
    stored = await stored_results()
    assert len(stored) == 18 and sum(1 for e in stored if e["correct"]) == 15
    assert {"unit": HONGXING, "item": "婚姻状况", "correct": False, "month": MONTH, "person_key": "f2",
            "recorded": "初婚", "corrected": "再婚"} in stored  # fmt: skip
    quality = {u.unit_code: u for u in await compute_quality(dt.date(2025, 10, 31), month=MONTH)}
    assert quality[DONGFENG].values["accuracy_rate"] == pytest.approx(15 / 17)
    assert quality[TOWNSHIP].values["accuracy_rate"] == pytest.approx(15 / 18)
    log = await db.fetch("SELECT action, detail FROM audit_log WHERE action IN ('export', 'import') ORDER BY id")
    assert [r[0] for r in log] == ["import", "export", "import"]
    assert "sample month=2025-10" in log[1][1] and "准确率 83.3%" in log[2][1]


async def test_blank_checklist_is_refused(tmp_path: Path, fake_draw: None) -> None:
    async with db.database(db.resolve(tmp_path / "x.sqlite3")):
        out = await _export(tmp_path)
        with pytest.raises(StoreError, match="还没有填写任何核实结果"):
            await import_sample_results(out)
        assert await stored_results() == []


async def test_not_a_checklist_is_refused(tmp_path: Path) -> None:
    junk = tmp_path / "junk.xlsx"
    junk.write_text("not a zip", encoding="utf-8")
    other = tmp_path / "other.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "Sheet1"
    book.save(other)
    async with db.database(db.resolve(tmp_path / "x.sqlite3")):
        with pytest.raises(StoreError, match="不是有效的 Excel 工作簿"):
            await import_sample_results(junk)
        with pytest.raises(StoreError, match="不是 Renkou 导出的抽查核实表"):
            await import_sample_results(other)
        with pytest.raises(StoreError, match="找不到文件"):
            await import_sample_results(tmp_path / "missing.xlsx")


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
async def test_checklist_saved_by_libreoffice_reads_back(tmp_path: Path, fake_draw: None) -> None:
    async with db.database(db.resolve(tmp_path / "x.sqlite3")):
        out = await _export(tmp_path)
        book = openpyxl.load_workbook(out)
        sheet = book["东风村"]
        _, cols, rows = checklist(sheet)
        sheet.cell(rows["a2"], cols["姓名"], "√")
        sheet.cell(rows["a2"], cols["初婚日期"], "2015-06-01")
        book.save(out)
        saved = tmp_path / "lo"
        subprocess.run(
            ["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo-profile", "--convert-to",
             "xlsx:Calc MS Excel 2007 XML", "--outdir", str(saved), str(out)],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        result = await import_sample_results(saved / out.name)
    assert (result.verified, result.correct) == (2, 1)


async def test_real_draw_follows_quality_md(tmp_path: Path) -> None:
    async with db.database(db.resolve(tmp_path / "x.sqlite3")):
        out = await _export(tmp_path, women=3)
    book = openpyxl.load_workbook(out)
    # fewer than 1000 persons per village: 15 %, at least 1 — 东风村 has 4 married WCBA (a2, c1, d2, e1) → 1,
    # 红星村 1 (f2, an inflow woman: quality counts every managed person) → 1; 白地村 (h2) is included too
    assert book.sheetnames == ["东风村", "红星村", "白地村", "说明"]
    _, _, rows = checklist(book["东风村"])
    expected = sample_order(DONGFENG, MONTH, ["a2", "c1", "d2", "e1"])[:1]
    assert list(rows) == expected
    assert "按 15% 抽查 1 人" in book["东风村"]["A2"].value
    assert book["东风村"]["A2"].value.startswith(
        "在册已婚育龄妇女（含流动人口）"
    )  # the frame, not the returns’ 户籍 count
