"""历史数据: a person's timeline — change events, field changes before → after, histories and reversals — in
time order (`store.timeline` through `tui.services.person_history`). Enter or R on a change event reverses it
with a reason (reviewers and admins; `store.reversal`). Opened with F5 from the person form and from a person
in the household tree. Texts from the database are shown literally (`tui.text`).

Opened from a key (:meth:`TimelineScreen.for_person`), the timeline is loaded before it is pushed (its first
frame shows the entries) into the app's kept screen: built once per app and refilled for the next person (a
screen's push, compose and styling cost most of an opening)."""

from __future__ import annotations

import asyncio
from typing import Any

from rich.text import Text
from textual import events
from textual.app import App, ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Label, Static

from store.timeline import TimelineEntry
from tui import services
from tui.acting import actor_of
from tui.bindings import bindings
from tui.jobs import Jobs, report_failure, run_job
from tui.screens.form_dialogs import ChoiceDialog
from tui.text import display_text, plain
from tui.widgets import KeyBar, SafeInput

HELP = """\
历史数据：此人发生过的一切，按时间先后排列——变动（出生、婚姻、流动、孕情、避孕措施等，含补报、更正），
修改过的项目及修改前后的值，避孕节育、婚姻、流动和居住户的历史，孕情和生育，以及撤销记录；每行有录入人和录入时间。
录错的变动不能删除，只能撤销：在变动行上按 Enter 或 R，写明理由并确认（仅审核员、管理员）。
撤销后此人的有关项目恢复为这次变动之前的值；本月尚未封账的，这条变动不再计入月报；
已封账月份的，在当前月份记一条更正。撤销记入操作日志，并显示在历史数据中。"""

#: the columns: (title, width); 内容 takes the rest of 80 columns
COLUMNS = (("编号", 5), ("日期", 10), ("类别", 4), ("内容", 42), ("录入人", 8))
KEPT_NAME = "timeline"
"""The name the app's kept timeline screen is installed under."""


class ReverseDialog(ModalScreen[str | None]):
    """The reason of a reversal (empty at first): Enter asks once more, the safe answer (不撤销) first."""

    DEFAULT_CSS = """
    ReverseDialog { align: center middle; background: $background 60%; }
    ReverseDialog > Vertical { width: 64; height: auto; border: round $warning; padding: 0 1; background: $surface; }
    .ascii ReverseDialog > Vertical { border: ascii $warning; }
    ReverseDialog .row { height: 1; }
    ReverseDialog SafeInput { width: 1fr; }
    ReverseDialog #reverse-error { color: $error; height: auto; }
    """
    BINDINGS = bindings("reverse")

    def __init__(self, what: str) -> None:
        super().__init__()
        self.what = what

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text("撤销变动", style="bold"))
            yield Static(plain(self.what))
            with Horizontal(classes="row"):
                yield Label("理由 ")
                yield SafeInput("", id="reverse-reason")
            yield Static("", id="reverse-error")
            yield Static(Text("Enter 确定  Esc 不撤销", style="dim"))

    def on_mount(self) -> None:
        self.query_one(SafeInput).focus()

    def on_input_submitted(self, event: SafeInput.Submitted) -> None:
        event.stop()
        reason = event.value.strip()
        if not reason:
            self.query_one("#reverse-error", Static).update("请写明撤销的理由。")
            return

        def answered(choice: str | None) -> None:
            self.dismiss(reason if choice == "y" else None)

        question = f"确定撤销？此人的有关项目将恢复为这次变动之前的值。\n{self.what}"
        self.app.push_screen(ChoiceDialog(question, [("n", "不撤销"), ("y", "撤销")], default="n", cancel="n"),
                             answered)  # fmt: skip

    def action_cancel(self) -> None:
        self.dismiss(None)


