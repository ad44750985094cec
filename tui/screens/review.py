"""Review (逻辑审核): the stored audit findings of a unit, filtered and paged, with confirm, re-audit and export.

The screen paints at once; workers read the counts, the filter choices and one page of findings
(:mod:`store.findings_view`) and fill them in. The table never holds more than one page (200 rows): moving
past its last or first row loads the next or previous page.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import inspect
from pathlib import Path
from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Input, Label, Select, Static

from store import findings_view as fv
from tui.bindings import bindings
from tui.exporting import errors_list_path, export_folder
from tui.jobs import Jobs
from tui.text import display_text, plain
from tui.widgets import KeyBar

SEVERITY_STYLE = {"E": "bold red", "W": "yellow", "I": "dim"}
SEVERITY_CHOICES = [("E+W", "EW"), ("E", "E"), ("W", "W"), ("全部", "all")]
STATUS_CHOICES = [("未处理", "open"), ("已核实", "confirmed"), ("全部", "all")]
#: (header, width in cells) of the table; 说明 takes the rest of 80 columns.
COLUMNS = (("级", 2), ("规则", 4), ("村", 8), ("户编码尾", 8), ("姓名", 6), ("说明", 37))
DEFAULT_REASON = "经核实无误"


def clip(text: str, width: int) -> str:
    """`text` cut to `width` terminal cells, with "…" when cut (never splits a wide character)."""
    if cell_len(text) <= width:
        return text
    out, used = [], 0
    for char in text:
        size = cell_len(char)
        if used + size > width - 1:
            break
        out.append(char)
        used += size
    return "".join(out) + "…"


def fold(text: str, width: int, lines: int) -> list[str]:
    """`text` broken into at most `lines` lines of `width` cells at any character (Chinese has no spaces to
    break at); the last line ends in "…" when text is left over."""
    out: list[str] = []
    rest = text
    while rest and len(out) < lines:
        line, used = [], 0
        for char in rest:
            if used + cell_len(char) > width:
                break
            line.append(char)
            used += cell_len(char)
        out.append("".join(line))
        rest = rest[len(line) :]
    if rest and out:
        out[-1] = clip(out[-1] + rest, width)
    return out


class CycleSelect(Select[str]):
    """A compact select whose value ← → cycle through without opening the list (Enter opens it)."""

    BINDINGS = bindings("select")

    def __init__(self, options: list[tuple[str | Text, str]], *, value: str, id: str) -> None:
        super().__init__(options, value=value, allow_blank=False, compact=True, id=id)

    def action_cycle(self, step: int) -> None:
        values = [v for _, v in self._options if isinstance(v, str)]
        if values:
            index = values.index(self.value) if self.value in values else 0
            self.value = values[(index + step) % len(values)]

    def replace_options(self, options: list[tuple[str | Text, str]]) -> None:
        """New options, keeping the current value when it is still one of them."""
        keep = self.value
        self.set_options(options)
        if any(v == keep for _, v in options):
            self.value = keep


class FindingTable(DataTable[Any]):
    """The page of findings; moving past its last or first row asks the screen for the next or previous page."""

    BINDINGS = bindings("findings")

    class Edge(Message):
        """The cursor tried to leave the page (`step` +1: after the last row, -1: before the first)."""

        def __init__(self, step: int) -> None:
            super().__init__()
            self.step = step

    def _at_end(self) -> bool:
        return self.row_count == 0 or self.cursor_row >= self.row_count - 1

    def action_cursor_down(self) -> None:
        if self._at_end():
            self.post_message(self.Edge(1))
        else:
            super().action_cursor_down()

    def action_page_down(self) -> None:
        if self._at_end():
            self.post_message(self.Edge(1))
        else:
            super().action_page_down()

    def action_cursor_up(self) -> None:
        if self.cursor_row <= 0:
            self.post_message(self.Edge(-1))
        else:
            super().action_cursor_up()

    def action_page_up(self) -> None:
        if self.cursor_row <= 0:
            self.post_message(self.Edge(-1))
        else:
            super().action_page_up()


class ConfirmFindingDialog(ModalScreen[str | None]):
    """Ask once whether a warning is correct as it is (核实无误), with the reason (pre-filled)."""

    BINDINGS = bindings("confirm")
    SCOPED_CSS = False  # so that the app's ".ascii" class reaches the border
    DEFAULT_CSS = """
    ConfirmFindingDialog { align: center middle; }
    ConfirmFindingDialog #confirm-box { width: 64; height: auto; border: round $warning; padding: 0 1; }
    .ascii ConfirmFindingDialog #confirm-box { border: ascii $warning; }
    ConfirmFindingDialog #confirm-box .row { height: 1; }
    ConfirmFindingDialog #confirm-box Input { width: 1fr; }
    ConfirmFindingDialog #confirm-error { color: $error; height: auto; }
    """

    def __init__(self, row: fv.FindingRow) -> None:
        super().__init__()
        self.row = row

    def compose(self) -> ComposeResult:
        row = self.row
        with Vertical(id="confirm-box"):
            yield Static(plain(f"核实无误：{row.severity} {row.rule} {row.person_name}（{row.village_name} "
                               f"{row.household_code[-4:]}）", style="bold"))  # fmt: skip
            yield Static(Text("\n".join(fold(display_text(row.message), 60, 6)), no_wrap=True))
            with Horizontal(classes="row"):
                yield Label("理由 ")
                yield Input(DEFAULT_REASON, id="reason", compact=True)
            yield Static("", id="confirm-error")
            yield Static(Text("Enter确定  Esc取消", style="dim"))

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        reason = event.value.strip()
        if not reason:
            self.query_one("#confirm-error", Static).update("请填写核实无误的理由。")
            return
        self.dismiss(reason)

    def action_cancel(self) -> None:
        self.dismiss(None)


#: the sorts of :data:`store.findings_view.SORTS`, as the clerk reads them
SORT_LABELS = {"severity": "级别", "village": "村", "household": "户", "rule": "规则"}


class ReviewScreen(Jobs, Screen[None]):
    """逻辑审核: findings of `unit_code` ('' = the whole database)."""

    HELP = """\
