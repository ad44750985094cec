"""历史数据 in the TUI: F5 on a person in the tree or in the person form opens the timeline; Enter or R on a
change event reverses it with a reason (the safe answer first). Pilot over the fixture township of
`tests/support/export_fixture.py` where 刘秀珍 (g2) was wrongly keyed as gone out; and its snapshot at 80×24."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable

from store import db
from tests.support import export_fixture
from tests.support.apps import OwnDatabaseApp, make_app
from tests.support.clock import freeze_today
from tests.support.data import add_accounts
from tests.support.pilot import screen_text, settle
from tests.support.timeline import build_township
from tui.screens.browse import BrowseScreen, HouseholdTree
from tui.screens.form_dialogs import ChoiceDialog
from tui.screens.person_form import PersonForm
from tui.screens.timeline import ReverseDialog, TimelineScreen

NOW = dt.datetime(2025, 11, 5, 10, 0)


@pytest.fixture
def township_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, private_data: Path) -> Path:
    freeze_today(monkeypatch, NOW.date(), NOW)
    monkeypatch.setattr(export_fixture, "_seq", [0])  # the same ID numbers whatever ran before
    path = tmp_path / "township.sqlite3"
    asyncio.run(build_township(path))
    return path


@pytest.fixture
async def township(township_file: Path) -> Any:
    async with db.database(db.resolve(township_file), create=False) as target:
        yield target


async def to_g2(pilot: Pilot) -> None:
    """/ and 刘秀珍's initials, Enter: the tree at her."""
    await settle(pilot, lambda: isinstance(pilot.app.screen, BrowseScreen))
    await pilot.press("slash", *"lxz")
    await settle(pilot, lambda: bool(getattr(pilot.app.screen, "hits", None)))
    await pilot.press("enter")
    await settle(pilot, lambda: isinstance(pilot.app.screen, BrowseScreen))

    def at_g2() -> bool:
        node = pilot.app.screen.query_one(HouseholdTree).cursor_node
        return node is not None and node.data is not None and node.data.key == "g2"

    await settle(pilot, at_g2)


async def open_timeline(pilot: Pilot) -> TimelineScreen:
    await to_g2(pilot)
    await pilot.press("f5")
    await settle(pilot, lambda: isinstance(pilot.app.screen, TimelineScreen))
    screen = pilot.app.screen
    assert isinstance(screen, TimelineScreen)
    await settle(pilot, lambda: screen.query_one(DataTable).row_count > 0)
    return screen


def rows(screen: TimelineScreen) -> list[list[str]]:
    table = screen.query_one(DataTable)
    return [[str(cell).strip() for cell in table.get_row_at(i)] for i in range(table.row_count)]


#: the kinds of the history lines (store.histories) merged into the timeline
HISTORY_KINDS = {"避孕", "婚姻", "流动", "居住"}


async def row_at(pilot: Pilot, screen: TimelineScreen, starts: str) -> None:
    """The cursor on the first row whose text starts with `starts`."""
    index = next(i for i, row in enumerate(rows(screen)) if row[3].startswith(starts))
    at = screen.query_one(DataTable).cursor_row
    await pilot.press(*(["down"] * (index - at) if index >= at else ["up"] * (at - index)))
    await settle(pilot, lambda: screen.query_one(DataTable).cursor_row == index)


async def outflow_row(pilot: Pilot, screen: TimelineScreen) -> None:
    await row_at(pilot, screen, "流出")


async def state(key: str = "g2") -> tuple[str, int]:
    mgmt = await db.scalar("SELECT mgmt FROM person WHERE key = ?", [key])
    return str(mgmt), int(await db.scalar("SELECT count(*) FROM event_reversal") or 0)


async def test_f5_on_a_person_lists_her_timeline(township: db.DbTarget) -> None:
    app = make_app(township)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_timeline(pilot)
        table = [r for r in rows(screen) if r[2] not in HISTORY_KINDS]
        assert [r[2] for r in table] == ["变动", "变动", "修改", "修改", "修改"]
        assert {r[2] for r in rows(screen)} >= {"婚姻", "流动", "居住"}
        assert table[1][1] == "2025-10-25" and table[1][3] == "流出，计入 2025-10" and table[1][4] == "李敏"
        assert "管理属性：户籍人口 → 流出人口" in [r[3] for r in table]
        text = screen_text(screen)
        assert "历史数据" in text and "刘秀珍" in text and "户 430426101202010002" in text
        await pilot.press("escape")
        await settle(pilot, lambda: isinstance(pilot.app.screen, BrowseScreen))
        # the person form has the same key
        await pilot.press("enter")
        await settle(pilot, lambda: isinstance(pilot.app.screen, PersonForm) and pilot.app.screen.ready)
        await pilot.press("f5")
        await settle(pilot, lambda: isinstance(pilot.app.screen, TimelineScreen))
        await settle(pilot, lambda: pilot.app.screen.query_one(DataTable).row_count == len(table) + 4)


