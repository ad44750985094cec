"""Monthly change entry (月度变更录入): one line of the paper change report after another.

The clerk types the kind (1出生 … X注销), finds the person or household (search answers while typing; ↓ ↑
choose among the hits, Enter takes one), fills the few fields of the kind (with suggestions: 孩次, the child's
surname, 政策属性), and F2 (or Enter on the last field) saves the line through :func:`store.changes.save_change`
and clears it for the next one. The batch list shows each saved line with ✓ or the codes of the findings the
re-audit raised for that person. Loading, saving and auditing run in workers; no SQL here.

Keys in order: a line keyed in one burst (``7 王德明 Enter 261121 Enter``, one read over SSH) lands field by
field. Enter on the search line holds the keys behind it (:class:`tui.widgets.KeyHold`) until the hit is
open and the first field has focus — a search still loading is waited for, and its first hit taken — and a
save holds them until the line is cleared and the kind has focus again. F2 commits every field first
(:func:`tui.widgets.field.commit_fields`): a code typed by initials or a date typed without Enter is taken,
or the save is refused naming the field.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import events, on
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.widgets import Input, Label, Static

from checks.config import DEFAULT_CONFIG, AuditConfig
from checks.suggest import birth_warnings, pregnancy_warnings, suggest_policy
from store import changes, service
from store.codes import TABLES
from store.domain import families, surnames
from store.domain.change_kinds import BY_KEY, KINDS, NEW_MEMBER_KINDS, WOMAN_KINDS, fits_role, legend
from store.domain.dates import report_day
from store.errors import ConflictError, StoreError
from store.records import load_households
from store.regions import region_name
from store.search import Hit, search
from tui import severity
from tui.acting import actor_of
from tui.bindings import bindings
from tui.jobs import Jobs
from tui.keys import reporting_month
from tui.records import records_changed
from tui.screens.change_fields import build_rows, read_values, set_value, shown_texts
from tui.screens.form_base import wait_mounted
from tui.text import display_text, plain
from tui.widgets import CodeField, DateField, IdField, KeyBar, SafeInput
from tui.widgets.field import Field, commit_fields
from tui.widgets.key_hold import KeyHold, hold_of

__all__ = ["ChangeEntryScreen"]

KIND_LEGEND = legend(0, 10)  # 1出生 … 0避孕措施
KIND_LEGEND_2 = legend(10)  # L流入 O流出 X注销

HELP = """\
月度变更录入（按纸质变更报告单逐行录入）
  类型      1出生 2死亡 3迁入 4迁出 5结婚 6离婚 7丧偶 8怀孕 9妊娠结局
            0避孕措施 L流入 O流出 X注销（输入一个键即选定）
  查找      姓名、拼音首字母（ljg）、身份证号后 4 位、户编码；
            ↓ ↑ 选择，Enter 选定。出生、迁入、流入找到户或母亲即可
  Enter     下一项；最后一项按 Enter 即保存
本批列表：✓ 无问题；W/E 加规则代码为保存后审核发现的问题。
出生的孩次、姓氏、政策属性为建议值，可直接改。怀孕按报告日期计月。
户主死亡填新户主序号；结婚“迁入本户”填 Y 把配偶迁入本户。
自动跳项：日期满8位、代码输全、身份证号满18位；F2 照收唯一候选和日期。"""


@dataclass
class BatchLine:
    """One line of this session's batch."""

    number: int
    kind: str
    name: str
    place: str
    household_code: str
    person_key: str
    date: dt.date | None
    status: str = "保存中…"
    person_keys: tuple[str, ...] = ()

    def text(self) -> Text:
        label = KINDS[self.kind].label
        date = self.date.isoformat() if self.date else ""
        line = Text(no_wrap=True, overflow="ellipsis")
        line.append(f"{self.number:>3} {_pad(label, 8)} {_pad(display_text(self.name), 8)} "
                    f"{_pad(display_text(self.place), 16)} {date}  ")  # fmt: skip
        style = "green" if self.status == "✓" else severity.style("W" if self.status.startswith("W") else "E")
        line.append(self.status, style=style if self.status != "保存中…" else "dim")
        return line


