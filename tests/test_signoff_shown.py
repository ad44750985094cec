"""A reviewer's sign-off (issue 12, point 6) is shown where the month's state is: the tree's title and the
quality panel, for a village, before and after signing."""

from __future__ import annotations

import datetime as dt

import pytest

from store import db, months
from tests.support.apps import make_app
from tests.support.clock import freeze_today
from tests.support.data import TOWNSHIP
from tests.support.pilot import settle, shown
from tui.screens.browse import BrowseScreen, HouseholdTree
from tui.screens.quality import QualityScreen

MONTH = "2026-11"


async def villages() -> list[str]:
    rows = await db.fetch("SELECT code FROM unit WHERE level = 'village' AND parent_id = ? ORDER BY code", [TOWNSHIP])
    return [str(r[0]) for r in rows]


async def test_the_tree_shows_a_village_signed_off(audited_demo: db.DbTarget, monkeypatch: pytest.MonkeyPatch) -> None:
    freeze_today(monkeypatch, dt.date(2026, 12, 3), dt.datetime(2026, 12, 3, 9, 0))
    for village in await villages():
        await months.sign_off(village, MONTH, "rev", "张审核")
    app = make_app(audited_demo)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, BrowseScreen)
        tree = screen.query_one(HouseholdTree)
        await settle(pilot, lambda: "〔" in str(tree.border_title))
        assert tree.border_title == "户 〔11月未封账〕"  # the township: its villages sign, not itself
        for _ in range(6):
            node = tree.cursor_node
            if node is not None and node.data is not None and len(node.data.code) == 12:
                break
            await pilot.press("down")
            await settle(pilot)
        await settle(pilot, lambda: "已签字" in str(tree.border_title))
        assert tree.border_title == "户 〔11月未封账 已签字〕"


async def test_the_quality_panel_shows_the_village_sign_off(audited_demo: db.DbTarget,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    freeze_today(monkeypatch, dt.date(2026, 12, 3), dt.datetime(2026, 12, 3, 9, 0))
    village = (await villages())[0]
    app = make_app(audited_demo)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = QualityScreen(village)
        app.push_screen(screen)
        await settle(pilot, lambda: screen.unit is not None and screen.month_text != "")
        assert "11月未封账 未签字" in shown(screen.query_one("#q-right"))
        app.pop_screen()
        await months.sign_off(village, MONTH, "rev", "张审核")
        screen = QualityScreen(village)
        app.push_screen(screen)
        await settle(pilot, lambda: screen.unit is not None and screen.month_text != "")
        assert "11月未封账 已签字" in shown(screen.query_one("#q-right"))