逻辑审核：最近一次逻辑审核发现的问题。错误（E）须改正数据；
预警（W）经核实确属实情的，可标为“核实无误”（该人员记录再修改后失效）。
↑ ↓ PgUp PgDn 移动，越过本页末行自动翻页（每页最多 200 条）；Tab ⇧Tab 在
筛选栏（村、规则、级别、状态）和列表间切换，Enter 展开选项列表。
S 每按一次换一种排序；F5 的截止日期同上次审核；问题清单存到“文档”文件夹
或当前目录。"""

    KEY_SCOPES = ("review", "findings", "select")
    BINDINGS = bindings("review")

    DEFAULT_CSS = """
    ReviewScreen #review-title { height: 1; background: $primary; color: $text; padding: 0 1; }
    ReviewScreen #title-left { width: 1fr; }
    ReviewScreen #title-right { width: auto; }
    ReviewScreen #review-filters { height: 1; padding: 0 1; }
    ReviewScreen #review-filters Label { width: auto; margin: 0 1 0 2; }
    ReviewScreen #review-filters Label.first { margin: 0 1 0 0; }
    ReviewScreen #f-village { width: 12; }
    ReviewScreen #f-rule { width: 13; }
    ReviewScreen #f-severity { width: 7; }
    ReviewScreen #f-status { width: 9; }
    ReviewScreen #f-rule > SelectOverlay { width: 20; }
    ReviewScreen #f-village > SelectOverlay { width: 20; }
    ReviewScreen FindingTable { height: 1fr; scrollbar-size-vertical: 1; }
    ReviewScreen #review-detail { height: 2; padding: 0 1; color: $text-muted; }
    ReviewScreen #review-status { height: 1; padding: 0 1; }
    """

    def __init__(self, unit_code: str = "", *, page_size: int = fv.PAGE_SIZE, export_dir: Path | None = None) -> None:
        super().__init__()
        self.unit_code = unit_code
        self.page_size = page_size
        self.export_dir = export_dir
        self.filter = fv.FindingFilter(unit=unit_code)
        self.page = fv.FindingPage([], 0, 0)
        self.counts = fv.FindingCounts()
        self.as_of: dt.date | None = None
        self.busy = ""  # what a long job is doing ("审核中", "导出中"), "" when idle
        self._progress: tuple[int, int] = (0, 0)
        self._timer: Any = None
        self._cursor_after_load = 0
        self.last_export: Path | None = None

    # --- layout -----------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Horizontal(id="review-title"):
            yield Static("逻辑审核", id="title-left")
            yield Static("", id="title-right")
        with Horizontal(id="review-filters"):
            yield Label("村", classes="first")
            yield CycleSelect([("全部", "")], value="", id="f-village")
            yield Label("规则")
            yield CycleSelect([("全部", "")], value="", id="f-rule")
            yield Label("级别")
            yield CycleSelect(SEVERITY_CHOICES, value="EW", id="f-severity")
            yield Label("状态")
            yield CycleSelect(STATUS_CHOICES, value="open", id="f-status")
        yield FindingTable(id="findings", cursor_type="row", zebra_stripes=False)
        yield Static("", id="review-detail")
        yield Static("加载中…", id="review-status")
        yield KeyBar(self.KEY_SCOPES)

    def on_mount(self) -> None:
        table = self.query_one(FindingTable)
        for label, width in COLUMNS:
            table.add_column(label, width=width, key=label)
        table.focus()
        self.run_job(self._load_all(), exclusive=True, group="review-load")

    # --- loading ----------------------------------------------------------------------------------------

    @property
    def scope(self) -> str:
        """The unit the header counts and the rule choices follow: the chosen village, else the screen's unit."""
        return self.filter.unit or self.unit_code

    async def _load_all(self, offset: int = 0) -> None:
        """Header, filter choices and the page at `offset`."""
        self.as_of = await fv.audit_date()
        villages = await fv.village_choices(self.unit_code)
        village_select = self.query_one("#f-village", CycleSelect)
        if len(self.unit_code) >= 12:
            village_select.replace_options([(plain(name), code) for code, name in villages])
        else:
            village_select.replace_options([("全部", ""), *((plain(name), code) for code, name in villages)])
        await self._load_rules()
        await self._load_page(offset)

    async def _load_rules(self) -> None:
        rules = await fv.rule_counts(self.scope)
        self.query_one("#f-rule", CycleSelect).replace_options(
            [("全部", ""), *((f"{rule} {n}", rule) for rule, n in rules.items())]
        )

    async def _load_page(self, offset: int) -> None:
        self.counts = await fv.finding_counts(self.scope)
        name = await fv.unit_name(self.scope)
        self.page = await fv.finding_page(self.filter, offset, self.page_size)
        self._show_header(name)
        self._show_page()

    def _show_header(self, name: str) -> None:
        c = self.counts
        when = f"截至 {self.as_of:%Y-%m-%d}" if self.as_of else "尚未审核（F5 审核）"
        self.query_one("#title-left", Static).update(plain(f"逻辑审核  {name}  {when}"))
        self.query_one("#title-right", Static).update(Text(f"E {c.errors}  W {c.warnings}  已核实 {c.confirmed}"))

    def _show_page(self) -> None:
        table = self.query_one(FindingTable)
        table.clear()
        width = dict(COLUMNS)
        for row in self.page.rows:
            mark = row.severity + ("✓" if row.confirmed else "")
            table.add_row(
                Text(mark, style=SEVERITY_STYLE.get(row.severity, "")),
                Text(row.rule),
                Text(clip(display_text(row.village_name), width["村"])),
                Text(row.household_code[-4:]),
                Text(clip(display_text(row.person_name) or "（户）", width["姓名"])),
                Text(clip(display_text(row.message), width["说明"])),
                key=str(row.id),
            )
        if self.page.rows:
            target = len(self.page.rows) - 1 if self._cursor_after_load < 0 else self._cursor_after_load
            table.move_cursor(row=min(target, len(self.page.rows) - 1))
        self._cursor_after_load = 0
        self._show_detail()
        if not self.busy:
            self._show_status()

    def _show_status(self) -> None:
        page = self.page
        if page.total == 0:
            text = "没有符合条件的问题。" if self.as_of else "尚未审核：按 F5 审核全部数据。"
        else:
            text = f"第 {page.offset + 1}–{page.offset + len(page.rows)} 条，共 {page.total} 条"
        self.query_one("#review-status", Static).update(text)

    def _show_detail(self) -> None:
        row = self.current_row
        detail = self.query_one("#review-detail", Static)
        if row is None:
            detail.update("")
            return
        state = "（已核实）" if row.confirmed else ""
        head = f"{row.rule} {display_text(row.person_name) or '（户）'} {row.household_code}{state}："
        lines = fold(head + display_text(row.message), max(10, detail.content_region.width or 78), 2)
        detail.update(Text("\n".join(lines), no_wrap=True))

    @property
    def current_row(self) -> fv.FindingRow | None:
        """The finding under the cursor."""
        table = self.query_one(FindingTable)
        if not self.page.rows or not 0 <= table.cursor_row < len(self.page.rows):
            return None
        return self.page.rows[table.cursor_row]

    def reload(self, offset: int | None = None, *, cursor: int = 0) -> None:
        """Read the page at `offset` (default: the current one) again, cursor on row `cursor` (-1: last)."""
        self._cursor_after_load = cursor
        start = self.page.offset if offset is None else offset
        self.run_job(self._load_page(start), exclusive=True, group="review-load")

    # --- events -----------------------------------------------------------------------------------------

    @on(DataTable.RowHighlighted)
    def _highlighted(self) -> None:
        self._show_detail()

    @on(FindingTable.Edge)
    def _edge(self, event: FindingTable.Edge) -> None:
        if event.step > 0 and self.page.has_next:
            self.reload(self.page.offset + self.page_size)
        elif event.step < 0 and self.page.has_previous:
            self.reload(max(0, self.page.offset - self.page_size), cursor=-1)

    @on(Select.Changed)
    def _filter_changed(self, event: Select.Changed) -> None:
        new = fv.FindingFilter(unit=self._choice("#f-village") or self.unit_code, rule=self._choice("#f-rule"),
                               severity=self._choice("#f-severity"), status=self._choice("#f-status"),
                               sort=self.filter.sort)  # fmt: skip
        if new == self.filter:
            return
        village_changed = new.unit != self.filter.unit
        self.filter = new
        if village_changed:
            self.run_job(self._village_changed(), exclusive=True, group="review-load")
        else:
            self.reload(0)

    def _choice(self, selector: str) -> str:
        return str(self.query_one(selector, CycleSelect).value)

    async def _village_changed(self) -> None:
        await self._load_rules()
        self.filter = fv.FindingFilter(unit=self.filter.unit, rule=self._choice("#f-rule"),
                                       severity=self.filter.severity, status=self.filter.status,
                                       sort=self.filter.sort)  # fmt: skip
        await self._load_page(0)

    # --- actions ----------------------------------------------------------------------------------------

    def action_next_sort(self) -> None:
        """S: the next order of the list (by severity, village, household, rule)."""
        names = list(fv.SORTS)
        sort = names[(names.index(self.filter.sort) + 1) % len(names)]
        self.filter = dataclasses.replace(self.filter, sort=sort)
        self.notify(f"按{SORT_LABELS[sort]}排序", timeout=2)
        self.reload(0)

    def _idle(self) -> bool:
        if self.busy:
            self.notify(f"{self.busy}，请稍候。", severity="warning")
            return False
        return True

    async def action_open_finding(self) -> None:
        row = self.current_row
        if row is None:
            return
        opener = getattr(self.app, "open_household", None)
        if opener is None:  # an app without the browse screen (e.g. a test app)
            self.notify("该功能尚未提供", severity="warning")
            return
        result = opener(row.household_code, row.person_key)
        if inspect.isawaitable(result):
            await result

    def action_confirm_finding(self) -> None:
        row = self.current_row
        if row is None or not self._idle():
            return
        if row.confirmed:
            self.notify("这条预警已核实无误。")
            return
        if row.severity != "W":
            kind = "错误（E）须改正数据" if row.severity == "E" else "提示（I）无需处理"
            self.notify(f"{row.rule} 是{kind}，只有预警（W）可以核实无误。", severity="warning")
            return
        if not row.person_key:
            self.notify("这条预警针对整户，不能核实无误，请核对户信息。", severity="warning")
            return

        def done(reason: str | None) -> None:
            if reason:
                self.run_job(self._confirm(row, reason), exclusive=True, group="review-job")

        self.app.push_screen(ConfirmFindingDialog(row), done)

    async def _confirm(self, row: fv.FindingRow, reason: str) -> None:
        from tui import services

        user = str(getattr(self.app, "username", "") or "")
        await services.confirm_warning(row.person_key or "", row.rule, reason, user, list(row.fields) or None)
        self.notify(f"已核实无误：{row.rule} {display_text(row.person_name)}", markup=False)
        cursor = self.query_one(FindingTable).cursor_row
        self._cursor_after_load = cursor
        await self._load_rules()
        await self._load_page(self.page.offset)

    def action_reaudit(self) -> None:
        if self._idle():
            self.run_job(self._reaudit(), exclusive=True, group="review-job")

    async def _reaudit(self) -> None:
        from tui import services

        self._start_job("审核中")
        try:
            summary = await services.run_audit(self.as_of, self._on_progress)
        finally:
            self._stop_job()
        counts = summary.counts()
        self.notify(f"审核完成：{summary.households} 户 {summary.persons} 人，错误 {counts.get('E', 0)} 条，"
                    f"预警 {counts.get('W', 0)} 条，用时 {summary.seconds:.1f} 秒。")  # fmt: skip
        await self._load_all(0)

    def action_export(self) -> None:
        if self._idle():
            self.run_job(self._export(), exclusive=True, group="review-job")

    async def _export(self) -> None:
        from tui import services

        name = await fv.unit_name(self.scope)
        out = errors_list_path(self.export_dir or export_folder(), str(name or ""))
        user = str(getattr(self.app, "username", "") or "")
        self._start_job("导出中")
        try:
            text = await services.export_errors(out, user, unit=self.scope, progress=self._on_progress)
        finally:
            self._stop_job()
        self.last_export = out
        self.query_one("#review-status", Static).update(plain(text))
        self.notify(display_text(text), timeout=8, markup=False)

    def action_back(self) -> None:
        self.dismiss(None)

    # --- progress of long jobs (the callback may come from another thread: it only stores numbers) ------

    def _on_progress(self, done: int, total: int) -> None:
        self._progress = (done, total)

    def _start_job(self, label: str) -> None:
        self.busy = label
        self._progress = (0, 0)
        self.query_one("#review-status", Static).update(f"{label}…")
        self._timer = self.set_interval(0.3, self._tick)

    def _tick(self) -> None:
        done, total = self._progress
        text = f"{self.busy} {int(100 * done / total)}%" if total else f"{self.busy}…"
        status = self.query_one("#review-status", Static)
        if str(status.content) != text:
            status.update(text)

    def _stop_job(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self.busy = ""
        self._show_status()
