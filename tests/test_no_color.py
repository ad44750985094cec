"""NO_COLOR (issue 9 point 6): Textual turns every colour grey, so each state a colour told apart is also shown by
text style — the cursor row of a table and the cursor node of the tree in reverse video, the focused entry field
underlined, a refused field underlined and bold (E and W: ``tui/severity.py``, tested beside the terminals)."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable

from store import db
from tests.support.apps import make_app
from tests.support.data import CODE
from tests.support.pilot import settle
from tui.screens.browse import BrowseScreen, HouseholdTree
from tui.screens.person_form import PersonForm
from tui.widgets.field import Field


async def test_states_are_told_apart_without_colour(example_db: db.DbTarget, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(example_db, "demo")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, BrowseScreen))
        tree = app.screen.query_one(HouseholdTree)
        await settle(pilot, lambda: bool(tree.root.children))
        assert tree.get_component_rich_style("tree--cursor").reverse
        await pilot.press("f6")
        await settle(pilot, lambda: type(app.screen).__name__ == "ReviewScreen")
        table = app.screen.query_one(DataTable)
        assert table.get_component_rich_style("datatable--cursor").reverse
        await pilot.press("escape")
        await settle(pilot, lambda: isinstance(app.screen, BrowseScreen))
        form = PersonForm(CODE, "h12-2")
        app.push_screen(form)
        await settle(pilot, lambda: form.ready and app.focused is not None)  # Widget.focus is deferred
        focused = app.focused
        assert focused is not None and focused.rich_style.underline  # the field the keys go to
        fields = list(form.query(Field))
        other = next(f for f in fields if f.input is not focused)
        assert not other.input.rich_style.underline
        other.set_status("error", "日期不对")
        await pilot.pause()
        assert other.input.rich_style.bold and other.input.rich_style.underline
        assert other.status.rich_style.bold


async def test_colours_kept_without_no_color(example_db: db.DbTarget, monkeypatch: pytest.MonkeyPatch) -> None:
    """With colours, the cursor is a coloured bar (the NO_COLOR styles are not applied)."""
    monkeypatch.delenv("NO_COLOR", raising=False)
    app = make_app(example_db, "demo")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, BrowseScreen))
        assert not app.has_class("no-color")
        tree = app.screen.query_one(HouseholdTree)
        assert not tree.get_component_rich_style("tree--cursor").reverse
