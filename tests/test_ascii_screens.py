"""ASCII mode (``--ascii``, ``TERM=linux``; issue 9 point 6): every main screen reaches the terminal without a
glyph outside ASCII but its Chinese text — no box corners, section rules, scrollbars, tree guides or arrows that
a PuTTY set to CJK widths would draw double-wide. The screens are read as the terminal gets them
(``App.export_screenshot``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.screen import Screen

from store import db
from tests.support.apps import make_app
from tests.support.data import CODE, add_accounts
from tests.support.pilot import not_ascii_or_cjk, settle, terminal_chars
from tui.borders import ascii_text
from tui.screens.browse import BrowseScreen, HouseholdTree
from tui.screens.person_form import PersonForm


def test_glyphs_become_ascii_cell_for_cell() -> None:
    assert ascii_text("── 育龄妇女 ──") == "-- 育龄妇女 --"
    assert ascii_text("╭─┬─╮│├└┘┼") == "+-+-+|+++" + "+"
    assert ascii_text("▼ 全部规则 ▲") == "v 全部规则 ^"
    assert ascii_text("加载中…（空）：，。") == "加载中.（空）：，。"
    assert ascii_text("▁▇█▌ ■E ▲W ·I") == "_### #E ^W .I"
    assert ascii_text("王😀红") == "王😀红"  # data is data: wide characters are kept


async def test_every_main_screen_is_ascii_in_ascii_mode(example_db: db.DbTarget) -> None:
    await add_accounts()  # Ctrl+U lists them
    app = make_app(example_db, "boss", ascii_borders=True)
    seen: dict[str, set[str]] = {}
    async with app.run_test(size=(80, 24)) as pilot:

        def scan(name: str) -> None:
            seen[name] = not_ascii_or_cjk(terminal_chars(app))

        async def visit(name: str, keys: tuple[str, ...], until: Callable[[Screen[Any]], bool]) -> None:
            await pilot.press(*keys)
            await settle(pilot, lambda: until(app.screen))
            await settle(pilot)
            scan(name)
            await pilot.press("escape")
            await settle(pilot, lambda: isinstance(app.screen, BrowseScreen))

        await settle(pilot, lambda: isinstance(app.screen, BrowseScreen))
        tree = app.screen.query_one(HouseholdTree)
        await settle(pilot, lambda: bool(tree.root.children) and bool(tree.root.children[0].children))
        for _ in range(3):  # the first village, group and household: tree guides and the household detail
            await pilot.press("down", "enter")
            await settle(pilot, lambda: tree.cursor_node is not None and bool(tree.cursor_node.children))
        await settle(pilot)
        scan("户树")
        await visit("查找", ("slash", *"zjj"), lambda s: bool(getattr(s, "hits", None)))
        await visit("变更录入", ("f4",), lambda s: type(s).__name__ == "ChangeEntryScreen")
        await visit("逻辑审核", ("f6",), lambda s: type(s).__name__ == "ReviewScreen")
        await visit("数据质量", ("f7",), lambda s: type(s).__name__ == "QualityScreen")
        await visit("导出", ("f8",), lambda s: type(s).__name__ == "ExportScreen")
        await visit("帮助", ("f1",), lambda s: type(s).__name__ == "HelpScreen")
        await visit("账号管理", ("ctrl+u",), lambda s: type(s).__name__ == "UsersScreen")
        await visit("退出？", ("escape",), lambda s: type(s).__name__ == "ChoiceDialog")
        await visit("户信息", ("e",), lambda s: type(s).__name__ == "HouseholdForm" and bool(getattr(s, "ready", 0)))
        form = PersonForm(CODE, "h12-2")  # 陈美华: the woman block with its section rules, the form scrolled
        app.push_screen(form)
        await settle(pilot, lambda: form.ready)
        await settle(pilot)
        scan("人员信息")
        await pilot.press("end")
        await settle(pilot)
        scan("人员信息（末尾）")
    assert len(seen) == 12
    assert {name: chars for name, chars in seen.items() if chars} == {}


async def test_without_ascii_mode_the_glyphs_stay(example_db: db.DbTarget) -> None:
    """The filter belongs to ASCII mode only: the ordinary terminal keeps its rounded boxes."""
    app = make_app(example_db, "demo")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, BrowseScreen))
        await settle(pilot)
        assert {"╭", "─"} <= not_ascii_or_cjk(terminal_chars(app))
