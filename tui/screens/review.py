"""Review (逻辑审核): the stored audit findings of a unit, filtered and paged, with confirm, re-audit and export.

The screen paints at once; workers read the counts, the filter choices and one page of findings
(:mod:`store.findings_view`) and fill them in. The table never holds more than one page (200 rows): moving
past its last or first row loads the next or previous page. Enter opens the person (or household) form on
the faulty item, over this screen: back here, the list is read again under the same filter. F8 exports
what the filter shows.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from store import findings_view as fv
from store.pinyin import text_initials
from tui import severity
from tui.acting import actor_of
from tui.bindings import bindings
from tui.exporting import errors_list_path, export_folder
from tui.jobs import Jobs
from tui.records import RecordsChanged
from tui.text import display_text, plain, wrap_cells
from tui.widgets import KeyBar, SafeInput

SEVERITY_CHOICES = [("E+W", "EW"), ("E", "E"), ("W", "W"), ("全部", "all")]
STATUS_CHOICES = [("未处理", "open"), ("已核实", "confirmed"), ("全部", "all")]
#: (header, width in cells) of the table; 说明 takes the rest of 80 columns. 户 is group and number (二组0014).
COLUMNS = (("级", 3), ("规则", 4), ("村", 8), ("户", 10), ("姓名", 6), ("说明", 34))
#: width of a rule's label in the rule filter (code, title, count)
RULE_LABEL = 21
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


def rule_titles() -> dict[str, str]:
    """Rule code → title (标题) of the rule catalogue."""
    from checks.registry import all_rules

    return {code: rule.title for code, rule in all_rules().items()}


@dataclasses.dataclass(frozen=True)
class RuleChoice:
    """A rule of the filter: code, title, findings under the current village, pinyin initials of the title."""

    code: str
    title: str
    count: int
    initials: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return f"{self.code} {self.title} {self.count}"

    def matches(self, typed: str) -> bool:
        """Whether `typed` picks this rule: the start of its code (id0 → ID03), pinyin initials of its title
        (sfz → 身份证…, anywhere in them), or a part of its title."""
        typed = typed.strip().lower()
        if not typed:
            return True
        if self.code.lower().startswith(typed) or typed in self.title:
            return True
        return any(typed in initials for initials in self.initials)


def rule_choices(counts: dict[str, int], titles: dict[str, str]) -> list[RuleChoice]:
    """The filter's rules: those with findings, in code order, with titles and initials."""
    out = []
    for code, n in counts.items():
        title = titles.get(code, "")
        out.append(RuleChoice(code, title, n, tuple(text_initials(title)) if title else ()))
    return out


class RuleSelect(CycleSelect):
    """The rule filter: ← → cycle; Enter or typing opens :class:`RulePicker` (type to narrow the list)."""

    class Pick(Message):
        """A key for the rule list: open it (first key), or pass the key on to it while it opens."""

        def __init__(self, key: str, char: str | None) -> None:
            super().__init__()
            self.key = key
            self.char = char

    def action_show_overlay(self) -> None:
        """Space (Enter, ↓ and ↑ are taken in :meth:`_on_key`): open the rule list."""
        self.post_message(self.Pick("space", None))

    async def _on_key(self, event: Any) -> None:
        char = event.character
        if event.key in ("enter", "down", "up"):
            event.stop()
            event.prevent_default()
            self.post_message(self.Pick(event.key, None))
        elif char and char.isprintable() and not char.isspace():
            event.stop()
            event.prevent_default()
            self.post_message(self.Pick(event.key, char))