class KindInput(SafeInput):
    """One key picks the kind (1–9, 0, L, O, X): posts :class:`KindInput.Typed` and moves on to the search."""

    class Typed(Message):
        """A kind key was typed (`key` upper-cased; not necessarily a kind)."""

        def __init__(self, key: str) -> None:
            super().__init__()
            self.key = key

    def __init__(self, value: str) -> None:
        super().__init__(value, advance_on_enter=True, max_length=1, id="ce-kind")
        self.styles.width = 2

    def normalize_insert(self, text: str) -> str:
        return text.upper()

    def replace(self, text: str, start: int, end: int) -> None:
        super().replace(text, start, end)
        if text:
            key = self.value.strip().upper()
            self.post_message(self.Typed(key))
            if key in changes.KIND_BY_KEY:
                self.advance()  # at once, so keys typed ahead go to the search


class SearchInput(SafeInput):
    """The search line: ↓ ↑ choose among the hits (posting :class:`SearchInput.Pick`), Enter takes the chosen
    one. The screen sets :attr:`choices` to the number of hits."""

    BINDINGS: ClassVar[list[BindingType]] = bindings("hits")

    class Pick(Message):
        """Choose the hit `step` places on (+1 next, -1 previous)."""

        def __init__(self, step: int) -> None:
            super().__init__()
            self.step = step

    def __init__(self) -> None:
        super().__init__(advance_on_enter=False, up_goes_back=False, id="ce-search", max_length=20)
        self.choices = 0

    def action_pick(self, step: int) -> None:
        if self.choices <= 1:
            raise SkipAction()
        self.post_message(self.Pick(step))


class SaveKey(Static, can_focus=True):
    """The stop after the last field (a full date moves on to it by itself): Enter saves the line."""

    BINDINGS: ClassVar[list[BindingType]] = bindings("line")

    def __init__(self) -> None:
        super().__init__("[保存]", classes="ce-save", markup=False)

    async def _on_key(self, event: events.Key) -> None:
        """Keys in order here too: held while the screen is busy, Enter / F2 run at once (not after the keys
        queued behind them)."""
        hold = hold_of(self)
        if hold is not None and hold.take(self, event):
            return
        if await self.app._check_bindings(event.key):
            event.stop()
            event.prevent_default()


class LeaveDialog(ModalScreen[bool]):
    """本行尚未保存，放弃并返回？ Y leaves; N, Enter or Esc stay (the safe answer is the default)."""

    DEFAULT_CSS = """
    LeaveDialog { align: center middle; background: $background 60%; }
    LeaveDialog > Static { width: 50; height: 3; border: round $warning; padding: 0 1; background: $surface; }
    .ascii LeaveDialog > Static { border: ascii $warning; }
    """
    BINDINGS = bindings("leave")

    def compose(self) -> ComposeResult:
        yield Static(Text.assemble(("本行尚未保存，放弃并返回？", "bold"), "  Y放弃  N继续"))

    def action_answer(self, leave: bool) -> None:
        self.dismiss(leave)