async def test_reversal_asks_a_reason_and_defaults_to_not_reversing(township: db.DbTarget) -> None:
    app = make_app(township)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_timeline(pilot)
        await row_at(pilot, screen, "出生")
        await pilot.press("enter")  # on the birth line: a change event too, but leave it
        await settle(pilot, lambda: isinstance(pilot.app.screen, ReverseDialog))
        await pilot.press("escape")
        await settle(pilot, lambda: pilot.app.screen is screen)
        await outflow_row(pilot, screen)
        await pilot.press("r")
        await settle(pilot, lambda: isinstance(pilot.app.screen, ReverseDialog))
        await pilot.press("enter")  # no reason yet
        await settle(pilot)
        assert "请写明撤销的理由。" in screen_text(pilot.app.screen)
        await pilot.press(*"录错了人", "enter")
        await settle(pilot, lambda: isinstance(pilot.app.screen, ChoiceDialog))
        await pilot.press("enter")  # the default: 不撤销
        await settle(pilot, lambda: pilot.app.screen is screen)
        assert await state() == ("03", 0)  # nothing changed

        await pilot.press("r")
        await settle(pilot, lambda: isinstance(pilot.app.screen, ReverseDialog))
        await pilot.press(*"录错了人", "enter")
        await settle(pilot, lambda: isinstance(pilot.app.screen, ChoiceDialog))
        await pilot.press("y")
        await settle(pilot, lambda: pilot.app.screen is screen and "已撤销" in screen_text(screen))
        assert await state() == ("01", 1)
        table = rows(screen)
        assert any(r[3] == "流出，计入 2025-10，已撤销" for r in table)
        assert table[-1][2] == "撤销" and "理由：录错了人" in table[-1][3]
        assert "已撤销编号" in screen_text(screen) and "不再计入月报" in screen_text(screen)
        await outflow_row(pilot, screen)
        await pilot.press("r")  # once only
        await settle(pilot)
        assert pilot.app.screen is screen and "已经撤销过" in screen_text(screen)


async def test_a_reversal_says_what_it_could_not_restore(township: db.DbTarget) -> None:
    """刘秀珍's birth came in with the imported file (no field changes): reversing it changes nothing in her record
    and the status line says so, with what to do (`store.reversal_rules`)."""
    app = make_app(township)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_timeline(pilot)
        await row_at(pilot, screen, "出生")
        await pilot.press("r")
        await settle(pilot, lambda: isinstance(pilot.app.screen, ReverseDialog))
        await pilot.press(*"出生录错了", "enter")
        await settle(pilot, lambda: isinstance(pilot.app.screen, ChoiceDialog))
        await pilot.press("y")
        await settle(pilot, lambda: pilot.app.screen is screen and "已撤销" in screen_text(screen))
        text = "".join(screen_text(screen).split())
        assert "不再计入月报。此人随这次出生登记进入本地数据，之前不在册，没有可恢复的记录。" in text
        assert "如这次出生有错，请在人员表中改正或注销此人。" in text
        assert await state() == ("03", 1)  # her record as it was


async def test_a_role_without_the_permission_is_refused(township: db.DbTarget) -> None:
    await add_accounts()
    app = make_app(township, "clerk", is_demo=False)  # an operator (录入员): no reversals
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_timeline(pilot)
        await outflow_row(pilot, screen)
        await pilot.press("r")
        await settle(pilot)
        assert pilot.app.screen is screen and "只有审核员和管理员可以撤销变动。" in screen_text(screen)
        assert await state() == ("03", 0)


