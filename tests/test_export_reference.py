"""The monthly workbook of a synthetic township (store.demo, with planted faults) against a plain reference
implementation of docs/spec/returns.md written here over the household records, with `datetime.date` arithmetic."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from exports.monthly import export_monthly
from exports.returns_spec import YTD_COLUMNS
from store import db
from store.demo_build import build_demo
from store.records import iter_households
from tests.support.workbooks import table

AS_OF = dt.date(2026, 11, 15)
METHODS = {"01": "男性绝育", "02": "女性绝育", "03": "宫内节育器", "04": "皮下埋植", "05": "口服及注射避孕药",
           "06": "口服及注射避孕药", "07": "避孕套", "08": "外用药", "09": "其他"}  # fmt: skip
OUTCOMES = {"1": "本月活产", "4": "本月人工流产", "5": "本月人工流产", "6": "本月引产", "2": "本月其他结局",
            "3": "本月其他结局", "7": "本月其他结局", "9": "本月其他结局"}  # fmt: skip


def age(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def entry(p: dict[str, Any]) -> dt.date | None:
    return (p.get("moved_in") or {}).get("date") or p.get("birth_date")


def leave(p: dict[str, Any]) -> dt.date | None:
    dates = [d for d in (p.get("death_date"), (p.get("cancel") or {}).get("date")) if d is not None]
    return min(dates) if dates else None


def present(p: dict[str, Any], day: dt.date) -> bool:
    e, x = entry(p), leave(p)
    return e is not None and e <= day and (x is None or day < x)


def married_wcba(p: dict[str, Any], day: dt.date) -> bool:
    return (present(p, day) and p.get("sex") == "2" and p.get("marital_status") in ("20", "21", "22", "23")
            and p.get("first_marriage_date") is not None and p["first_marriage_date"] <= day
            and p.get("birth_date") is not None and 15 <= age(p["birth_date"], day) <= 49)  # fmt: skip


def reference(records: list[dict[str, Any]], first: dt.date, last: dt.date) -> dict[str, dict[str, Counter]]:
    """sheet → header → Counter(village → value) by the definitions of docs/spec/returns.md."""
    out: dict[str, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
    before = first - dt.timedelta(days=1)
    for record in records:
        village = record["household"]["unit"]
        for p in record["members"]:
            e, x = entry(p), leave(p)
            if e is None or (x is not None and x <= e):
                continue
            huji = p.get("mgmt") in ("01", "03")
            if huji:
                pop = out["人口变动"]
                pop["期初人口"][village] += present(p, before)
                pop["期末人口"][village] += present(p, last)
                if first <= e <= last:
                    pop["出生" if p.get("moved_in") is None else "迁入"][village] += 1
                if x is not None and first <= x <= last:
                    reason = (p.get("cancel") or {}).get("reason")
                    kind = ("死亡" if x == p.get("death_date") or reason == "01"
                            else "迁出" if reason in ("02", "03", "06") else "其他减少")  # fmt: skip
                    pop[kind][village] += 1
                if married_wcba(p, last):
                    out["避孕节育"]["已婚育龄妇女"][village] += 1
                    method = ((p.get("woman") or {}).get("contraception") or {}).get("method")
                    if method in METHODS:
                        out["避孕节育"]["措施合计"][village] += 1
                        out["避孕节育"][METHODS[method]][village] += 1
                in_month = e <= last and (x is None or x >= first)
                woman = p.get("woman") or {}
                if in_month:
                    for child in woman.get("children") or ():
                        born = child.get("birth_date")
                        if child.get("blood") != "1" or born is None or not first <= born <= last:
                            continue
                        births = out["出生情况"]
                        births["出生合计"][village] += 1
                        births[{"1": "男", "2": "女"}.get(child.get("sex"), "?")][village] += 1
                        order = child.get("order") or 0
                        births[{1: "一孩", 2: "二孩"}.get(order, "三孩及以上" if order >= 3 else "?")][village] += 1
                        births[{"1": "政策内", "2": "政策外"}.get(child.get("policy"), "?")][village] += 1
                    contraception = woman.get("contraception") or {}
                    since = contraception.get("since")
                    operation = {"01": "本月男扎", "02": "本月女扎", "03": "本月上环", "04": "本月皮埋"}
                    if since is not None and first <= since <= last and contraception.get("method") in operation:
                        out["避孕节育"][operation[contraception["method"]]][village] += 1
                    pregnancies = woman.get("pregnancies") or ()
                    if present(p, last) and any(
                        g.get("lmp")
                        and g["lmp"] <= last
                        and (g.get("outcome_date") is None or g["outcome_date"] > last)
                        for g in pregnancies
                    ):
                        out["孕情婚姻"]["期末怀孕人数"][village] += 1
                    for g in pregnancies:
                        reported = g.get("reported") or g.get("lmp")
                        if reported is not None and first <= reported <= last:
                            out["孕情婚姻"]["本月怀孕"][village] += 1
                        done = g.get("outcome_date")
                        if done is not None and first <= done <= last and g.get("outcome") in OUTCOMES:
                            out["孕情婚姻"][OUTCOMES[g["outcome"]]][village] += 1
                    married = p.get("first_marriage_date")
                    if p.get("sex") == "2" and married is not None and first <= married <= last:
                        out["孕情婚姻"]["女性初婚人数"][village] += 1
                        legal = 18 if married < dt.date(1981, 1, 1) else 20
                        if p.get("birth_date") and age(p["birth_date"], married) < legal:
                            out["孕情婚姻"]["其中未达法定婚龄"][village] += 1
            mgmt = p.get("mgmt")
            since = (p.get("flow") or {}).get("since")
            if mgmt in ("02", "03") and present(p, last) and since is not None and since <= last:
                side = "流入" if mgmt == "02" else "流出"
                out["流动人口"][f"{side}人口"][village] += 1
                out["流动人口"][f"{side}已婚育龄妇女"][village] += married_wcba(p, last)
                if since >= first:
                    out["流动人口"][f"本月新增{side}"][village] += 1
    return out


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import asyncio

    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    asyncio.run(build_demo(db.resolve(path), persons=3000, seed=5, error_rate=0.05, as_of=AS_OF))
    return path


@pytest.mark.parametrize("month", ["2026-10", "2026-06", "2025-12"])
async def test_demo_township_matches_the_reference(demo_path: Path, tmp_path: Path, month: str) -> None:
    first = dt.date.fromisoformat(month + "-01")
    last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    out = tmp_path / "m.xlsx"
    async with db.database(demo_path, create=False):
        records = [r async for batch in iter_households() for r in batch]
        await export_monthly(out, month, operator="tester")
    expected = reference(records, first, last)
    # 本年累计 (statistical year January–December, nothing closed): the flows over January to the month's end
    year = reference(records, first.replace(month=1), last)["人口变动"]
    for ytd, column in YTD_COLUMNS.items():
        expected["人口变动"][ytd] = year[column]
    book = openpyxl.load_workbook(out)
    checked = 0
    for name in ("人口变动", "出生情况", "避孕节育", "孕情婚姻", "流动人口"):
        headers, rows = table(book[name])
        villages = sorted({r["household"]["unit"] for r in records})
        assert len(rows) == len(villages) + 1
        for col, header in enumerate(headers[1:], start=1):
            if header in ("综合避孕率", "出生人口性别比"):
                continue
            per_village = expected[name][header]
            by_row = [rows[label][col].value for label in rows if label != "合计"]
            assert sorted(by_row) == sorted(per_village[v] for v in villages), f"{month} {name}.{header}"
            assert rows["合计"][col].value == sum(per_village.values()), f"{month} {name}.{header}"
            checked += 1
        if name == "避孕节育":
            total = rows["合计"]
            women, users = total[headers.index("已婚育龄妇女")].value, total[headers.index("措施合计")].value
            assert total[headers.index("综合避孕率")].value == pytest.approx(users / women)
    # every count column of the five sheets (the 5 补报 columns: 0, no month is closed; the 5 columns of the
    # histories — 户间迁移, 分户, 并户, 取环, 流出返回 — 0: the demo's records are loaded, not changed by the app)
    assert checked == 58  # and the 5 本年累计 columns
    assert not any(expected[name]["?"] for name in expected), "the demo data has births of unknown sex or order"
    population = {h: sum(c.values()) for h, c in expected["人口变动"].items()}
    assert population["期初人口"] > 1000 and population["期末人口"] > 1000
