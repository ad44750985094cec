"""The monthly returns workbook read back with openpyxl against figures known by construction."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from exports.monthly import export_monthly
from store import db
from store.importer import import_file
from tests.support.export_fixture import EXPECTED, EXPECTED_CHANGES, EXPECTED_ROWS, MONTH, TOWNSHIP, write_fixture
from tests.support.workbooks import header_row, table

#: header texts of docs/spec/returns.md, typed here independently of exports.returns_spec
HEADERS = {
    "人口变动": "单位, 期初人口, 出生, 死亡, 迁入, 迁出, 其他减少, 期末人口, 补报出生, 补报死亡, 补报迁入, 补报迁出, "
    "补报其他减少, 本月户间迁移, 本月分户, 本月并户, 本年累计出生, 本年累计死亡, 本年累计迁入, 本年累计迁出, 本年累计其他减少",
    "出生情况": "单位, 出生合计, 男, 女, 一孩, 二孩, 三孩及以上, 政策内, 政策外, 出生人口性别比",
    "避孕节育": "单位, 已婚育龄妇女, 措施合计, 男性绝育, 女性绝育, 宫内节育器, 皮下埋植, 口服及注射避孕药, 避孕套, 外用药, "
    "其他, 综合避孕率, 本月男扎, 本月女扎, 本月上环, 本月皮埋, 本月取环",
    "孕情婚姻": "单位, 期末怀孕人数, 本月怀孕, 本月活产, 本月人工流产, 本月引产, 本月其他结局, 女性初婚人数, 其中未达法定婚龄",
    "流动人口": "单位, 流入人口, 流入已婚育龄妇女, 流出人口, 流出已婚育龄妇女, 本月新增流入, 本月新增流出, "
    "本月流出返回",
    "变更清单": "村, 户编码, 姓名, 身份证号, 变更类型, 变更日期, 录入日期, 录入人",
}
TITLES = {"人口变动": "人口变动情况", "出生情况": "出生情况", "避孕节育": "避孕节育情况", "孕情婚姻": "孕情及婚姻情况",
          "流动人口": "流动人口情况", "变更清单": "人口变更清单"}  # fmt: skip
SHEETS = ["人口变动", "出生情况", "避孕节育", "孕情婚姻", "流动人口", "变更清单", "质量", "说明"]
RATES = {"综合避孕率"}
RATIOS = {"出生人口性别比"}
FLAG_FILL = "FFC7CE"


async def exported(tmp_path: Path, *, bad: bool = False, unit: str = TOWNSHIP) -> openpyxl.Workbook:
    report = await import_file(write_fixture(tmp_path / "fixture.jsonl", bad=bad), operator="录入员甲")
    assert report.errors == []
    out = tmp_path / "月报.xlsx"
    summary = await export_monthly(out, MONTH, unit=unit, operator="统计员乙")
    assert summary.path == out and out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    return openpyxl.load_workbook(out)


async def test_monthly_figures_match_the_fixture(store_db: db.DbTarget, tmp_path: Path) -> None:
    book = await exported(tmp_path)
    assert book.sheetnames == SHEETS
    for name, figures in EXPECTED.items():
        sheet = book[name]
        assert sheet["A1"].value == f"城关镇 2025年10月 {TITLES[name]}"
        headers, rows = table(sheet)
        assert headers == HEADERS[name].split(", "), name
        assert list(rows) == list(EXPECTED_ROWS), name
        for header, expected in figures.items():
            col = headers.index(header)
            got = [rows[label][col].value for label in EXPECTED_ROWS]
            assert got == pytest.approx(list(expected)), f"{name}.{header}"
            for label in EXPECTED_ROWS:
                cell = rows[label][col]
                assert cell.number_format == ("0.0%" if header in RATES else "0.0" if header in RATIOS else "0")
                assert not isinstance(cell.value, str), f"{name}.{header} must be a number"
                assert cell.fill.fgColor.rgb[-6:] != FLAG_FILL, f"{name}.{header} {label} flagged"
        assert all(c.font.b for c in rows["合计"])


async def test_change_list_shows_the_month_with_import_time_and_user(store_db: db.DbTarget, tmp_path: Path) -> None:
    before = dt.datetime.now().replace(microsecond=0)
    book = await exported(tmp_path)
    sheet = book["变更清单"]
    assert sheet["A1"].value == "城关镇 2025年10月 人口变更清单"
    headers, _ = table(sheet)
    assert headers == HEADERS["变更清单"].split(", ")
    top = header_row(sheet)
    lines = [[c.value for c in r] for r in sheet.iter_rows(min_row=top + 1) if r[0].value]
    got = [(r[1], r[2], r[4], r[5].date().isoformat()) for r in lines]
    assert got == EXPECTED_CHANGES
    villages = {r[0] for r in lines}
    assert villages == {"东风村", "红星村"}
    for line in lines:
        assert line[7] == "录入员甲（导入）"
        assert before - dt.timedelta(seconds=1) <= line[6] <= dt.datetime.now() + dt.timedelta(seconds=1)
        assert len(line[3]) == 18  # full ID numbers in the report to the county


async def test_layout_and_print_settings(store_db: db.DbTarget, tmp_path: Path) -> None:
    book = await exported(tmp_path)
    for name in SHEETS[:5]:
        sheet = book[name]
        top = header_row(sheet)
        assert top == 4
        assert sheet.freeze_panes == "B5"
        assert sheet.print_title_rows == "$3:$4"
        assert sheet.page_setup.orientation == "landscape"
        assert int(sheet.page_setup.paperSize) == 9
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert sheet.page_setup.fitToWidth in (None, 1) and sheet.page_setup.fitToHeight == 0  # 1 wide (default)
        assert "&P" in sheet.oddFooter.right.text
        for col in range(1, sheet.max_column + 1):
            letter = openpyxl.utils.get_column_letter(col)
            width = sheet.column_dimensions[letter].width
            text = str(sheet.cell(top, col).value)
            # wide enough for the header text on at most two lines (CJK characters count double)
            assert width * 2 >= sum(2 if ord(ch) > 0x2E80 else 1 for ch in text), (name, text, width)
    assert book["变更清单"].freeze_panes == "D4"


async def test_notes_sheet(store_db: db.DbTarget, tmp_path: Path) -> None:
    book = await exported(tmp_path)
    sheet = book["说明"]
    text = "\n".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None)
    for needle in ("城关镇（430426101）", "2025年10月", "生成时间", "统计员乙", "0 条 E 级错误", "三种出生数",
                   "不论孩子户口登记在何处", "一致性检查", "均已核对一致"):  # fmt: skip
        assert needle in text, needle


async def test_inconsistent_data_still_exports_with_flags(tmp_path: Path, sqlite_db: db.DbTarget) -> None:
    book = await exported(tmp_path, bad=True)
    headers, rows = table(book["出生情况"])
    village = rows["东风村"]
    figures = {h: village[i].value for i, h in enumerate(headers)}
    assert figures["出生合计"] == 2 and figures["男"] == 1 and figures["女"] == 0 and figures["一孩"] == 0
    for header in ("出生合计", "男", "女", "一孩", "二孩", "三孩及以上"):
        cell = village[headers.index(header)]
        assert cell.fill.fgColor.rgb[-6:] == FLAG_FILL, header
    assert rows["合计"][headers.index("男")].fill.fgColor.rgb[-6:] == FLAG_FILL
    assert village[headers.index("政策内")].fill.fgColor.rgb[-6:] != FLAG_FILL
    notes = "\n".join(str(c.value) for row in book["说明"].iter_rows() for c in row if c.value is not None)
    assert "不一致" in notes
    assert "出生情况表 东风村：男 + 女 = 出生合计 不成立（左边 1，右边 2）" in notes
    assert "孩次" in notes


async def test_whole_database_export_includes_every_village(sqlite_db: db.DbTarget, tmp_path: Path) -> None:
    book = await exported(tmp_path, unit="")
    headers, rows = table(book["避孕节育"])
    assert list(rows) == ["东风村", "红星村", "新民村", "白地村", "合计"]
    assert rows["白地村"][headers.index("本月皮埋")].value == 1
    assert rows["合计"][headers.index("已婚育龄妇女")].value == 5
    assert book["人口变动"]["A1"].value == "祁东县 2025年10月 人口变动情况"


async def test_a_village_alone(sqlite_db: db.DbTarget, tmp_path: Path) -> None:
    book = await exported(tmp_path, unit="430426101202")
    headers, rows = table(book["流动人口"])
    assert list(rows) == ["红星村", "合计"]
    assert rows["合计"][headers.index("流入人口")].value == 2
    assert book["流动人口"]["A1"].value.startswith("红星村 2025年10月")


async def test_export_is_in_the_audit_log(sqlite_db: db.DbTarget, tmp_path: Path) -> None:
    await exported(tmp_path)
    rows = await db.fetch("SELECT username, action, target, detail FROM audit_log WHERE action = 'export'")
    assert len(rows) == 1
    username, _, target, detail = rows[0]
    assert username == "统计员乙" and target.endswith("月报.xlsx")
    assert "monthly" in detail and "430426101" in detail and "2025-10" in detail


@pytest.fixture
async def sqlite_db(tmp_path: Path):
    async with db.database(db.resolve(tmp_path / "one.sqlite3")) as target:
        yield target


async def test_quality_sheet_and_open_errors_after_an_audit(store_db: db.DbTarget, tmp_path: Path) -> None:
    from checks.engine import run_audit

    await import_file(write_fixture(tmp_path / "fixture.jsonl"), operator="录入员甲")
    await run_audit(dt.date(2025, 10, 31))
    errors = await db.scalar(
        "SELECT count(*) FROM finding WHERE severity = 'E' AND confirmed = ? AND village_code LIKE '430426101%'",
        [False],
    )
    out = tmp_path / "月报.xlsx"
    await export_monthly(out, MONTH, unit=TOWNSHIP, operator="统计员乙")
    book = openpyxl.load_workbook(out)
    headers, rows = table(book["质量"])
    assert headers == ["单位", "人口数", "已婚育龄妇女数", "主要数据项完整率", "逻辑错误条数", "逻辑关系误差率",
                       "错误记录率", "身份证号码合格率", "重复建档率", "录入及时率", "主要数据项准确率", "质量得分",
                       "是否达标"]  # fmt: skip
    assert list(rows) == list(EXPECTED_ROWS)
    # active persons (b1 died, d1 moved out, g3 cancelled), every mgmt (docs/spec/quality.md conventions)
    assert [rows[r][1].value for r in EXPECTED_ROWS] == [10, 4, 0, 14]
    # married WCBA: the workbook's one definition, the 户籍 married WCBA at month end of 避孕节育 (红星村's
    # married woman is 流入, so she is not one of them)
    assert [rows[r][2].value for r in EXPECTED_ROWS] == [4, 0, 0, 4]
    _, contraception = table(book["避孕节育"])
    assert [rows[r][2].value for r in EXPECTED_ROWS] == [contraception[r][1].value for r in EXPECTED_ROWS]
    assert rows["合计"][3].number_format == "0.0%" and rows["合计"][11].number_format == "0.0"
    assert rows["合计"][12].value in ("是", "否")
    notes = "\n".join(str(c.value) for row in book["说明"].iter_rows() for c in row if c.value is not None)
    assert f"{errors} 条 E 级错误" in notes
    assert "2025-10-31 的逻辑审核结果" in str(book["质量"].cell(book["质量"].max_row, 1).value)