def test_timeline_snapshot(snap_compare: Any, township_file: Path, tmp_path: Path,
                           monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """F5 on 刘秀珍: her timeline, the cursor on the wrong 流出."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    app = OwnDatabaseApp(db.resolve(township_file), target_label="renkou.sqlite3", username="demo", is_demo=True,
                         needs_login=False)  # fmt: skip

    async def steps(pilot: Pilot) -> None:
        screen = await open_timeline(pilot)
        await outflow_row(pilot, screen)
        await settle(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=steps)


async def test_stored_text_is_shown_literally(township: db.DbTarget) -> None:
    """A value typed with markup brackets is shown as typed, never interpreted."""
    from store import service
    from store.records import load_households
    from tests.support.timeline import H7

    record = (await load_households([H7]))[H7]
    next(p for p in record["members"] if p["key"] == "g2")["occupation"] = "[bold red]务农[/]"
    await service.save_household(record, operator="[i]王芳[/i]")
    app = make_app(township)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_timeline(pilot)
        assert rows(screen)[-1][3] == "职业：（空） → [bold red]务农[/]"
        await row_at(pilot, screen, "职业")
        text = screen_text(screen)  # the row at the cursor in full, below the table
        assert "职业：（空） → [bold red]务农[/]" in text and "[i]王芳[/i] 录入" in text


async def views() -> list[str]:
    """The person keys of the logged openings, oldest first."""
    return [str(r[0]) for r in await db.fetch("SELECT detail FROM audit_log WHERE action = 'view' ORDER BY id")]


def person_line(screen: TimelineScreen) -> str:
    """The line naming the person above the table."""
    return str(screen.query_one("#timeline-person").render())


async def test_the_kept_screen_shows_only_the_person_opened(township: db.DbTarget) -> None:
    """F5 on 刘秀珍, Esc, F5 on the next member: the same screen (kept by the app), refilled with only his
    entries, his name and the cursor on his first row; each opening checked and logged."""
    from store.timeline import find_person, person_timeline

    app = make_app(township)
    async with app.run_test(size=(80, 24)) as pilot:
        first = await open_timeline(pilot)
        hers = rows(first)
        await outflow_row(pilot, first)  # the cursor away from the first row
        assert first.query_one(DataTable).cursor_row > 0
        await pilot.press("escape")
        await settle(pilot, lambda: isinstance(pilot.app.screen, BrowseScreen))
        tree = pilot.app.screen.query_one(HouseholdTree)
        await pilot.press("down")
        await settle(pilot, lambda: tree.cursor_node is not None and tree.cursor_node.data.key not in (None, "g2"))
        key = tree.cursor_node.data.key
        his = [e.text for e in await person_timeline((await find_person(key)).id)]
        assert his != [r[3] for r in hers]
        logged = await views()
        shown: list[tuple[str, int]] = []  # the screen as it is pushed: already filled, never the one before

        def watch(screen: object) -> None:
            if screen is first:
                shown.append((first.person_key, first.query_one(DataTable).row_count))

        pilot.app.screen_change_signal.subscribe(pilot.app.screen, watch)
        await pilot.press("f5")
        await settle(pilot, lambda: pilot.app.screen is first and first.person_key == key)
        assert shown == [(key, len(his))]
        table = first.query_one(DataTable)
        assert [r[3] for r in rows(first)] == his and table.cursor_row == 0
        name = str((await find_person(key)).name)
        assert name in person_line(first) and "刘秀珍" not in person_line(first)
        assert f"共 {len(his)} 条。" in screen_text(first)
        assert await views() == [*logged, key]


async def test_a_refused_opening_shows_nothing_of_the_person_before(township: db.DbTarget) -> None:
    """A clerk of 红星村 opens 刘秀珍's timeline, then (as F5 would) that of 曾燕 of another township: refused
    (logged), the kept screen shows the refusal and nothing of 刘秀珍."""
    from store import users
    from tui.screens.timeline import open_timeline as open_for

    await users.create_user("hx", "红星录入员", "secret123", "operator", unit_code=export_fixture.HONGXING,
                            iterations=1000)  # fmt: skip
    app = make_app(township, "hx", is_demo=False)
    async with app.run_test(size=(80, 24)) as pilot:
        first = await open_timeline(pilot)
        await pilot.press("escape")
        await settle(pilot, lambda: isinstance(pilot.app.screen, BrowseScreen))
        logged = await views()
        open_for(pilot.app.screen, "h2")
        await settle(pilot, lambda: pilot.app.screen is first and first.person_key == "h2")
        assert first.history is None and first.query_one(DataTable).row_count == 0
        text = screen_text(first)
        assert "刘秀珍" not in text and "曾燕" not in text and "查看" in text
        assert await views() == logged
        refusals = await db.fetch("SELECT count(*) FROM audit_log WHERE action = 'access.denied' AND username = 'hx'")
        assert refusals[0][0] == 1


async def test_the_kept_screen_takes_the_look_set_meanwhile(township: db.DbTarget) -> None:
    """The kept screen is not restyled when it comes back unless the look changed while it was away: a theme
    chosen meanwhile is drawn."""
    app = make_app(township)
    async with app.run_test(size=(80, 24)) as pilot:
        first = await open_timeline(pilot)
        title = first.query_one("#timeline-title")
        before = title.styles.background
        await pilot.press("escape")
        await settle(pilot, lambda: isinstance(pilot.app.screen, BrowseScreen))
        pilot.app.theme = "textual-light" if pilot.app.theme != "textual-light" else "textual-dark"
        await settle(pilot)
        await pilot.press("f5")
        await settle(pilot, lambda: pilot.app.screen is first)
        assert title.styles.background != before
        assert title.styles.background == pilot.app.current_theme.to_color_system().primary
