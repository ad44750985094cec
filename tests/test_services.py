"""The application services of tui/services.py, on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import copy
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest

from store import db
from store.errors import ConflictError, StoreError
from store.importer import import_file
from store.records import load_households
from tests.support.data import EXAMPLE_FILE
from tests.support.export_fixture import MONTH, TOWNSHIP, write_fixture
from tui import services

CODE = "430426101201010012"
AS_OF = dt.date(2026, 11, 15)


async def household() -> dict[str, Any]:
    return (await load_households([CODE]))[CODE]


def married_young(record: dict[str, Any]) -> dict[str, Any]:
    """The wife (19 at the wedding) married under the legal age: warning MAR2 on h12-2."""
    for person in record["members"][:2]:
        person["first_marriage_date"] = dt.date(2006, 8, 1)
    return record


async def stored_findings(code: str = CODE) -> list[tuple[str, str | None, bool]]:
    rows = await db.fetch("SELECT rule, person_key, confirmed FROM finding WHERE household_code = ?", [code])
    return sorted((r[0], r[1], bool(r[2])) for r in rows)


async def test_save_and_audit_stores_and_reaudits(store_db: db.DbTarget) -> None:
    await import_file(EXAMPLE_FILE, operator="tester")
    before = await household()
    result = await services.save_and_audit(married_young(copy.deepcopy(before)), "clerk")
    assert result.audit_error is None
    assert result.record["household"]["code"] == CODE
    assert result.record["members"][1]["first_marriage_date"] == dt.date(2006, 8, 1)
    assert result.record["members"][1]["_version"] == before["members"][1]["_version"] + 1
    assert [(f.rule, f.person_key) for f in result.findings_of(CODE)] == [("MAR2", "h12-2")]
    assert await stored_findings() == [("MAR2", "h12-2", False)]  # the finding table was replaced
    assert await db.scalar("SELECT count(*) FROM audit_log WHERE action = 'save' AND username = 'clerk'") == 1


async def test_save_and_audit_refuses_a_stale_copy(store_db: db.DbTarget) -> None:
    await import_file(EXAMPLE_FILE, operator="tester")
    mine, theirs = await household(), await household()
    await services.save_and_audit(married_young(theirs), "other")
    mine["members"][0]["occupation"] = "教师"
    with pytest.raises(ConflictError):
        await services.save_and_audit([mine], "clerk")
    assert (await household())["members"][0].get("occupation") != "教师"


async def test_a_failed_reaudit_keeps_the_save(store_db: db.DbTarget, monkeypatch: pytest.MonkeyPatch) -> None:
    import checks.engine

    async def broken(codes: list[str], as_of: dt.date | None = None) -> list[Any]:
        raise RuntimeError("审核出错")

    await import_file(EXAMPLE_FILE, operator="tester")
    monkeypatch.setattr(checks.engine, "reaudit_households", broken)
    result = await services.save_and_audit(married_young(await household()), "clerk")
    assert result.findings == [] and result.audit_error is not None and "审核出错" in result.audit_error
    assert (await household())["members"][1]["first_marriage_date"] == dt.date(2006, 8, 1)


async def test_audit_draft_audits_without_writing(store_db: db.DbTarget) -> None:
    await import_file(EXAMPLE_FILE, operator="tester")
    draft = married_young(await household())
    found = await services.audit_draft(draft, AS_OF)
    assert [(f.rule, f.person_key) for f in found] == [("MAR2", "h12-2")]
    assert (await household())["members"][1]["first_marriage_date"] != dt.date(2006, 8, 1)
    assert await stored_findings() == []


async def test_confirm_warning(store_db: db.DbTarget) -> None:
    await import_file(EXAMPLE_FILE, operator="tester")
    await services.save_and_audit(married_young(await household()), "clerk")
    with pytest.raises(StoreError, match="理由"):
        await services.confirm_warning("h12-2", "MAR2", "  ", "审核员甲")
    with pytest.raises(StoreError, match="不存在"):
        await services.confirm_warning("nobody", "MAR2", "理由", "审核员甲")
    done = await services.confirm_warning("h12-2", "MAR2", "户口簿核实", "审核员甲")
    assert (done.rule, done.person_key, done.confirmed) == ("MAR2", "h12-2", True)
    assert await stored_findings() == [("MAR2", "h12-2", True)]
    row = await db.fetch("SELECT c.rule, c.reason, c.confirmed_by, c.record_version, p.version FROM confirmation c "
                         "JOIN person p ON p.id = c.person_id WHERE p.key = 'h12-2'")  # fmt: skip
    assert [tuple(r[:3]) for r in row] == [("MAR2", "户口簿核实", "审核员甲")] and row[0][3] == row[0][4]
    log = await db.fetch("SELECT username, target, detail FROM audit_log WHERE action = 'confirm'")
    assert [(r[0], r[1]) for r in log] == [("审核员甲", "h12-2")] and log[0][2].startswith("MAR2 ")
    assert log[0][2].endswith("：户口簿核实")


async def test_run_audit_and_reports(store_db: db.DbTarget) -> None:
    await import_file(EXAMPLE_FILE, operator="tester")
    await services.save_and_audit(married_young(await household()), "clerk")
    seen: list[tuple[int, int]] = []
    summary = await services.run_audit(AS_OF, lambda done, total: seen.append((done, total)))
    assert summary.as_of == AS_OF and summary.households > 0 and seen and seen[-1][0] == summary.households
    assert await db.scalar("SELECT count(*) FROM finding") == len(summary.findings)
    assert await db.scalar("SELECT value FROM setting WHERE key = 'audit_as_of'") == AS_OF.isoformat()
    out = io.StringIO()
    assert await services.check_report(out, AS_OF, as_json=True) == 0
    assert [json.loads(line)["rule"] for line in out.getvalue().splitlines()] == [f.rule for f in summary.findings]
    out = io.StringIO()
    assert await services.quality_report(out, AS_OF) == 0
    assert out.getvalue().startswith(f"数据质量（基准日期 {AS_OF.isoformat()}）")


async def test_exports(store_db: db.DbTarget, tmp_path: Path) -> None:
    await import_file(write_fixture(tmp_path / "fixture.jsonl", bad=True), operator="tester")
    text = await services.export_monthly(MONTH, tmp_path / "m.xlsx", "统计员", TOWNSHIP)
    assert text.startswith("已导出 城关镇 2025年10月 月报表：3 个村") and (tmp_path / "m.xlsx").is_file()
    text = await services.export_errors(tmp_path / "e.xlsx", "审核员", is_admin=False)
    assert "身份证号已遮盖" in text and (tmp_path / "e.xlsx").is_file()
    text = await services.export_errors(tmp_path / "e2.xlsx", "nobody-without-accounts")  # owner: an admin
    assert "身份证号已遮盖" not in text
    text = await services.export_sample(MONTH, tmp_path / "s.xlsx", "质量员")
    assert text.startswith("已导出 2025年10月 已婚育龄妇女抽查核实表：3 个村") and (tmp_path / "s.xlsx").is_file()
    with pytest.raises(StoreError, match="还没有填写任何核实结果"):
        await services.import_sample_results(tmp_path / "s.xlsx", "质量员")
    counted: list[int] = []
    text = await services.export_households(tmp_path / "h.jsonl", "统计员", progress=counted.append)
    assert text.startswith("已导出 ") and counted and (tmp_path / "h.jsonl").is_file()
    actions = [r[0] for r in await db.fetch("SELECT action FROM audit_log WHERE action = 'export'")]
    assert len(actions) == 5
