"""Unit scope and data minimisation (README "Roles and permissions", "Security"): an operator of 东风村
(430426101201) can neither see nor change 王德明 of 红星村 (430426101202) — not in the tree, search, forms,
change entry, review, quality, ``check``, ``check --json``, any export or the log — and sees ID numbers
masked in what it exports. TUI paths with Pilot, CLI paths as real ``renkou`` processes."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from openpyxl import load_workbook

from store import access, db, users
from store.masking import mask_id, mask_ids_in_text
from store.scope import in_scope, scope_sql
from tests.support.apps import make_app
from tests.support.pilot import screen_text, settle, shown

ROOT = Path(__file__).resolve().parents[1]
OWN_VILLAGE, OTHER_VILLAGE = "430426101201", "430426101202"
OTHER_HOUSEHOLD, OTHER_KEY, OTHER_NAME = "430426101202010021", "f21-1", "王德明"
#: the example's ID numbers with a wrong check digit, so that both villages have findings naming them
OTHER_ID = "510722199011030351"
OWN_HOUSEHOLD, OWN_KEY, OWN_ID = "430426101201010012", "h12-1", "430426198407210134"
PASSWORD = "secret123"
#: an 18-character ID number written whole (ASCII; the household codes of the example do not look like one)
FULL_ID = re.compile(r"(?<![0-9])[0-9]{6}(?:18|19|20)[0-9]{9}[0-9X](?![0-9])")


async def _prepare() -> None:
    """Accounts (an admin without units, an operator and a reviewer of 东风村), an ID number with a wrong check
    digit in each village, and a stored audit."""
    from checks.engine import run_audit
    from store import service
    from store.records import load_households

    records = await load_households([OWN_HOUSEHOLD, OTHER_HOUSEHOLD])
    for code, key, number in ((OWN_HOUSEHOLD, OWN_KEY, OWN_ID), (OTHER_HOUSEHOLD, OTHER_KEY, OTHER_ID)):
        next(m for m in records[code]["members"] if m["key"] == key)["id_number"] = number
    await service.save_households(list(records.values()), operator="import")
    from store import changes  # a change of this month in 东风村: the monthly returns list it with an ID number

    await changes.save_change("death", "430426101201020003", {"person": "h3-1", "date": dt.date.today()},
                              operator="import")  # fmt: skip

    await users.create_user("boss", "王主任", PASSWORD, "admin", iterations=1000)
    await users.create_user("dong", "李敏", PASSWORD, "operator", OWN_VILLAGE, iterations=1000)
    await users.create_user("rev", "张审", PASSWORD, "reviewer", OWN_VILLAGE, iterations=1000)
    await run_audit()


@pytest.fixture
def scoped_file(example_file_db: Path, tmp_path: Path) -> Path:
    """A copy of the example households with the accounts above (closed, for CLI processes)."""
    path = tmp_path / "scoped.sqlite3"
    shutil.copy(example_file_db, path)

    async def build() -> None:
        async with db.database(path, create=False):
            await _prepare()

    asyncio.run(build())
    return path


@pytest.fixture
async def scoped_db(example_db: db.DbTarget) -> AsyncIterator[db.DbTarget]:
    """The example households with the accounts above, open (for Pilot and store calls)."""
    await _prepare()
    yield example_db


async def operator() -> access.Actor:
    return await access.actor_for("dong", is_demo=False)


# --- the helpers -----------------------------------------------------------------------------------------


def test_mask_keeps_six_and_four_and_catches_any_spelling() -> None:
    assert mask_id("430426198407210133") == "430426********0133"
    assert mask_id("４３０４２６１９８４０７２１０１３３") == "430426********0133"  # full-width digits
    assert mask_id("430426-19840721-0133") == "430426********0133"  # hyphens
    assert mask_id(" 430426 1984 0721 013x") == "430426********013X"
    assert mask_id("12345") == "*****" and mask_id("") == "" and mask_id(None) == ""
    text = "身份证号 430426-19840721-0133 与 ４３０４２６１９８７０２１４０２２Ｘ 重复；户 430426101201010012"
    masked = mask_ids_in_text(text)
    assert "19840721" not in masked and "１９８７" not in masked and "0214" not in masked
    assert masked.count("430426********") == 2 and "430426101201010012" in masked  # household code readable


def test_scope_helpers() -> None:
    assert in_scope((OWN_VILLAGE,), OWN_HOUSEHOLD) and not in_scope((OWN_VILLAGE,), OTHER_HOUSEHOLD)
    assert in_scope((), OTHER_HOUSEHOLD) and in_scope(None, OTHER_HOUSEHOLD)
    assert in_scope(OWN_VILLAGE, OWN_HOUSEHOLD) and not in_scope(OWN_VILLAGE, OTHER_HOUSEHOLD)  # a code as text
    assert scope_sql((), "code") == ("", [])
    assert scope_sql((OWN_VILLAGE,), "code") == (" AND ((code >= ? AND code < ?))", [OWN_VILLAGE, "430426101202"])
    assert users.parse_units("430426101201，430426101") == ("430426101",)  # a township covers its villages


async def test_the_actor_carries_its_units(scoped_db: db.DbTarget) -> None:
    assert (await operator()).scope == (OWN_VILLAGE,)
    assert (await access.actor_for("boss", is_demo=False)).scope == ()
    with pytest.raises(Exception, match="单位代码"):
        await users.create_user("bad", "某", PASSWORD, "operator", "12a", iterations=1000)


# --- the TUI (Pilot) ---------------------------------------------------------------------------------------


def _operator_app(target: db.DbTarget):
    return make_app(target, "dong", is_demo=False)


async def _refusals() -> list[str]:
    rows = await db.fetch("SELECT detail FROM audit_log WHERE username = 'dong' AND action = 'access.denied'")
    return [str(r[0]) for r in rows]


async def test_tree_and_search_show_only_the_operators_village(scoped_db: db.DbTarget) -> None:
    from tui.screens.browse import BrowseScreen, HouseholdTree

    app = _operator_app(scoped_db)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, BrowseScreen)
        tree = screen.query_one(HouseholdTree)
        await settle(pilot, lambda: tree.root.data is not None and bool(tree.root.children))
        assert tree.root.data.code == OWN_VILLAGE  # the operator's village is the top of its tree
        await pilot.press("enter")  # open the first group
        await settle(pilot, lambda: "红星村" not in screen_text(screen))
        text = screen_text(screen)
        assert "东风村" in text and "红星村" not in text and OTHER_NAME not in text
        for query in ("王德明", "wdm", OTHER_ID[-4:], "0021", OTHER_ID):  # name, initials, ID tail, household tail, ID
            await pilot.press("slash")
            await settle(pilot, lambda: type(app.screen).__name__ == "SearchScreen")
            search = app.screen
            await pilot.press(*query)
            await settle(pilot, lambda s=search: "查找中" not in shown(s.query_one("#search-status")))
            assert search.hits == [] and "没有找到" in shown(search.query_one("#search-status")), query
            await pilot.press("escape")
            await settle(pilot, lambda: isinstance(app.screen, BrowseScreen))
        await pilot.press("slash")
        await settle(pilot, lambda: type(app.screen).__name__ == "SearchScreen")
        await pilot.press(*"zjj")  # 周建军 of 东风村 is found
        await settle(pilot, lambda: [h.name for h in app.screen.hits] == ["周建军"])


async def test_an_out_of_scope_form_does_not_open(scoped_db: db.DbTarget) -> None:
    from tui.screens.browse import BrowseScreen
    from tui.screens.household_form import HouseholdForm
    from tui.screens.person_form import PersonForm

    app = _operator_app(scoped_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, BrowseScreen))
        app.push_screen(PersonForm(OTHER_HOUSEHOLD, OTHER_KEY))
        await settle(pilot, lambda: isinstance(app.screen, BrowseScreen) and bool(app.notices))
        assert any("不在本账号负责的单位" in n for n in app.notices)
        assert OTHER_ID not in screen_text(app.screen) and OTHER_NAME not in screen_text(app.screen)
        app.push_screen(HouseholdForm(OTHER_HOUSEHOLD, OTHER_VILLAGE))
        await settle(pilot, lambda: isinstance(app.screen, BrowseScreen) and len(app.notices) >= 2)
        app.screen.show_household(OTHER_HOUSEHOLD)  # e.g. a jump: the detail does not show it
        await settle(pilot)
        assert OTHER_NAME not in screen_text(app.screen)
    assert len(await _refusals()) >= 2


async def test_saves_and_changes_out_of_scope_are_refused_and_logged(scoped_db: db.DbTarget) -> None:
    from store import changes
    from store.records import load_households
    from tui import services

    actor = await operator()
    record = (await load_households([OTHER_HOUSEHOLD]))[OTHER_HOUSEHOLD]
    assert await load_households([OTHER_HOUSEHOLD], actor=actor) == {}  # the forms' load
    record["members"][0]["name"] = "改名"
    with pytest.raises(access.AccessDenied, match="不在本账号负责的单位"):
        await services.save_and_audit(record, "dong", actor=actor)
    with pytest.raises(access.AccessDenied, match="不在本账号负责的单位"):
        await changes.save_change("death", OTHER_HOUSEHOLD, {"person": OTHER_KEY, "date": "2026-01-02"},
                                  operator="dong", actor=actor)  # fmt: skip
    stored = (await load_households([OTHER_HOUSEHOLD]))[OTHER_HOUSEHOLD]
    assert stored["members"][0]["name"] == OTHER_NAME and stored["members"][0].get("death_date") is None
    assert len(await _refusals()) == 2
    own = (await load_households([OWN_HOUSEHOLD], actor=actor))[OWN_HOUSEHOLD]  # its own village saves
    own["household"]["address"] = "城关镇东风村一组12号之一"
    await services.save_and_audit(own, "dong", actor=actor)


async def test_change_entry_search_finds_no_one_out_of_scope(scoped_db: db.DbTarget) -> None:
    from tui.screens.browse import BrowseScreen

    app = _operator_app(scoped_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, BrowseScreen))
        await pilot.press("f4")
        await settle(pilot, lambda: type(app.screen).__name__ == "ChangeEntryScreen")
        entry = app.screen
        await pilot.press("enter")  # 死亡 (the first kind) → the person field
        await settle(pilot)
        await pilot.press(*"wdm")
        await pilot.pause(0.3)
        await app.workers.wait_for_complete()
        await settle(pilot)
        assert OTHER_NAME not in screen_text(entry)
        assert OTHER_ID not in screen_text(entry)


async def test_review_and_quality_show_only_the_operators_village(scoped_db: db.DbTarget) -> None:
    from store import findings_view as fv
    from tui import services
    from tui.screens.browse import BrowseScreen
    from tui.screens.quality import QualityScreen
    from tui.screens.review import ReviewScreen

    other = await db.fetch("SELECT person_key, rule FROM finding WHERE household_code = ?", [OTHER_HOUSEHOLD])
    everything = await fv.finding_page(fv.FindingFilter(severity="all", status="all"))
    mine = await fv.finding_page(fv.FindingFilter(severity="all", status="all"), actor=await operator())
    assert other and mine.total < everything.total  # 红星村 has findings the operator does not get
    assert all(r.household_code.startswith(OWN_VILLAGE) for r in mine.rows)
    app = _operator_app(scoped_db)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, BrowseScreen))
        app.push_screen(ReviewScreen())
        await settle(pilot, lambda: isinstance(app.screen, ReviewScreen) and app.screen.page.total >= 0)
        review = app.screen
        await settle(pilot, lambda: "加载中" not in screen_text(review))
        assert all(r.household_code.startswith(OWN_VILLAGE) for r in review.page.rows)
        assert "红星村" not in screen_text(review) and OTHER_NAME not in screen_text(review)
        await pilot.press("escape")
        app.push_screen(QualityScreen())
        await settle(pilot, lambda: isinstance(app.screen, QualityScreen) and app.screen.unit is not None)
        quality = app.screen
        assert quality.unit.unit_code == OWN_VILLAGE
        assert all(u.unit_code.startswith(OWN_VILLAGE) for u in quality.units)
        assert "红星村" not in screen_text(quality)
    for key, rule in other:  # an operator confirms nothing, a reviewer nothing outside its village
        with pytest.raises(access.AccessDenied):
            await services.confirm_warning(key or "", rule, "核实", "dong", actor=await operator())
        with pytest.raises(access.AccessDenied, match="不在本账号负责的单位"):
            await services.confirm_warning(key or "", rule, "核实", "rev",
                                           actor=await access.actor_for("rev", is_demo=False))  # fmt: skip


async def test_tui_exports_stay_in_scope_and_masked(scoped_db: db.DbTarget, tmp_path: Path) -> None:
    from tui import services

    actor = await operator()
    out = tmp_path / "errors.xlsx"
    text = await services.export_errors(out, "dong", "", actor=actor)
    assert "身份证号已遮盖" in text
    cells = _cells(out)
    assert OTHER_NAME not in cells and not FULL_ID.search(cells) and "红星村" not in cells
    with pytest.raises(access.AccessDenied, match="不在本账号负责的单位"):
        await services.export_errors(tmp_path / "x.xlsx", "dong", OTHER_VILLAGE, actor=actor)
    with pytest.raises(access.AccessDenied, match="录入员不能导出户文件"):
        await services.export_households(tmp_path / "h.jsonl", "dong", actor=actor)
    with pytest.raises(access.AccessDenied, match="录入员不能导出抽查表"):
        await services.export_sample("2026-10", tmp_path / "s.xlsx", "dong", actor=actor)


# --- the command line (real processes) ---------------------------------------------------------------------


def renkou(*args: str, user: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "RENKOU_PASSWORD": PASSWORD, "PYTHONPATH": str(ROOT)}
    env.pop("RENKOU_NEW_PASSWORD", None)
    argv = [sys.executable, "-m", "tui.cli", *args, *(["--user", user] if user else [])]
    return subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, env=env, timeout=300, check=False)


def _cells(path: Path) -> str:
    book = load_workbook(path, read_only=True)
    return "\n".join(str(v) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
                     for v in row if v is not None)  # fmt: skip


def test_cli_check_quality_and_log_stay_in_scope(scoped_file: Path) -> None:
    db_arg = ("--db", str(scoped_file))
    admin = renkou("check", "--json", *db_arg, user="boss")
    assert admin.returncode == 0, admin.stderr
    assert OTHER_HOUSEHOLD in admin.stdout and OWN_ID in admin.stdout  # the county admin: all, full IDs
    clerk = renkou("check", "--json", *db_arg, user="dong")
    assert clerk.returncode == 0, clerk.stderr
    lines = [json.loads(line) for line in clerk.stdout.splitlines()]
    assert lines and all(f["household_code"].startswith(OWN_VILLAGE) for f in lines)
    assert OTHER_HOUSEHOLD not in clerk.stdout and OTHER_NAME not in clerk.stdout
    assert not FULL_ID.search(clerk.stdout)
    assert any((f["person_id_number"] or "").startswith("430426****") for f in lines)
    summary = renkou("check", *db_arg, user="dong")
    assert summary.returncode == 0 and "红星村" not in summary.stdout and "东风村" in summary.stdout
    assert "：2 户" in summary.stdout  # the sizes of its own village, not the county's 3 households
    refused = renkou("check", "--unit", OTHER_VILLAGE, *db_arg, user="dong")
    assert refused.returncode == 1 and "不在本账号负责的单位" in refused.stderr and refused.stdout == ""
    quality = renkou("quality", "--json", *db_arg, user="dong")
    assert quality.returncode == 0, quality.stderr
    assert {u["unit_code"] for u in json.loads(quality.stdout)} == {OWN_VILLAGE}
    renkou("export", "households", "--out", str(scoped_file.parent / "all.jsonl"), *db_arg, user="boss")
    log_admin = renkou("log", "--limit", "500", *db_arg, user="boss")
    assert OTHER_HOUSEHOLD in log_admin.stdout or "全部" in log_admin.stdout
    log_clerk = renkou("log", "--limit", "500", *db_arg, user="dong")
    assert log_clerk.returncode == 0 and log_clerk.stdout
    assert OTHER_HOUSEHOLD not in log_clerk.stdout and "boss" not in log_clerk.stdout


def test_cli_exports_stay_in_scope_and_masked(scoped_file: Path, tmp_path: Path) -> None:
    db_arg = ("--db", str(scoped_file))
    errors = tmp_path / "errors.xlsx"
    done = renkou("export", "errors", "--out", str(errors), *db_arg, user="dong")
    assert done.returncode == 0 and "身份证号已遮盖" in done.stdout, done.stderr
    cells = _cells(errors)
    assert "东风村" in cells and "红星村" not in cells and OTHER_NAME not in cells and not FULL_ID.search(cells)
    other = renkou("export", "errors", "--unit", OTHER_VILLAGE, "--out", str(tmp_path / "o.xlsx"), *db_arg,
                   user="dong")  # fmt: skip
    assert other.returncode == 1 and "不在本账号负责的单位" in other.stderr and not (tmp_path / "o.xlsx").exists()
    monthly, month = tmp_path / "monthly.xlsx", f"{dt.date.today():%Y-%m}"
    done = renkou("export", "monthly", "--month", month, "--out", str(monthly), *db_arg, user="dong")
    assert done.returncode == 0 and "变更 1 条" in done.stdout, done.stderr
    cells = _cells(monthly)
    assert "红星村" not in cells and not FULL_ID.search(cells) and "430426********0240" in cells
    done = renkou("export", "monthly", "--month", month, "--out", str(monthly), *db_arg, user="boss")
    assert "430426194103050240" in _cells(monthly)  # the county admin sees it whole
    for what, extra in (("households", ()), ("sample", ("--month", "2026-10"))):
        out = tmp_path / f"{what}.out"
        refused = renkou("export", what, *extra, "--out", str(out), *db_arg, user="dong")
        assert refused.returncode == 1 and "录入员不能" in refused.stderr and not out.exists(), what
    mine = tmp_path / "mine.jsonl"  # a reviewer of 东风村 exports the household file of 东风村 only
    done = renkou("export", "households", "--out", str(mine), *db_arg, user="rev")
    assert done.returncode == 0, done.stderr
    assert OWN_ID in mine.read_text(encoding="utf-8") and OTHER_ID not in mine.read_text(encoding="utf-8")
    full = tmp_path / "full.xlsx"  # the county admin: full ID numbers
    assert renkou("export", "errors", "--out", str(full), *db_arg, user="boss").returncode == 0
    assert FULL_ID.search(_cells(full))


def test_cli_admin_only_actions(scoped_file: Path, tmp_path: Path) -> None:
    db_arg = ("--db", str(scoped_file))
    for argv in (("backup", "--dir", str(tmp_path)), ("user", "list"), ("user", "unlock", "rev"),
                 ("import", str(ROOT / "tests" / "data" / "households.jsonl"))):  # fmt: skip
        for who in ("dong", "rev"):
            done = renkou(*argv, *db_arg, user=who)
            assert done.returncode == 1 and "只有管理员可以" in done.stderr, (argv, who, done.stderr)
    log = renkou("log", "--limit", "100", *db_arg, user="boss").stdout
    assert log.count("access.denied") >= 8


async def test_the_scope_filters_on_both_databases(store_db: db.DbTarget) -> None:
    """The SQL ranges of `store.scope` in the store's queries, on SQLite and PostgreSQL."""
    from store import audit, browse, search
    from store.importer import import_file
    from tests.support.data import EXAMPLE_FILE

    await import_file(EXAMPLE_FILE, operator="import")
    await users.create_user("dong", "李敏", PASSWORD, "operator", OWN_VILLAGE, iterations=1000)
    actor = await operator()
    assert [h.name for h in await search.search("王德明")] == [OTHER_NAME]
    assert await search.search("王德明", actor=actor) == []
    assert await search.search("wdm", actor=actor) == [] and await search.search("0021", actor=actor) == []
    assert [h.name for h in await search.search("zjj", actor=actor)] == ["周建军"]
    top = await browse.top(actor=actor)
    assert top is not None and top[0].code == OWN_VILLAGE and top[0].counts.persons == 5
    county = await browse.top()
    assert county is not None and county[0].counts.persons == 7
    township = await browse.unit_children("430426101", actor=actor)
    assert [n.code for n in township] == [OWN_VILLAGE]
    assert await browse.household_detail(OTHER_HOUSEHOLD, actor=actor) is None
    await audit.log_action("import", "view", OTHER_HOUSEHOLD, OTHER_KEY)
    await audit.log_action("import", "view", OWN_HOUSEHOLD, OWN_KEY)
    targets = {e["target"] for e in await audit.recent(50, scope=actor.scope, username=actor.username)}
    assert OWN_HOUSEHOLD in targets and OTHER_HOUSEHOLD not in targets