class TimelineScreen(Jobs, Screen[None]):
    """``TimelineScreen(person_key)``: the person's timeline, one entry a row, the full text of the row at the
    cursor below the table. Pushed as is it loads on mount; :meth:`for_person` loads it before the push."""

    HELP = HELP
    KEY_SCOPES = ("timeline",)
    BINDINGS = bindings("timeline")
    DEFAULT_CSS = """
    TimelineScreen #timeline-title { height: 1; background: $primary; color: $text; padding: 0 1; }
    TimelineScreen #timeline-person { height: 1; padding: 0 1; }
    TimelineScreen DataTable { height: 1fr; }
    TimelineScreen #timeline-detail { height: 3; padding: 0 1; border-top: solid $primary; }
    .ascii TimelineScreen #timeline-detail { border-top: ascii $primary; }
    TimelineScreen #timeline-status { height: auto; max-height: 4; padding: 0 1; }
    """

    def __init__(self, person_key: str) -> None:
        super().__init__()
        self.person_key = person_key
        self.history: services.PersonHistory | None = None
        self.opening = 0
        """Counts the openings of the (kept) screen: a reversal finishing after another opening leaves it."""
        self._prepared: str | None = None  # loaded before the push (for_person): the status line to show
        self._styled_as: tuple[Any, ...] | None = None
        self._detail_of: TimelineEntry | None = None  # the entry the detail line shows

    def compose(self) -> ComposeResult:
        yield Static("历史数据", id="timeline-title")
        yield Static("", id="timeline-person")
        yield DataTable(id="timeline-table", cursor_type="row", zebra_stripes=False)
        yield Static("", id="timeline-detail")
        yield Static("加载中…", id="timeline-status")
        yield KeyBar(self.KEY_SCOPES)

    async def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for title, width in COLUMNS:
            table.add_column(title, width=width, key=title)
        table.focus()
        if self._prepared is not None:  # loaded before it was pushed (for_person)
            self._show(self._prepared, error=self.history is None)
        else:
            try:  # loaded before the first frame (a few ms): the screen is drawn once, with its rows
                await self._load()
            except Exception as exc:  # the jobs' one error handler: a notice, details in the crash log
                self.job_failed(exc, report_failure(self, exc))
        await self._table_settled()

    # --- opening from a key: loaded first, into the app's kept screen ------------------------------------

    @classmethod
    async def for_person(cls, app: App[Any], person_key: str) -> TimelineScreen:
        """The timeline of a person, loaded (access checked and the view logged as by :meth:`_load`) before it
        is pushed, so that its first frame shows the entries: the screen the app keeps (installed as
        :data:`KEPT_NAME`; built once per app), refilled, else a new one (kept from then on unless the kept one
        is in use). A load that fails leaves the screen empty with the reason on its status line (and the
        notice shown)."""
        kept = app.get_screen(KEPT_NAME, cls) if app.is_screen_installed(KEPT_NAME) else None
        screen = kept if kept is not None and kept not in app.screen_stack else cls(person_key)
        screen.person_key, screen.history = person_key, None  # nothing of the person shown before is kept
        screen.opening += 1
        try:
            screen.history = await services.person_history(person_key, actor=await actor_of(app))
            status = screen._count_line()
        except Exception as exc:  # the jobs' one error handler: a notice, details in the crash log
            status = report_failure(app, exc)
        screen._prepared = status
        if screen.is_attached:  # built before: filled off screen, shown by the push
            screen._show(status, error=screen.history is None, new_person=True)
            await screen._table_settled()
        elif kept is None:
            app.install_screen(screen, name=KEPT_NAME)  # kept mounted when it is dismissed
        return screen

    async def _table_settled(self) -> None:
        """Wait until the table has measured its new rows (it does so when idle): the first frame then has
        the table's final size and scrollbars, and no second frame follows to correct them."""
        table = self.query_one(DataTable)
        settled = asyncio.Event()
        # set once the table has handled its pending messages; it runs its idle handlers in the same step,
        # before this coroutine can resume
        table.call_next(settled.set)
        await settled.wait()

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        """Back on screen: styles are applied again only when the theme or the app's classes changed meanwhile
        (restyling the screen's widgets was a good part of an opening of the kept screen)."""
        styled = (self.app.theme, frozenset(self.app.classes))
        if styled == self._styled_as:
            event.refresh_styles = False
        self._styled_as = styled

    # --- loading and showing -------------------------------------------------------------------------------

    async def _load(self, status: str = "") -> None:
        actor = await actor_of(self.app)
        self.history = await services.person_history(self.person_key, actor=actor)
        self._show(status or self._count_line())

    def _count_line(self) -> str:
        return f"共 {len(self.history.entries)} 条。" if self.history is not None else ""

    def _show(self, status: str, *, error: bool = False, new_person: bool = False) -> None:
        """Fill the widgets from ``self.history`` (None: a failed load, shown empty); the cursor stays on its
        row (a reload) unless this is `new_person`."""
        history = self.history
        line = Text()
        if history is not None:
            person = history.person
            line = Text.assemble(display_text(person.name or "（未填姓名）"), f"  户 {person.household}")
            if person.id_number:
                line.append(f"  身份证号 {person.id_number}")
        self.query_one("#timeline-person", Static).update(line, layout=False)  # (one line, fixed height)
        table = self.query_one(DataTable)
        row = 0 if new_person else table.cursor_row
        table.clear()
        entries = history.entries if history is not None else []
        table.add_rows(self._cells(entry) for entry in entries)
        if entries:
            table.move_cursor(row=min(max(row, 0), len(entries) - 1))
        self._show_detail()
        self._status(status, error=error)

    @staticmethod
    def _cells(entry: TimelineEntry) -> tuple[Text, ...]:
        """The row of an entry (a reversed one struck through)."""
        number = str(entry.event_id) if entry.event_id is not None else ""
        day = entry.day.isoformat() if entry.day else ""
        cells = (
            Text(number),
            Text(day),
            Text(entry.kind),
            plain(entry.text, no_wrap=True),
            plain(entry.who, no_wrap=True),
        )
        if entry.reversed:
            for cell in cells:
                cell.stylize("strike")
        return cells

    def _status(self, text: str, *, error: bool = False) -> None:
        self.query_one("#timeline-status", Static).update(plain(text, style="bold red" if error else ""))

    def _current(self) -> TimelineEntry | None:
        if self.history is None or not self.history.entries:
            return None
        return self.history.entries[self.query_one(DataTable).cursor_row]

    def _show_detail(self) -> None:
        entry = self._current()
        if entry is self._detail_of and entry is not None:  # (e.g. the highlight of the first row added)
            return
        self._detail_of = entry
        detail = self.query_one("#timeline-detail", Static)
        if entry is None:
            detail.update("", layout=False)  # (its height is fixed: no layout needed)
            return
        when = f"{entry.at:%Y-%m-%d %H:%M} " if entry.at else ""
        who = f"{when}{entry.who} 录入" if entry.who or when else ""
        text = Text.assemble(display_text(entry.text), f"\n{who}" if who else "")
        detail.update(text, layout=False)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_reverse()

    def action_reverse(self) -> None:
        """Enter / R: reverse the change event at the cursor, with a reason."""
        entry = self._current()
        if entry is None or self.history is None:
            return
        if entry.event_id is None:
            self._status("只有变动行可以撤销（请选到有编号的行）。", error=True)
            return
        if entry.reversed:
            self._status(f"编号 {entry.event_id} 的变动已经撤销过。", error=True)
            return
        if entry.correction:
            self._status("更正记录不能撤销。", error=True)
            return
        if not self.history.may_reverse:
            self._status("只有审核员和管理员可以撤销变动。", error=True)
            return
        event_id = entry.event_id
        what = f"编号 {event_id}：{entry.day or ''} {entry.text}"

        def reason_given(reason: str | None) -> None:
            if reason:
                self.run_job(self._reverse(event_id, reason), exclusive=True, group="timeline")

        self.app.push_screen(ReverseDialog(what), reason_given)

    async def _reverse(self, event_id: int, reason: str) -> None:
        actor = await actor_of(self.app)
        opening = self.opening
        done = await services.reverse_event(self.person_key, event_id, reason, actor=actor)
        if self.opening != opening:  # (the kept screen shows another opening now)
            return
        how = "不再计入月报" if done.withdrawn else "所在月份已封账，本月记一条更正"
        kept = "".join(done.unrestored)  # what stays as the event left it, and what to do
        await self._load(f"已撤销编号 {event_id} 的变动，{how}。{kept}")

    def job_failed(self, exc: BaseException, notice: str) -> None:
        """A load or reversal failed (the notice is shown): say so on the status line too."""
        self._status(notice, error=True)

    def action_back(self) -> None:
        self.dismiss(None)


def open_timeline(opener: Screen[Any], person_key: str) -> None:
    """F5: the timeline of a person, loaded (:meth:`TimelineScreen.for_person`), then pushed over `opener` if
    that is still the screen shown."""

    async def load() -> None:
        screen = await TimelineScreen.for_person(opener.app, person_key)
        if opener.app.screen is opener:
            opener.app.push_screen(screen)

    run_job(opener, load(), group="timeline", exclusive=True)
