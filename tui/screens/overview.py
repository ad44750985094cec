"""First screen: the townships and villages of the database with household and person counts."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from store.overview import UnitCount, database_title, unit_counts

LEVEL_LABEL = {"township": "乡镇", "village": "村"}


class OverviewScreen(Screen[None]):
    """Units and counts (the household tree and forms build on this in later screens).

    The screen paints at once; the counts of a county are read by a worker and filled in when ready.
    """

    BINDINGS = [Binding("escape", "app.quit", "退出", id="quit", key_display="Esc")]

    def compose(self) -> ComposeResult:
        yield Static("人口信息", id="title", classes="title-bar")
        yield DataTable(id="units", cursor_type="row", zebra_stripes=False)
        yield Static("加载中…", id="summary")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("代码", "单位", "级别", "户数", "人数")
        table.focus()
        self.run_worker(self._load(), exclusive=True, group="overview")

    async def _load(self) -> None:
        title = await database_title()
        self.query_one("#title", Static).update(f"人口信息  {title}    {self.app.status_line}")  # type: ignore[attr-defined]
        self.show_counts(await unit_counts())

    def show_counts(self, counts: list[UnitCount]) -> None:
        """Fill the table and the summary line."""
        table = self.query_one(DataTable)
        for unit in counts:
            indent = "" if unit.level == "township" else "  "
            table.add_row(unit.code, indent + unit.name, LEVEL_LABEL.get(unit.level, unit.level),
                          f"{unit.households:>7}", f"{unit.persons:>7}", key=unit.code)  # fmt: skip
        townships = [u for u in counts if u.level == "township"]
        persons = sum(u.persons for u in townships)
        households = sum(u.households for u in townships)
        self.query_one("#summary", Static).update(
            f"共 {len(townships)} 个乡镇 {len(counts) - len(townships)} 个村，{households} 户 {persons} 人"
        )
