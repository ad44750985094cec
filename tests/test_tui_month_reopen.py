"""F10 on the quality panel reopens a closed month (admins): a question whose Enter is 取消, then the reason
in a dialog (an empty one refused), logged; the panel shows the state again."""

from __future__ import annotations

import datetime as dt

import pytest
from textual.widgets import Static

from store import db, months
from tests.support.apps import make_app
from tests.support.clock import freeze_today
from tests.support.data import TOWNSHIP, add_accounts
from tests.support.pilot import settle, shown
from tui import services
from tui.screens.form_dialogs import ChoiceDialog, ReasonDialog
from tui.screens.quality import QualityScreen


async def open_panel(app, pilot) -> QualityScreen:  # type: ignore[no-untyped-def]
    screen = QualityScreen(TOWNSHIP)
    app.push_screen(screen)
    await settle(pilot, lambda: screen.unit is not None and screen.month_text != "")
    await pilot.press(*["down"] * len(screen.rows))  # to the township's own row (the last)
    await settle(pilot, lambda: screen.selected is screen.unit)
    return screen


async def test_quality_f10_reopens_after_asking_and_a_reason(audited_demo: db.DbTarget,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    freeze_today(monkeypatch, dt.date(2026, 12, 3), dt.datetime(2026, 12, 3, 9, 0))
    await add_accounts()
    await services.close_month("2026-11", "boss", TOWNSHIP, force=True)
    clerk = make_app(audited_demo, "clerk")
    async with clerk.run_test(size=(80, 24)) as pilot:
        await open_panel(clerk, pilot)
        await pilot.press("f10")
        await settle(pilot)
        assert clerk.notices[-1] == "只有管理员可以重新打开已封账的月份。"
    app = make_app(audited_demo, "boss")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_panel(app, pilot)
        assert "11月已封账" in shown(screen.query_one("#q-right"))
        await pilot.press("f10")
        await settle(pilot, lambda: isinstance(app.screen, ChoiceDialog))
        assert "重新打开" in shown(app.screen.query_one(Static))
        await pilot.press("enter")  # the default is 取消
        await settle(pilot)
        assert await months.find_close(TOWNSHIP, "2026-11") is not None and not isinstance(app.screen, ChoiceDialog)
        await pilot.press("f10")
        await settle(pilot, lambda: isinstance(app.screen, ChoiceDialog))
        await pilot.press("y")
        await settle(pilot, lambda: isinstance(app.screen, ReasonDialog))
        await pilot.press("enter")  # no reason: refused, still asking
        await settle(pilot)
        assert isinstance(app.screen, ReasonDialog) and "请填写重新打开的理由。" in shown(
            app.screen.query_one("#reason-error")
        )
        await pilot.press(*"县里退回更正", "enter")
        await settle(pilot, lambda: "未封账" in shown(screen.query_one("#q-right")))
        assert "11月未封账" in shown(screen.query_one("#q-right"))
    assert await months.find_close(TOWNSHIP, "2026-11") is None
    history = await months.history(TOWNSHIP)
    assert [(c.reopened_by, c.reopen_reason) for c in history] == [("boss", "县里退回更正")]
    rows = await db.fetch("SELECT action, target, detail FROM audit_log WHERE action = 'month_reopen'")
    assert [tuple(r) for r in rows] == [("month_reopen", f"{TOWNSHIP} 2026-11", "县里退回更正")]