class ChangeEntryScreen(Jobs, Screen[None]):
    """Monthly change entry for `month` (``YYYY-MM``; default the previous month) in the unit `unit_code`
    (shown in the header; the search covers the whole database)."""

    HELP = HELP
    KEY_SCOPES = ("changes",)
    DEFAULT_CSS = """
    ChangeEntryScreen { layout: vertical; }
    ChangeEntryScreen .ce-row { height: 1; width: 1fr; }
    ChangeEntryScreen Label { width: auto; padding: 0 1 0 0; }
    ChangeEntryScreen .ce-label { padding: 0 1 0 1; }
    ChangeEntryScreen #ce-head { height: 1; }
    ChangeEntryScreen #ce-head-left { width: 1fr; }
    ChangeEntryScreen #ce-head-right { width: auto; }
    ChangeEntryScreen #ce-legend, ChangeEntryScreen #ce-hit { width: 1fr; height: 1; }
    ChangeEntryScreen #ce-hits { height: auto; max-height: 3; padding: 0 0 0 7; color: $text-muted; display: none; }
    ChangeEntryScreen #ce-hits.-shown { display: block; }
    ChangeEntryScreen #ce-search { width: 15; }
    ChangeEntryScreen .ce-who { width: auto; }
    ChangeEntryScreen .ce-kind { width: 10; }
    ChangeEntryScreen CodeField > .field--status { width: 12; }
    ChangeEntryScreen .ce-save { width: auto; color: $text-muted; padding: 0 0 0 1; }
    ChangeEntryScreen .ce-save:focus { color: $text; text-style: reverse; }
    ChangeEntryScreen .ce-rule { height: 1; color: $text-muted; }
    ChangeEntryScreen #ce-fields { height: 4; }
    ChangeEntryScreen #ce-message { height: auto; max-height: 2; padding: 0 1; }
    ChangeEntryScreen #ce-message.-error { color: $error; }
    ChangeEntryScreen #ce-message.-warning { color: $warning; }
    ChangeEntryScreen #ce-batch { height: 1fr; }
    ChangeEntryScreen #ce-batch > Static { height: 1; }
    ChangeEntryScreen #ce-keys { height: 1; background: $panel; }
    """
    BINDINGS: ClassVar[list[BindingType]] = bindings("changes")

    def __init__(self, month: str | None = None, unit_code: str = "") -> None:
        super().__init__()
        self.month = month or reporting_month()
        self.unit_code = unit_code
        self.unit_label = ""
        self.kind = "birth"
        self._hits: list[Hit] = []
        self.hit_index = 0
        self.hit: Hit | None = None
        self.record: dict[str, Any] | None = None
        self.person_key: str | None = None  # the person the line is about (the mother for a birth)
        self.fields: dict[str, Widget] = {}
        self.batch: list[BatchLine] = []
        self.saving = False
        self._warned = False
        self.config: AuditConfig = DEFAULT_CONFIG  # the database's audit settings, loaded on mount
        self._suggested: dict[str, str] = {}  # field name → the value last suggested there
        self._blank: dict[str, str] = {}  # what the fields of the kind hold before anything is keyed
        self.key_hold = KeyHold()
        """Keys typed while a hit opens or a line saves wait here (see the module docstring)."""
        self._hits_for = ""  # the search text the hits are for
        self._enter_waiting = False  # Enter was pressed on the search line before its hits arrived
        self._refused_at = 0.0  # when a save was last refused (a field could not take what it shows)

    # --- layout ----------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Horizontal(id="ce-head", classes="title-bar"):
            yield Static("", id="ce-head-left")
            yield Static("", id="ce-head-right")
        with Horizontal(classes="ce-row"):
            yield Label("类型", classes="ce-label")
            yield KindInput(KINDS[self.kind].key)
            yield Static(self._legend(KIND_LEGEND), id="ce-legend")
        with Horizontal(classes="ce-row"):
            yield Label("", classes="ce-label")
            yield Label(" ")
            yield Static(self._legend(KIND_LEGEND_2), id="ce-legend-2")
        with Horizontal(classes="ce-row"):
            yield Label("查找", classes="ce-label")
            yield SearchInput()
            yield Static("", id="ce-hit", markup=False)
        yield Static("", id="ce-hits", markup=False)
        yield Static("─" * 200, classes="ce-rule")
        yield Vertical(id="ce-fields")
        yield Static("", id="ce-message", markup=False)
        yield Static("─" * 200, classes="ce-rule")
        yield Static(Text("本批", style="bold"), classes="ce-label")
        yield VerticalScroll(id="ce-batch", can_focus=False)
        yield KeyBar(self.KEY_SCOPES, id="ce-keys")

    def _legend(self, items: tuple[tuple[str, str], ...]) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        current = KINDS[self.kind].key
        for n, (key, label) in enumerate(items):
            if n:
                text.append(" ")
            text.append(key, style="bold reverse" if key == current else "bold")
            text.append(label, style="reverse" if key == current else "")
        return text

    def on_mount(self) -> None:
        self.query_one("#ce-batch").can_focus = False
        self.query_one(KindInput).focus()
        self._header()
        self._build_fields()
        self.run_job(self._load_unit())

    def _header(self) -> None:
        year, month = self.month.split("-")
        left = f"月度变更录入  {year}年{int(month)}月  {self.unit_label}"
        saved = sum(1 for line in self.batch if line.status not in ("保存中…",) and not line.status.startswith("✗"))
        self.query_one("#ce-head-left", Static).update(plain(left))
        self.query_one("#ce-head-right", Static).update(f"本批 {len(self.batch)} 条  已保存 {saved}")

    async def _load_unit(self) -> None:
        from checks.engine import load_config

        self.unit_label = await changes.unit_name(self.unit_code)
        self._header()
        self.config = await load_config()
        self._id_settings()

    def job_failed(self, exc: BaseException, notice: str) -> None:
        """A job failed (the notice is shown): the line can be saved again; the notice stays on the message line;
        keys held meanwhile go on."""
        self.saving = False
        self._enter_waiting = False
        self._release_keys(everything=True)
        self._message(notice, "error")

    def _release_keys(self, *, everything: bool = False) -> None:
        """End a hold of the keys (the search line's Enter hold too, when `everything`)."""
        if everything:
            for line in self.query(SearchInput):
                line.release_enter()
            self.key_hold.release(self, all_holds=True)
        else:
            self.key_hold.release(self)

    def _message(self, text: str, kind: str = "", *, typed_at: float | None = None) -> None:
        """Show `text` on the message line; a reaction to typing (`typed_at`: when its message was made) never
        covers a refused save that came after that typing."""
        if typed_at is not None and typed_at < self._refused_at:
            return
        message = self.query_one("#ce-message", Static)
        message.update(
            Text(display_text(text, multiline=True), overflow="fold")
        )  # up to two lines: a finding's message is never cut
        message.set_class(kind == "error", "-error")
        message.set_class(kind == "warning", "-warning")

    # --- the kind ------------------------------------------------------------------------------------

    @property
    def hits(self) -> list[Hit]:
        """The hits of the search line (the search line is told how many, for ↓ ↑)."""
        return self._hits

    @hits.setter
    def hits(self, hits: list[Hit]) -> None:
        self._hits = hits
        for line in self.query(SearchInput):
            line.choices = len(hits)

    @on(KindInput.Typed)
    def _kind_typed(self, event: KindInput.Typed) -> None:
        """A kind key was typed: select the kind (the kind field has moved on to the search)."""
        key = event.key.strip().upper()
        found = BY_KEY.get(key)
        if found is None:
            known = " ".join(k + label for k, label in KIND_LEGEND) + " " + " ".join(k for k, _ in KIND_LEGEND_2)
            self._message(f"没有类型 {key}：{known}", "error")
            return
        self._set_kind(found.kind)

    def _set_kind(self, kind: str) -> None:
        changed = kind != self.kind
        self.kind = kind
        self.query_one("#ce-legend", Static).update(self._legend(KIND_LEGEND))
        self.query_one("#ce-legend-2", Static).update(self._legend(KIND_LEGEND_2))
        self._message("")
        if changed:
            self._build_fields()
            if self.record is not None:  # the same person, the fields of the new kind (once they are mounted)
                self.call_after_refresh(self._use_record, self.record, self.hit)

    def _build_fields(self) -> None:
        box = self.query_one("#ce-fields", Vertical)
        box.remove_children()
        self.fields, self._suggested = {}, {}
        rows = build_rows(self.kind)
        label = KINDS[self.kind].label
        lines: list[Widget] = []
        for n, row in enumerate(rows):
            children: list[Widget] = [Label(label if n == 0 else "", classes="ce-label ce-kind")]
            if n == 0:
                children.append(Static("", classes="ce-who", markup=False))
            for name, text, widget in row:
                if isinstance(widget, Field):
                    widget.caption = text  # messages name the field as the screen does
                children.append(Label(text))
                children.append(widget)
                self.fields[name] = widget
            if n == len(rows) - 1:
                children.append(SaveKey())
            lines.append(Horizontal(*children, classes="ce-row"))
        self._id_settings()
        self._blank = shown_texts(self.fields)  # the kind's defaults (婚姻 10, 注销原因 99 …) are not keying
        last = list(self.fields.values())[-1] if self.fields else None
        if isinstance(last, Field | SafeInput):
            last.advance_on_enter = False
        box.mount_all(lines)

    def _id_settings(self) -> None:
        """ID numbers are judged with the audit's earliest birth date (``id_min_birth``)."""
        for widget in self.fields.values():
            if isinstance(widget, IdField):
                widget.earliest = self.config.id_min_birth

    # --- searching -----------------------------------------------------------------------------------

    @on(Input.Changed, "#ce-search")
    def _search_typed(self, event: Input.Changed) -> None:
        text = event.value.strip()
        if self.record is not None:  # a new search: the household chosen before no longer holds
            self.record, self.hit, self.person_key = None, None, None
            self._who("")
        if not text:
            self.hits, self._hits_for = [], ""
            self._show_hit()
            return
        self.run_job(self._search(text), group="search", exclusive=True)

    async def _search(self, text: str) -> None:
        today = report_day(self.month, dt.date.today())
        hits = [h for h in await search(text, limit=40, actor=await actor_of(self.app))
                if fits_role(self.kind, is_household=h.person_key is None, sex=_SEX_CODE.get(h.sex),
                             birth_date=h.birth_date, active=not h.cancelled, on=today)][:20]  # fmt: skip
        if self.query_one(SearchInput).value.strip() != text:
            return
        self.hits, self.hit_index, self._hits_for = hits, 0, text
        self._show_hit()
        if self._enter_waiting:  # Enter came before the hits: it takes the first one now
            self._enter_waiting = False
            self._take_hit()

    def _show_hits(self) -> None:
        """The hits after the chosen one (up to three more), under the search line."""
        box = self.query_one("#ce-hits", Static)
        rest = [self.hits[(self.hit_index + n) % len(self.hits)] for n in range(1, min(4, len(self.hits)))]
        if self.record is not None:
            rest = []
        lines = Text(no_wrap=True, overflow="ellipsis")
        for n, hit in enumerate(rest):
            lines.append(("\n" if n else "") + f"{(self.hit_index + n + 1) % len(self.hits) + 1}. {hit.line()}")
        box.update(lines)
        box.set_class(bool(rest), "-shown")

    def _show_hit(self) -> None:
        shown = self.query_one("#ce-hit", Static)
        self._show_hits()
        if not self.hits:
            text = self.query_one(SearchInput).value.strip()
            shown.update("无结果" if text else "")
            return
        hit = self.hits[self.hit_index]
        text = Text(f"→ {display_text(hit.line())}", no_wrap=True, overflow="ellipsis")
        if len(self.hits) > 1:
            text = Text.assemble((f"{self.hit_index + 1}/{len(self.hits)}↓ ", "dim"), text, no_wrap=True,
                                 overflow="ellipsis")  # fmt: skip
        shown.update(text)

    @on(SearchInput.Pick)
    def _pick_hit(self, event: SearchInput.Pick) -> None:
        if len(self.hits) > 1:
            self.hit_index = (self.hit_index + event.step) % len(self.hits)
            self._show_hit()

    @on(Input.Submitted, "#ce-search")
    def _search_entered(self, event: Input.Submitted) -> None:
        """Enter on the search line (the keys behind it are held): take the chosen hit, or the first hit of a
        search still loading once it arrives."""
        if self._hits_for != self.query_one(SearchInput).value.strip():
            self._enter_waiting = True
            return
        self._take_hit()

    def _take_hit(self) -> None:
        line = self.query_one(SearchInput)
        if not self.hits:
            self._message("没有找到。可输入姓名、拼音首字母、身份证后 4 位或户编码。", "warning")
            line.release_enter()
            return
        hit = self.hits[self.hit_index]
        self.run_job(self._open(hit), group="open", exclusive=True)

    async def _open(self, hit: Hit) -> None:
        try:
            record = (await load_households([hit.household_code], actor=await actor_of(self.app))).get(
                hit.household_code
            )
            if record is None:
                raise StoreError(f"户编码 {hit.household_code} 不存在。")
            await wait_mounted(self.fields.values())  # a kind typed just before: its fields are on their way
            self._use_record(record, hit, focus=True)
        finally:
            self.query_one(SearchInput).release_enter()  # keys typed behind the Enter go to the first field
        await service.log_view(str(getattr(self.app, "username", "")), hit.household_code, hit.person_key)

    def _use_record(self, record: dict[str, Any], hit: Hit | None, *, focus: bool = False) -> None:
        """Take the household of the chosen hit: work out the person, fill suggestions, go to the fields."""
        self.record, self.hit = record, hit
        key = hit.person_key if hit else None
        if self.kind in WOMAN_KINDS:
            key = families.woman_of_household(record, key)
            if key is None:
                self._who("")
                self._message("请查找到母亲（或其丈夫），这一户无法确定是哪位妇女。", "warning")
                self.person_key = None
                return
        elif self.kind not in NEW_MEMBER_KINDS and key is None:
            self._who("")
            self._message("请查找到具体的人（不是户）。", "warning")
            self.person_key = None
            return
        self.person_key = key
        self._show_found()
        self._show_hits()
        self._suggest()
        if focus and self.fields:
            self._focus_now(next(iter(self.fields.values())))

    def _focus_now(self, widget: Widget) -> None:
        """Focus `widget` at once (``Widget.focus`` waits for the app's queue: held keys replayed right after
        must find the focus where it belongs)."""
        target = widget.input if isinstance(widget, Field) else widget
        if target.is_mounted and target.focusable:
            self.set_focus(target)
        else:
            widget.focus()

    def fields_ready(self) -> bool:
        """Whether the fields of the current kind are on screen."""
        return bool(self.fields) and all(widget.is_mounted for widget in self.fields.values())

    def _person(self) -> dict[str, Any] | None:
        if self.record is None or self.person_key is None:
            return None
        return next((p for p in self.record["members"] if p["key"] == self.person_key), None)

    def _show_found(self) -> None:
        record, person = self.record, self._person()
        if record is None:
            return
        code = record["household"]["code"]
        head = families.householder(record)
        parts = [f"→ {code[14:]} {head['name'] if head else ''}户"]
        if person is not None:
            relation = TABLES["relation"].get(person.get("relation"))
            born = person.get("birth_date")
            parts.append(f"{person.get('name')}({relation.short if relation else ''}) {born or ''}")
            if person.get("cancel") is not None:
                parts.append("已注销")
        self.query_one("#ce-hit", Static).update(display_text("  ".join(parts)))  # markup=False
        self._message("")
        self._who(person.get("name") if person is not None and self.kind == "birth" else "")

    def _who(self, name: str | None) -> None:
        for who in self.query(".ce-who").results(Static):
            who.update(display_text(f"母亲 {name} ") if name else "")  # markup=False

    def _suggest(self) -> None:
        """Fill the suggested values of the kind for the chosen person."""
        person, record = self._person(), self.record
        if record is None:
            return
        if self.kind == "birth" and person is not None:
            order, family = families.next_child_order(person), surnames.child_surname(record, person["key"])
            self._offer("order", order)
            self._offer("name", family)
            self._message(f"建议：孩次 {order}，姓{family}；政策属性按出生日期建议。可直接改。")
        elif self.kind == "marriage" and person is not None:
            self._offer("status", "21" if person.get("first_marriage_date") is None else "22")
        elif self.kind == "pregnancy" and person is not None:
            self._offer("reported", report_day(self.month, dt.date.today()))
        elif self.kind == "death" and person is not None and person.get("relation") == "02":
            candidates = self._head_candidates()
            if candidates:
                names = " ".join(f"{n}{p.get('name') or ''}" for n, p in enumerate(candidates, 1))
                self._offer("new_head", 1)
                self._message(f"户主死亡：请在“新户主序号”填新户主 {names}（配偶将记为丧偶）", "warning")

    def _offer(self, name: str, value: Any) -> None:
        """Put a suggestion in a field that is empty or still holds the previous suggestion (never over what
        the clerk typed)."""
        widget = self.fields.get(name)
        if widget is None:
            return
        current = str(getattr(widget, "value", "")).strip()
        if not current or current == self._suggested.get(name):
            set_value(widget, value)
            self._suggested[name] = str(getattr(widget, "value", "")).strip()

    # --- suggestions while typing ---------------------------------------------------------------------

    @on(DateField.Changed)
    def _date_changed(self, event: DateField.Changed) -> None:
        date = event.value_date
        name = event.field.name
        person = self._person()
        if date is None or self.record is None:
            return
        warnings: list[str] = []
        if self.kind == "birth" and name == "birth_date" and person is not None:
            order = self._order()
            if order:
                self._offer("policy", suggest_policy(order, date, self.record["household"]["code"][:6], self.config))
            warnings = birth_warnings(person, date, self.config)
        elif self.kind == "pregnancy" and name == "lmp" and person is not None:
            edd = self.fields.get("edd")
            if isinstance(edd, DateField) and edd.value_date is None:
                edd.value_date = date + dt.timedelta(days=280)
            warnings = pregnancy_warnings(person, date, self.config)
        event_field = changes.EVENT_FIELD.get(self.kind, "date")  # only the event date belongs to the month
        if not warnings and name == event_field and date.strftime("%Y-%m") != self.month:
            warnings = [f"日期 {date.isoformat()} 不在本月报 {self.month} 内，请核对"]
        if warnings or self._warned:
            self._message("；".join(warnings), "warning" if warnings else "", typed_at=event.time)
        self._warned = bool(warnings)

    def _head_candidates(self) -> list[dict[str, Any]]:
        """Who may take over when the chosen householder dies, in the order numbered on screen."""
        if self.record is None:
            return []
        return list(families.head_candidates(self.record, self.person_key))  # type: ignore[arg-type]

    @on(Input.Changed)
    def _place_typed(self, event: Input.Changed) -> None:
        """A 6-digit county code names its place in the field after it (流出 流入地, 迁出 迁往地)."""
        name = getattr(event.input, "name", None)
        target = {"place_code": "place", "to_code": "to_place"}.get(name or "")
        if target is None or target not in self.fields or len(event.value) != 6:
            return
        place = region_name(event.value)
        if place:
            self._offer(target, place)

    @on(IdField.Parsed)
    def _id_parsed(self, event: IdField.Parsed) -> None:
        if event.field.name != "id_number":
            return
        sex, born = self.fields.get("sex"), self.fields.get("birth_date")
        if isinstance(sex, CodeField) and not sex.code:
            sex.code = event.sex
        if isinstance(born, DateField) and born.value_date is None:
            born.value_date = event.birth_date

    def _order(self) -> int | None:
        widget = self.fields.get("order")
        text = widget.value if isinstance(widget, SafeInput) else ""
        return int(text) if text.isdigit() else None

    @on(Field.Submitted)
    def _field_entered(self, event: Field.Submitted) -> None:
        if self.fields and event.field is list(self.fields.values())[-1]:
            self.action_save()
        event.field.release_enter()  # the save (if any) holds the keys itself

    @on(Input.Submitted)
    def _input_entered(self, event: Input.Submitted) -> None:
        if isinstance(event.input, SearchInput):
            return  # _search_entered
        if self.fields and event.input is list(self.fields.values())[-1]:
            self.action_save()
        if isinstance(event.input, SafeInput):
            event.input.release_enter()  # the save (if any) holds the keys itself

    # --- saving --------------------------------------------------------------------------------------

    def _values(self) -> dict[str, Any]:
        values = read_values(self.fields)
        if self.kind == "death" and values.get("new_head"):
            candidates = self._head_candidates()
            number = int(values["new_head"]) if str(values["new_head"]).isdigit() else 0
            values["new_head"] = candidates[number - 1]["key"] if 1 <= number <= len(candidates) else "?"
        if self.kind == "birth":
            values["mother"] = self.person_key
        elif self.kind not in NEW_MEMBER_KINDS:
            values["person"] = self.person_key
        return values

    def action_save(self) -> None:
        """F2 (or Enter on the last field): commit every field, check the line, save it in a worker; keys typed
        meanwhile wait until the line is cleared."""
        if self.saving:
            return
        if self.record is None or (self.person_key is None and self.kind not in NEW_MEMBER_KINDS):
            self._message("请先查找并选定人员（F3 查找）。", "error")
            self._focus_now(self.query_one(SearchInput))
            return
        committed = commit_fields(self.fields.values())
        if not committed.ok:
            self._refused_at = time.monotonic()  # (the clock of Message.time)
            self._message(committed.message or "", "error")
            if committed.field is not None:
                self._focus_now(committed.field)
            return
        values = self._values()
        try:  # validate here first, so a wrong line is told at once and stays for correction
            preview = changes.apply_change(self.kind, self.record, {**values, "key": values.get("key") or "新成员"})
        except StoreError as exc:
            self._message(str(exc), "error")
            return
        del preview
        hit, record = self.hit, self.record
        place = (hit.place if hit else "") + record["household"]["code"][14:]
        who = values.get("name") if self.kind in NEW_MEMBER_KINDS else (self._person() or {}).get("name")
        line = BatchLine(len(self.batch) + 1, self.kind, str(who or ""), place, record["household"]["code"],
                         self.person_key or "", changes.change_date(self.kind, values))  # fmt: skip
        self.batch.append(line)
        self.saving = True
        self.key_hold.hold(self)  # released once the line is cleared (or the save failed)
        self.run_job(self._save(line, values, record["_version"]), group="save")

    async def _save(self, line: BatchLine, values: dict[str, Any], version: int) -> None:
        from tui import services

        try:
            saved = await changes.save_change(self.kind, line.household_code, values,
                                              operator=str(getattr(self.app, "username", "")), version=version,
                                              actor=await actor_of(self.app))  # fmt: skip
        except Exception as exc:
            self.batch.remove(line)
            self._header()
            if isinstance(exc, ConflictError):
                await self._reload(line.household_code)
                self._release_keys()
                return
            raise
        line.person_key = saved.person_key
        line.person_keys = (saved.person_key, *([self.person_key] if self.kind == "birth" and self.person_key else []))
        self._show_batch()
        self._clear_line()
        self.saving = False
        self._release_keys()  # keys typed behind the save go to the kind field, for the next line
        findings = await services.reaudit(saved.codes)
        records_changed(self.app, saved.codes)
        line.status = _status(findings, line.person_keys)
        self._show_batch()
        if line.status != "✓":
            messages = [f.message for f in findings if f.person_key in line.person_keys and f.severity in ("E", "W")]
            self._message(f"已保存。{messages[0]}" if messages else "已保存。", "warning")
        else:
            self._message(f"已保存：{KINDS[line.kind].label} {line.name}")

    async def _reload(self, code: str) -> None:
        """After a version conflict: read the household again (the typed fields stay) so the next F2 saves
        against what is stored now."""
        record = (await load_households([code], actor=await actor_of(self.app))).get(code)
        self.saving = False
        if record is None or self.record is None or self.record["household"]["code"] != code:
            self._message("这一户刚被其他人修改，请重新查找后再录入。", "error")
            return
        self.record = record
        if self.person_key is not None and self._person() is None:
            self.person_key = None
            self._message("这一户刚被其他人修改，此人已不在这一户，请重新查找。", "error")
            return
        self._message("这一户刚被其他人修改，已重新读取，请核对后按 F2 保存。", "warning")

    def _clear_line(self) -> None:
        """Ready for the next line: same kind selected, search and fields empty, focus on the kind."""
        self.record, self.hit, self.person_key, self.hits = None, None, None, []
        search_input = self.query_one(SearchInput)
        with search_input.prevent(Input.Changed):
            search_input.value = ""
        self.query_one("#ce-hit", Static).update("")
        self._hits_for = ""
        self._focus_now(self.query_one(KindInput))
        self._build_fields()

    def _show_batch(self) -> None:
        box = self.query_one("#ce-batch", VerticalScroll)
        box.remove_children()
        box.mount_all([Static(line.text()) for line in reversed(self.batch)])
        self._header()

    # --- other keys ----------------------------------------------------------------------------------

    def action_find(self) -> None:
        self._focus_now(self.query_one(SearchInput))

    def action_check_batch(self) -> None:
        if not self.batch:
            self._message("本批还没有录入。")
            return
        self._message("核对中…")
        self.run_job(self._check_batch(), group="check", exclusive=True)

    async def _check_batch(self) -> None:
        from tui import services

        codes = sorted({line.household_code for line in self.batch})
        findings = await services.reaudit(codes)
        for line in self.batch:
            if line.status != "保存中…" and not line.status.startswith("✗"):
                line.status = _status(findings, line.person_keys or (line.person_key,))
        self._show_batch()
        bad = sum(1 for line in self.batch if line.status != "✓")
        self._message(
            f"已核对本批 {len(self.batch)} 条，{bad} 条有问题。"
            if bad
            else f"已核对本批 {len(self.batch)} 条，均无问题。"
        )

    def _half_keyed(self) -> bool:
        if self.query_one(SearchInput).value.strip() or self.record is not None:
            return True
        return shown_texts(self.fields) != self._blank

    @property
    def unsaved(self) -> bool:
        """A line is half keyed (Ctrl+Q asks before quitting)."""
        try:
            return self._half_keyed()
        except Exception:  # not composed yet: nothing keyed
            return False

    def action_back(self) -> None:
        if not self._half_keyed():
            self.dismiss()
            return

        def answered(leave: bool | None) -> None:
            if leave:
                self.dismiss()

        self.app.push_screen(LeaveDialog(), answered)

    def on_key(self, event: events.Key) -> None:
        if event.key == "slash" and not isinstance(self.focused, Input | Field):
            event.stop()
            self.action_find()


_SEX_CODE = {"男": "1", "女": "2"}


def _pad(text: str, cells: int) -> str:
    """`text` padded with spaces to `cells` terminal cells (Chinese characters are two)."""
    return text + " " * max(0, cells - cell_len(text))


def _status(findings: list[Any], keys: tuple[str, ...]) -> str:
    """✓, or the severities and rule codes of the findings about the line's persons (``W PRG3``)."""
    mine = [f for f in findings if f.person_key in keys and f.severity in ("E", "W") and not f.confirmed]
    if not mine:
        return "✓"
    mine.sort(key=lambda f: (f.severity != "E", f.rule))
    return " ".join(f"{f.severity} {f.rule}" for f in mine[:3])
