"""历史数据: a person's timeline — change events, field changes before → after, histories and reversals — in
time order (`store.timeline` through `tui.services.person_history`). Enter or R on a change event reverses it
with a reason (reviewers and admins; `store.reversal`). Opened with F5 from the person form and from a person
in the household tree. Texts from the database are shown literally (`tui.text`)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Label, Static

from store.timeline import TimelineEntry
from tui import services
from tui.acting import actor_of
from tui.bindings import bindings
from tui.jobs import Jobs, report_failure
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
    cursor below the table."""

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
        try:  # loaded before the first frame (a few ms): the screen is drawn once, with its rows
            await self._load()
        except Exception as exc:  # the jobs' one error handler: a notice, details in the crash log
            self.job_failed(exc, report_failure(self, exc))

    async def _load(self, status: str = "") -> None:
        actor = await actor_of(self.app)
        self.history = await services.person_history(self.person_key, actor=actor)
        person = self.history.person
        line = Text.assemble(display_text(person.name or "（未填姓名）"), f"  户 {person.household}")
        if person.id_number:
            line.append(f"  身份证号 {person.id_number}")
        self.query_one("#timeline-person", Static).update(line)
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        for n, entry in enumerate(self.history.entries):
            number = str(entry.event_id) if entry.event_id is not None else ""
            day = entry.day.isoformat() if entry.day else ""
            style = "strike" if entry.reversed else ""
            cells = (
                Text(number),
                Text(day),
                Text(entry.kind),
                plain(entry.text, no_wrap=True),
                plain(entry.who, no_wrap=True),
            )
            for cell in cells:
                cell.stylize(style)
            table.add_row(*cells, key=str(n))
        if self.history.entries:
            table.move_cursor(row=min(max(row, 0), len(self.history.entries) - 1))
        self._show_detail()
        self._status(status or f"共 {len(self.history.entries)} 条。")

    def _status(self, text: str, *, error: bool = False) -> None:
        self.query_one("#timeline-status", Static).update(plain(text, style="bold red" if error else ""))

    def _current(self) -> TimelineEntry | None:
        if self.history is None or not self.history.entries:
            return None
        return self.history.entries[self.query_one(DataTable).cursor_row]

    def _show_detail(self) -> None:
        entry = self._current()
        detail = self.query_one("#timeline-detail", Static)
        if entry is None:
            detail.update("")
            return
        when = f"{entry.at:%Y-%m-%d %H:%M} " if entry.at else ""
        who = f"{when}{entry.who} 录入" if entry.who or when else ""
        text = Text.assemble(display_text(entry.text), f"\n{who}" if who else "")
        detail.update(text)

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
        done = await services.reverse_event(self.person_key, event_id, reason, actor=actor)
        how = "不再计入月报" if done.withdrawn else "所在月份已封账，本月记一条更正"
        kept = "".join(done.unrestored)  # what stays as the event left it, and what to do
        await self._load(f"已撤销编号 {event_id} 的变动，{how}。{kept}")

    def job_failed(self, exc: BaseException, notice: str) -> None:
        """A load or reversal failed (the notice is shown): say so on the status line too."""
        self._status(notice, error=True)

    def action_back(self) -> None:
        self.dismiss(None)
