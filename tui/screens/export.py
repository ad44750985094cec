"""F8 export: the monthly returns, the errors list, the verification sample, the household file or the
period returns (half year, year), in one small dialog. The writers live in `exports/` and `store/`; this screen only collects what, which month, which
unit and where, runs the writer in a worker and shows its progress and its one-line result."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from store.errors import StoreError
from tui.acting import actor_of
from tui.bindings import bindings
from tui.exporting import KINDS, ExportKind, default_path, default_period, export_folder
from tui.jobs import Jobs
from tui.keys import reporting_month
from tui.text import display_text, plain
from tui.widgets import KeyBar, SafeInput

HELP = """\
导出（F8）
  1 月报表     本单位各村的月报表（Excel），次月 5 日前报县
  2 问题清单   各村未处理的逻辑错误，一村一页，发回村里改正
  3 抽查核实表 按规定比例抽取的已婚育龄妇女核实表（打印后入户核实）
  4 户文件     全部或本单位的户数据（JSONL），供上报或迁移
  5 半年报     统计年度上半年或下半年（期间写 2026-H1 或 2026-H2）
  6 年报       整个统计年度（期间写 2026）；已封账的月份取封账时上报的数字
Tab/Enter 在月份、单位、文件之间移动。文件先写入临时文件，完成后才改名，
中途失败不会留下残缺文件；每次导出都记入操作日志。"""


class KindPicker(Static, can_focus=True):
    """The row of export kinds: 1–4 (or ← →) choose, Enter or Tab go on to the fields."""

    BINDINGS = bindings("kinds")


class ExportScreen(Jobs, ModalScreen[Path | None]):
    """Choose an export and write it; dismisses with the written path (None when closed without one)."""

    HELP = HELP
    KEY_SCOPES = ("export", "kinds")
    BINDINGS = bindings("export")

    DEFAULT_CSS = """
    ExportScreen { align: center middle; }
    ExportScreen #export-box { width: 76; height: auto; border: round $primary; padding: 0 1; }
    ExportScreen .export-row { height: 1; }
    ExportScreen .export-row Label { width: 6; }
    ExportScreen #export-month { width: 9; }
    ExportScreen #export-unit { width: 14; }
    ExportScreen #export-unit-name { width: 1fr; padding: 0 1; color: $text-muted; }
    ExportScreen #export-out { width: 1fr; }
    ExportScreen #export-status { height: auto; min-height: 2; }
    ExportScreen #export-keys { height: 1; color: $text-muted; background: $surface; }
    ExportScreen #export-kinds:focus { background: $boost; }
    """

    def __init__(self, unit_code: str = "", unit_name: str = "", *, folder: Path | None = None,
                 today: dt.date | None = None) -> None:  # fmt: skip
        super().__init__()
        self.unit_code = unit_code
        self.unit_name = unit_name or unit_code or "全部"
        self.folder = folder or export_folder()
        self.kind: ExportKind = KINDS[0]
        self.month = reporting_month(today)
        self.periods = {k.key: default_period(k, self.month, 1) for k in KINDS if k.period}
        self._custom_out = False
        self._done = 0
        self._total = 0
        self._exporting = False
        self._out: Path | None = None
        self.written: Path | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="export-box"):
            yield KindPicker("", id="export-kinds")
            with Horizontal(classes="export-row"):
                yield Label("月份", id="export-month-label")
                yield SafeInput(self.month, id="export-month", advance_on_enter=True, max_length=7)
            with Horizontal(classes="export-row"):
                yield Label("单位")
                yield SafeInput(self.unit_code, id="export-unit", advance_on_enter=True, restrict=r"[0-9]*")
                yield Static(plain(self.unit_name), id="export-unit-name")
            with Horizontal(classes="export-row"):
                yield Label("文件")
                yield SafeInput("", id="export-out")
            yield Static("", id="export-status")
            yield KeyBar(self.KEY_SCOPES, with_global=False, id="export-keys")  # a modal: the app's keys stop here

    def on_mount(self) -> None:
        self.border_title = "导出"
        self.query_one("#export-box").border_title = "导出"
        self._show_kind()
        self.query_one("#export-kinds", KindPicker).focus()
        self.set_interval(0.3, self._paint_progress)
        self.run_job(self._stat_year(), group="export-year")
        if self.unit_code and self.unit_name == self.unit_code:  # only the code was given: look up its name
            self.run_job(self._name_unit(self.unit_code), exclusive=True, group="export-unit")

    async def _stat_year(self) -> None:
        """Propose the periods on the database's statistical year (January or October start)."""
        from store.stat_year import stat_year_start

        start = await stat_year_start()
        self.periods = {k.key: default_period(k, self.month, start) for k in KINDS if k.period}
        if self.kind.period:
            self._show_kind()

    @property
    def when(self) -> str:
        """What the month field holds for the chosen kind: a month, or a period."""
        return self.periods[self.kind.key] if self.kind.period else self.month

    def _show_kind(self) -> None:
        text = Text()
        for n, kind in enumerate(KINDS, 1):
            chosen = kind is self.kind
            text.append(f" {n} {kind.label} ", style="reverse bold" if chosen else "")
            text.append(" ")
        self.query_one("#export-kinds", Static).update(text)
        self.query_one("#export-month-label", Label).update("期间" if self.kind.period else "月份")
        field = self.query_one("#export-month", SafeInput)
        if field.value != self.when:
            field.value = self.when
        field.disabled = not self.kind.needs_month
        self.query_one("#export-unit", SafeInput).disabled = not self.kind.takes_unit
        if not self._custom_out:
            self._set_out(default_path(self.folder, self.kind, self.unit_name, self.when))

    def _set_out(self, path: Path) -> None:
        field = self.query_one("#export-out", SafeInput)
        field.value = str(path)
        self._custom_out = False

    def action_choose(self, index: int) -> None:
        """Digits choose a kind while the kind row has focus (in a field they are typed)."""
        if self._exporting or isinstance(self.focused, Input):
            return
        self.kind = KINDS[index]
        self._show_kind()

    def action_step_kind(self, step: int) -> None:
        self.action_choose((KINDS.index(self.kind) + step) % len(KINDS))

    @on(Input.Changed, "#export-month")
    def _month_changed(self, event: Input.Changed) -> None:
        if self.kind.period:
            self.periods[self.kind.key] = event.value.strip()
        else:
            self.month = event.value.strip()
        if not self._custom_out:
            self._set_out(default_path(self.folder, self.kind, self.unit_name, self.when))

    @on(Input.Changed, "#export-unit")
    def _unit_changed(self, event: Input.Changed) -> None:
        self.unit_code = event.value.strip()
        self.run_job(self._name_unit(self.unit_code), exclusive=True, group="export-unit")

    async def _name_unit(self, code: str) -> None:
        from store.browse import unit_name

        name = await unit_name(code) if code else "全部"
        self.unit_name = str(name) if name else code
        label = self.query_one("#export-unit-name", Static)
        label.update(plain(name) if name else Text("单位代码不存在", style="bold red"))
        if not self._custom_out:
            self._set_out(default_path(self.folder, self.kind, self.unit_name, self.when))

    @on(Input.Changed, "#export-out")
    def _out_changed(self, event: Input.Changed) -> None:
        expected = str(default_path(self.folder, self.kind, self.unit_name, self.when))
        self._custom_out = event.value != expected

    @on(Input.Submitted, "#export-out")
    def _submitted(self) -> None:
        self.action_start()

    def action_start(self) -> None:
        if self._exporting:
            return
        out = Path(self.query_one("#export-out", SafeInput).value.strip()).expanduser()
        if not out.name:
            self._status("请填写导出文件的路径。", error=True)
            return
        self._exporting = True
        self._out = out
        self._done = self._total = 0
        self._status("导出中…")
        self.run_job(self._export(out), exclusive=True, group="export-run")

    def _progress(self, done: int, total: int = 0) -> None:
        """Called by the writers (possibly from another thread): only store the numbers."""
        self._done, self._total = done, total

    def _paint_progress(self) -> None:
        if self._exporting and self._total:
            self._status(f"导出中 {min(100, self._done * 100 // max(1, self._total))}%")

    async def _export(self, out: Path) -> None:
        from tui import services

        user = str(getattr(self.app, "username", "") or "")
        unit = self.unit_code if self.kind.takes_unit else ""
        actor = await actor_of(self.app)
        if self.kind.key == "monthly":
            text = await services.export_monthly(self.month, out, user, unit, self._progress, actor=actor)
        elif self.kind.key == "errors":
            text = await services.export_errors(out, user, unit, progress=self._progress, actor=actor)
        elif self.kind.period:
            text = await services.export_period(self.kind.key, self.when, out, user, unit, self._progress, actor=actor)
        elif self.kind.key == "sample":
            text = await services.export_sample(self.month, out, user, self._progress, actor=actor)
        else:
            text = await self._households(out, unit, user)
        self._exporting = False
        self.written = out
        self._status(text)
        self.notify(display_text(text), timeout=8, markup=False)

    async def _households(self, out: Path, unit: str, user: str) -> str:
        from tui import services

        def counted(done: int, *_: Any) -> None:
            self._progress(done, 0)

        return await services.export_households(out, user, unit, progress=counted, actor=await actor_of(self.app))

    def job_failed(self, exc: BaseException, notice: str) -> None:
        """An export failed (the notice is shown): say so on the status line; the dialog can be closed."""
        self._exporting = False
        if isinstance(exc, OSError) and not isinstance(exc, StoreError):
            notice = f"无法写入 {self._out}（{exc.strerror or exc}）。请换一个位置。"
        self._status(notice, error=True)

    def _status(self, text: str, *, error: bool = False) -> None:
        self.query_one("#export-status", Static).update(plain(text, style="bold red" if error else ""))

    def action_close(self) -> None:
        if self._exporting:
            self._status("正在导出，请等完成后再关闭。", error=True)
            return
        self.dismiss(self.written)