class RulePicker(ModalScreen[str | None]):
    """规则: type a code (ID03) or the pinyin initials of a title (sfz) to narrow the list; ↑ ↓ choose,
    Enter picks (the first line, 全部, clears the rule filter), Esc leaves it as it was."""

    BINDINGS = bindings("rules")
    SCOPED_CSS = False
    DEFAULT_CSS = """
    RulePicker { align: center middle; }
    RulePicker #rules-box { width: 60; height: 18; border: round $accent; padding: 0 1; }
    .ascii RulePicker #rules-box { border: ascii $accent; }
    RulePicker #rules-box Input { width: 1fr; }
    RulePicker #rules-box OptionList { height: 1fr; border: none; padding: 0; }
    RulePicker #rules-hint { height: 1; color: $text-muted; }
    """

    ALL = "全部规则"

    def __init__(self, choices: list[RuleChoice], current: str, typed: str = "") -> None:
        super().__init__()
        self.choices = choices
        self.current = current
        self.typed = typed
        self.shown: list[RuleChoice | None] = []
        self.ready = False
        self._queue: list[tuple[str, str | None]] = []
        self._filled: str | None = None
        self._picked = False

    def compose(self) -> ComposeResult:
        with Vertical(id="rules-box"):
            yield SafeInput(self.typed, placeholder="输入规则代码或名称拼音首字母，如 ID0、sfz", id="rules-typed",
                            select_on_focus=False)  # fmt: skip
            yield OptionList(id="rules-list")
            yield Static(Text("↑ ↓ 选择  Enter 确定  Esc 取消", style="dim"), id="rules-hint")

    def on_mount(self) -> None:
        typed = self.query_one(Input)
        typed.value = self.typed
        typed.cursor_position = len(self.typed)
        typed.focus()
        self._fill(self.typed)
        self.ready = True
        queued, self._queue = self._queue, []
        for key, char in queued:  # keys that came while the list was opening, in order
            self.feed(key, char)

    def feed(self, key: str, char: str | None) -> None:
        """A key typed on the rule filter (or here) before this list could take it: applied in order."""
        if not self.ready:
            self._queue.append((key, char))
            return
        if char:
            self.query_one(Input).insert_text_at_cursor(char)
            self._sync()
        elif key in ("down", "up"):
            self.action_move(1 if key == "down" else -1)
        elif key == "enter":
            self._submitted()

    def on_key(self, event: Any) -> None:
        """Keys reaching the screen before its input has the focus are kept for it."""
        wanted = event.key != "escape" and (event.character or event.key in ("down", "up", "enter"))
        if not self.ready and wanted:
            event.stop()
            event.prevent_default()
            self.feed(event.key, event.character if event.character and event.character.isprintable() else None)

    def _sync(self) -> None:
        """Narrow the list to what the input holds now (keys run before the input's change messages)."""
        value = self.query_one(Input).value
        if value != self._filled:
            self._fill(value)

    def _fill(self, typed: str) -> None:
        self._filled = typed
        found = [c for c in self.choices if c.matches(typed)]
        self.shown = ([None] if not typed.strip() else []) + list(found)
        options = [Option(Text(self.ALL if c is None else clip(c.label, 54))) for c in self.shown]
        listing = self.query_one(OptionList)
        listing.clear_options()
        listing.add_options(options)
        if not self.shown:
            listing.add_option(Option(Text("没有这样的规则", style="dim"), disabled=True))
            return
        codes = [None if c is None else c.code for c in self.shown]
        current = self.current or None
        listing.highlighted = codes.index(current) if not typed.strip() and current in codes else 0

    @on(Input.Changed)
    def _typed(self) -> None:
        self._sync()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self._sync()
        self._pick(self.query_one(OptionList).highlighted)

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self._pick(event.option_index)

    def _pick(self, index: int | None) -> None:
        if self._picked:
            return
        if index is None or not 0 <= index < len(self.shown):
            return
        choice = self.shown[index]
        self._picked = True
        self.dismiss("" if choice is None else choice.code)

    def action_move(self, step: int) -> None:
        if not self.ready:
            self._queue.append(("down" if step > 0 else "up", None))
            return
        self._sync()
        listing = self.query_one(OptionList)
        if step > 0:
            listing.action_cursor_down()
        else:
            listing.action_cursor_up()

    def action_cancel(self) -> None:
        self.dismiss(None)


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
↑ ↓ PgUp PgDn 移动，越过本页末行自动翻页（每页最多 200 条）；Enter 打开该人
（或该户）的信息，光标在出错的项目上，保存后返回本清单，筛选不变。
Tab ⇧Tab 在筛选栏（村、规则、级别、状态）和列表间切换，← → 换选项；在“规则”
上直接输入规则代码或名称的拼音首字母（如 sfz）查找规则。
S 每按一次换一种排序；F5 的截止日期同上次审核；F8 按当前筛选导出问题清单，
存到“文档”文件夹或当前目录。F9 审核签字：在“村”筛选栏选定村后，签认该村上月
数据已审核。"""

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
    ReviewScreen #f-rule { width: 26; }
    ReviewScreen #f-severity { width: 7; }
    ReviewScreen #f-status { width: 9; }
    ReviewScreen #f-rule > SelectOverlay { width: 20; }
    ReviewScreen #f-village > SelectOverlay { width: 20; }
    ReviewScreen FindingTable { height: 1fr; scrollbar-size-vertical: 1; }
    ReviewScreen #review-detail { height: auto; min-height: 2; max-height: 8; padding: 0 1; color: $text-muted; }
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
        self.rules: list[RuleChoice] = []
        self._resumed = False
        self._picker: RulePicker | None = None
        self._titles: dict[str, str] | None = None

    # --- layout -----------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Horizontal(id="review-title"):
            yield Static("逻辑审核", id="title-left")
            yield Static("", id="title-right")
        with Horizontal(id="review-filters"):
            yield Label("村", classes="first")
            yield CycleSelect([("全部", "")], value="", id="f-village")
            yield Label("规则")
            yield RuleSelect([("全部", "")], value="", id="f-rule")
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
        villages = await fv.village_choices(self.unit_code, actor=await actor_of(self.app))
        village_select = self.query_one("#f-village", CycleSelect)
        if len(self.unit_code) >= 12:
            village_select.replace_options([(plain(name), code) for code, name in villages])
        else:
            village_select.replace_options([("全部", ""), *((plain(name), code) for code, name in villages)])
        await self._load_rules()
        await self._load_page(offset)

    async def _load_rules(self) -> None:
        """The rule choices under the current village; the chosen rule stays one of them (with 0 findings
        once they are all fixed), so a fix or a re-audit never resets the filter."""
        if self._titles is None:
            self._titles = rule_titles()
        counts = await fv.rule_counts(self.scope, actor=await actor_of(self.app))
        if self.filter.rule and self.filter.rule not in counts:
            counts = dict(sorted({**counts, self.filter.rule: 0}.items()))
        self.rules = rule_choices(counts, self._titles)
        self.query_one("#f-rule", CycleSelect).replace_options(
            [("全部", ""), *((clip(c.label, RULE_LABEL), c.code) for c in self.rules)]
        )

    async def _load_page(self, offset: int) -> None:
        actor = await actor_of(self.app)
        self.counts = await fv.finding_counts(self.scope, actor=actor)
        name = await fv.unit_name(self.scope, actor=actor)
        self.page = await fv.finding_page(self.filter, offset, self.page_size, actor=actor)
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
            mark = severity.mark(row.severity) + ("✓" if row.confirmed else "")
            table.add_row(
                Text(mark, style=severity.style(row.severity)),
                Text(row.rule),
                Text(clip(display_text(row.village_name), width["村"])),
                Text(clip(row.household_label, width["户"])),
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
        title = (self._titles or {}).get(row.rule, "")
        where = f"{display_text(row.village_name)}{row.household_label}"
        head = (
            f"{row.rule} {title}｜{display_text(row.person_name) or '（户）'} {where}（{row.household_code}）{state}："
        )
        # the detail spans the screen, padded 1 each side; Textual keeps the last cell of a line free
        width = max(20, (self.size.width or 80) - 3)
        lines = wrap_cells(head + display_text(row.message), width)
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

    def action_open_finding(self) -> None:
        """Enter: the person form of the finding's person (the household form for a household finding),
        over this list, with the faulty item focused; back here the list is read again, filter kept."""
        from tui.screens.household_form import HouseholdForm
        from tui.screens.person_form import PersonForm

        row = self.current_row
        if row is None:
            return
        form: Screen[Any]
        if row.person_key:
            form = PersonForm(row.household_code, row.person_key, focus=row.fields)
        else:
            form = HouseholdForm(row.household_code, row.household_code[:12], focus=row.fields)
        self._cursor_after_load = self.query_one(FindingTable).cursor_row
        self.app.push_screen(form)

    def on_screen_resume(self) -> None:
        """Back from a form (or another screen): the counts, rules and page as stored now, same filter."""
        if not self._resumed:  # the first resume is the screen being shown: on_mount loads it
            self._resumed = True
            return
        if self.is_mounted and not self.busy:
            cursor = self.query_one(FindingTable).cursor_row
            self._cursor_after_load = max(0, cursor)
            self.run_job(self._refresh(), exclusive=True, group="review-load")

    async def _refresh(self) -> None:
        await self._load_rules()
        await self._load_page(self.page.offset)

    @on(RecordsChanged)
    def _records_changed(self) -> None:
        """A save elsewhere: read the list again when this screen is shown (now, if it is)."""
        if self.app.screen is self:
            self.on_screen_resume()

    @on(RuleSelect.Pick)
    def _pick_rule(self, event: RuleSelect.Pick) -> None:
        """Open the rule list on the first key (a typed character starts its search); keys typed faster
        than it opens are passed on to it, in order, never opening it again."""
        if self._picker is not None:
            self._picker.feed(event.key, event.char)
            return

        def picked(code: str | None) -> None:
            self._picker = None
            if code is not None:
                self.query_one("#f-rule", CycleSelect).value = code

        self._picker = RulePicker(self.rules, self.filter.rule, event.char or "")
        self.app.push_screen(self._picker, picked)

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
        await services.confirm_warning(row.person_key or "", row.rule, reason, user, list(row.fields) or None,
                                       actor=await actor_of(self.app))  # fmt: skip
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
        flt = self.filter
        self._start_job("导出中")
        try:
            text = await services.export_errors(out, user, unit=self.scope, progress=self._on_progress,
                                                severity=flt.severity, rule=flt.rule, status=flt.status,
                                                actor=await actor_of(self.app))  # fmt: skip
        finally:
            self._stop_job()
        self.last_export = out
        self.query_one("#review-status", Static).update(plain(text))
        self.notify(display_text(text), timeout=8, markup=False)

    # --- reviewer's sign-off (审核签字) of the village's reporting month ------------------------------------

    def action_sign_off(self) -> None:
        if self._idle():
            self.run_job(self._prepare_sign_off(), exclusive=True, group="review-job")

    async def _prepare_sign_off(self) -> None:
        from store import access
        from store.domain.months import reporting_month
        from tui.screens.form_dialogs import ChoiceDialog

        village = self.scope
        if len(village) != 12:
            self.notify("审核签字按村进行：请先在“村”筛选栏选择一个村。", severity="warning")
            return
        actor = await actor_of(self.app)
        if not access.may(actor, access.Action.MONTH_SIGNOFF):
            self.notify(access.refusal(actor, access.Action.MONTH_SIGNOFF), severity="warning")
            await access.log_refusal(actor, access.Action.MONTH_SIGNOFF)
            return
        month = reporting_month(dt.date.today())
        name = await fv.unit_name(village)
        errors = self.counts.errors
        tail = f"（尚有未处理的错误 {errors} 条）" if errors else ""
        question = f"审核签字：{name} {month} 的数据已审核{tail}？"

        def answered(choice: str | None) -> None:
            if choice == "y":
                self.run_job(self._sign_off(village, month, actor.username, actor.real_name), exclusive=True,
                             group="review-job")  # fmt: skip

        self.app.push_screen(ChoiceDialog(question, [("y", "签字"), ("n", "取消")]), answered)

    async def _sign_off(self, village: str, month: str, username: str, real_name: str) -> None:
        from tui import services

        signed = await services.sign_off_month(month, village, username, real_name)
        self.notify(f"已签字：{month} {signed.line}")

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
