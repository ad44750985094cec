"""The person form (docs/spec/screens.md "Person form"): heads-down entry of one member with the inline audit.

The form edits the household record (``store.records`` shape) and shows one member at a time: Enter moves
to the next item (fixed-length items move on by themselves), F2 / Ctrl+S save the household through
``store.service.save_household``, Ctrl+N goes to the next member (edits of the others stay in the record
until saved), F9 copies the focused item of the previous person, F10 confirms a warning (核实无误).
A valid ID number fills sex and birth date, shown "(自动)" and skipped by Enter. The woman section (women
only) and the rare items (moved in, death, cancellation, ID type) follow in the same scrolling body;
PgDn / PgUp jump there and back.
"""

from __future__ import annotations

import asyncio
import copy
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import events, on
from textual.app import App, ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input, Label, Static
from textual.widgets.input import Selection

from store import drafts
from store.codes import Code, CodeTable
from store.domain import families, keys, names, people, surnames
from store.paths import set_path, value_at
from store.pinyin import name_initials
from tui import severity
from tui.acting import actor_of, out_of_scope
from tui.bindings import bindings
from tui.screens.focus_path import field_for
from tui.screens.form_base import FormBase, householder_name, short_address, wait_mounted
from tui.screens.form_fields import Layout, Spec, field_text, make_field, read_field
from tui.text import display_text
from tui.widgets import Field, IdField, KeyBar
from tui.widgets.field import ENTRY_HELP
from tui.widgets.key_hold import KeyHold

__all__ = ["PersonForm", "clean_person"]

PERSON_FINDING_LINES = 4
KEPT_NAME = "person-form"
"""The name the app's kept person form is installed under."""
_KEPT: weakref.WeakKeyDictionary[App[Any], PersonForm] = weakref.WeakKeyDictionary()
LAST_ITEM = Layout.OTHER[-1][-1].path
"""The last item of the form: Enter there saves."""
WARM_KEY = "warm-up"
"""The key of the blank member the kept form is built on before its first use (:meth:`PersonForm.build_kept`)."""
WARM_HISTORY_ROWS = {"children": 4, "pregnancies": 3}
"""History rows the kept form is built with (hidden until a member needs them; mounting them in an opening
took 15–25 ms)."""
WARM_SLICE = 2
"""Rows of the form built between two pauses of the warm-up (a key typed meanwhile waits for one slice at most:
10–25 ms)."""

HELP = f"""\
人员信息（录入一名成员）：⇧Tab 或 ↑ 回到上一项。
代码项可输入代码、拼音首字母（如 hz → 01 汉族）或名称，Enter 取
高亮的一项，↓ ↑ 换一项。日期可输入 19850312、1985-3-12 或 850312。
有效的身份证号自动填写性别和出生日期（自动），改号即重算。
配偶：输入成员序号，0 为户外配偶（再填姓名和身份证号）。
问题：修改时随时按本户数据审核；E 红色为错误，W 黄色为预警，
出错项的名称同色显示。问题不阻止保存，有 E 时保存前询问一次。
每次修改都存草稿，断线后重新打开本户可以恢复。
{ENTRY_HELP}"""


def _head(*columns: tuple[str, int]) -> str:
    """A table head: each title padded to its column's cells."""
    return "".join(title + " " * max(1, cells - cell_len(title)) for title, cells in columns).rstrip()


async def mount_off_screen(app: App[Any], screen: Screen[Any]) -> None:
    """Mount an installed screen without showing it: composed, styled and mounted as ``push_screen`` would,
    but left off the screen stack (Textual has no public call for this: ``App._get_screen`` is the step of
    ``push_screen`` that starts a screen not running yet)."""
    _, mounted = app._get_screen(screen)
    await mounted


#: a person as saved (empty blocks removed, history rows numbered …): the domain's normalisation.
clean_person = people.normalize_person


class PersonForm(FormBase):
    """人员信息: ``PersonForm(household_code, person_key)``; ``person_key=None`` adds a member.

    ``record`` (optional) is the household record to edit instead of loading it — the household form passes
    its own, e.g. for a new household not saved yet (``stored=False``). Dismisses with the stored record
    after a save, else None.
    """

    HELP = HELP
    KEY_SCOPES = ("person", "form")
    form_name = "person"
    BINDINGS: ClassVar[list[BindingType]] = bindings("person")
    previous_person: ClassVar[dict[str, Any] | None] = None
    """The person edited before (for F9 同上条), kept across forms."""

    DEFAULT_CSS = """
    PersonForm #form-head { height: 1; background: $primary; padding: 0 1; }
    PersonForm #form-title { width: 1fr; text-wrap: nowrap; text-overflow: ellipsis; }
    PersonForm #form-state { width: auto; }
    PersonForm #form-body { height: 1fr; scrollbar-size-vertical: 1; padding: 0 0 0 1; }
    PersonForm .row { height: 1; width: 100%; }
    PersonForm .lbl { width: auto; padding: 0 1 0 0; }
    PersonForm .gap { padding: 0 1 0 2; }
    PersonForm .lbl.-e { color: $error; text-style: bold reverse; }
    PersonForm .lbl.-w { color: $warning; text-style: bold; }
    PersonForm .auto { width: auto; color: $text-muted; }
    PersonForm .section { height: 1; color: $secondary; }
    PersonForm .thead { height: 1; color: $text-muted; }
    PersonForm .history Field { margin-right: 1; }
    PersonForm #form-findings { height: 5; border-top: solid $secondary; padding: 0 1; }
    .ascii PersonForm #form-findings { border-top: ascii $secondary; }
    PersonForm #form-keys { height: 1; background: $panel; }
    """

    def __init__(self, household_code: str, person_key: str | None = None, *,
                 record: dict[str, Any] | None = None, stored: bool = True, focus: Sequence[str] = ()) -> None:  # fmt: skip
        super().__init__(household_code, copy.deepcopy(record) if record else None, stored=stored)
        self.focus_paths = tuple(focus)  # the item to start on (a finding's fields), once
        self.owns_draft = not record  # opened on a household form's record: that form holds the draft
        self.person_key = person_key
        self.new_member = person_key is None
        self._loaded_text: dict[str, str] = {}
        self._loaded_values: dict[str, Any] = {}
        self._fields: dict[str, Field] = {}
        self._specs: dict[str, Spec] = {}
        self._labels: dict[str, Label] = {}
        self._autos: dict[str, Static] = {}
        self._marked: dict[str, str] = {}
        self._suggested = ""
        self._name_problem: str | None = None
        self._spouse_table: CodeTable | None = None
        self._built = False
        self._last_focus: Widget | None = None
        self._rows: dict[str, list[Widget]] = {"children": [], "pregnancies": []}
        """The mounted rows of the history tables (children, pregnancies)."""
        self.when_ready: list[Callable[[], None]] = []
        """Called once the form shows its member and a field has the focus (e.g. keys held by the opener go on)."""
        self.prepared = False
        """Loaded before it was pushed (:meth:`for_member`)."""
        self._draft_waiting = False
        self._log_waiting = False
        self._styled_as: tuple[Any, ...] | None = None
        self._rows_shown: dict[str, int] = {}
        """How many of them the member uses (its entries and one blank row); the others are hidden."""
        self.warming: asyncio.Event | None = None
        """Set while the kept form is built off screen (:meth:`build_kept`); set when the build ends."""
        self.hurry = False
        """An opening waits for the build: it goes on without pausing for the clerk's keys."""

    # --- the person ----------------------------------------------------------------------------------

    @property
    def person(self) -> dict[str, Any]:
        """The member being edited (in ``self.record``)."""
        for member in self.record.get("members") or ():
            if member.get("key") == self.person_key:
                return member
        raise KeyError(self.person_key)

    def _saved_person(self) -> dict[str, Any] | None:
        return next((m for m in self.saved.get("members") or () if m.get("key") == self.person_key), None)

    # --- layout --------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Horizontal(id="form-head"):
            yield Static(self._title(), id="form-title")
            yield Static("", id="form-state")
        with VerticalScroll(id="form-body") as body:
            body.can_focus = False
            if self._built:
                yield from self._compose_person()
            else:
                yield Static("加载中…")
        with VerticalScroll(id="form-findings") as box:
            box.can_focus = False
            yield Static("", id="form-findings-text")
        yield KeyBar(self.KEY_SCOPES, id="form-keys")

    def _title(self) -> Text:
        if not self.record:
            return Text("人员信息", no_wrap=True)
        household = self.record.get("household") or {}
        head = householder_name(self.record)
        members = self.record.get("members") or []
        keys = [m.get("key") for m in members]
        at = f"  {keys.index(self.person_key) + 1}/{len(keys)}" if self.person_key in keys else ""
        text = Text("人员信息", style="bold", no_wrap=True)
        text.append(f"  {display_text(short_address(household.get('address')))} {display_text(head)}户{at}")
        return text

    def _compose_person(self) -> Iterable[Widget]:
        self._fields, self._specs, self._labels, self._autos = {}, {}, {}, {}
        self._rows = {"children": [], "pregnancies": []}
        person = self.person
        for row in Layout.MAIN:
            yield self._row(row, person)
        yield self._row(Layout.SPOUSE_EXTERNAL, person, id="row-spouse-ext")
        yield self._row(Layout.SPOUSE_PLACE, person, id="row-spouse-place")
        yield self._row(Layout.FLOW, person, id="row-flow")
        yield Static("── 育龄妇女 " + "─" * 60, classes="section woman", id="woman-start")
        yield self._row(Layout.CONTRACEPTION, person, classes="woman")
        yield Static(_head(("生养史 孩次", 12), ("姓名", 11), ("性别", 7), ("出生日期", 14), ("政策", 11), ("血缘", 11),
                           ("存活", 4)), classes="thead woman")  # fmt: skip
        woman = person.get("woman") or {}
        self._rows_shown = {table: len(woman.get(table) or []) + 1 for table in self._rows}
        for n in range(len(woman.get("children") or []) + 1):
            yield self._history_row("children", n, Layout.CHILD)
        yield Static(_head(("孕情", 7), ("末次月经", 14), ("预产期", 14), ("结局", 13), ("结局日期", 8)),
                     classes="thead woman", id="pregnancy-head")  # fmt: skip
        for n in range(len(woman.get("pregnancies") or []) + 1):
            yield self._history_row("pregnancies", n, Layout.PREGNANCY)
        yield self._row(Layout.CERTIFICATE, person, classes="woman")
        yield Static("── 迁入 / 死亡 / 注销 " + "─" * 56, classes="section", id="other-start")
        for row in Layout.OTHER:
            yield self._row(row, person)

    def _row(self, specs: list[Spec], person: dict[str, Any], *, id: str | None = None, classes: str = "",
             prefix: str = "", lead: Widget | None = None) -> Horizontal:  # fmt: skip
        widgets: list[Widget] = [lead] if lead is not None else []
        for n, spec in enumerate(specs):
            path = prefix + spec.path
            label = Label(spec.label if not prefix else "", classes="lbl" + (" gap" if n or lead else ""))
            if not prefix:
                widgets.append(label)
            self._labels[path] = label
            text = field_text(spec, value_at(person, path))
            table = self._spouse_choices() if spec.kind == "spouse" else None
            if spec.kind == "spouse":
                text = self._spouse_code(person, table)
            field = make_field(Spec(path, spec.label, spec.kind, spec.table, spec.width, spec.status, spec.future),
                               text, table)  # fmt: skip
            self._fields[path] = field
            self._specs[path] = spec
            self._loaded_text[path] = text
            value = value_at(person, path)
            if spec.kind == "spouse":
                value = person.get("spouse") or ("0" if person.get("spouse_external") is not None else None)
            self._loaded_values[path] = value
            widgets.append(field)
            if spec.path in ("sex", "birth_date") and not prefix:
                self._autos[spec.path] = Static("", classes="auto", id=f"auto-{spec.path.replace('_', '-')}")
                widgets.append(self._autos[spec.path])
        return Horizontal(*widgets, classes=f"row {classes}".strip(), id=id)

    def _history_row(self, table: str, n: int, specs: list[Spec]) -> Horizontal:
        lead = Static(f"{n + 1:>9}" if table == "children" else "", classes="order")
        lead.styles.width = 12 if table == "children" else 7
        row = self._row(specs, self.person, classes="woman history", prefix=f"woman.{table}[{n}].", lead=lead)
        row.add_class(f"hist-{table}")
        self._rows[table].append(row)
        return row

    # --- spouse choices ----------------------------------------------------------------------------------

    def _spouse_choices(self) -> CodeTable:
        """Spouse codes: the other members by position (1, 2 …), 0 = 户外 (name and ID keyed here)."""
        if self._spouse_table is not None:
            return self._spouse_table
        members = self.record.get("members") or []
        width = 1 if len(members) < 10 else 2
        codes = [Code("0".zfill(width), "户外配偶", ("hw",), "户外")]
        for n, member in enumerate(members, 1):
            if member.get("key") == self.person_key:
                continue
            name = member.get("name") or member.get("key") or ""
            codes.append(Code(str(n).zfill(width), name, tuple(name_initials(name)) if name else (), name))
        spouse = self.person.get("spouse")
        if spouse and spouse not in {m.get("key") for m in members}:
            codes.append(Code("9" * width, f"外户 {spouse}", (), "外户"))
        self._spouse_table = CodeTable("spouse", "配偶", tuple(codes))
        return self._spouse_table

    def _spouse_code(self, person: dict[str, Any], table: CodeTable | None) -> str:
        spouse = person.get("spouse")
        members = [m.get("key") for m in self.record.get("members") or []]
        width = table.width if table is not None else 1
        if spouse in members:
            return str(members.index(spouse) + 1).zfill(width)
        if spouse:
            return "9" * width
        if person.get("spouse_external"):
            return "0" * width
        return ""

    def _spouse_key(self, code: str | None) -> str | None:
        if code is None:
            return None
        if set(code) == {"0"}:
            return "0"
        if set(code) == {"9"} and self.person.get("spouse") not in {m.get("key") for m in self.record["members"]}:
            return self.person.get("spouse")
        members = self.record.get("members") or []
        index = int(code) - 1
        return members[index].get("key") if 0 <= index < len(members) else None

    # --- opening -------------------------------------------------------------------------------------

    def on_mount(self) -> None:
        if self.warming is not None:  # built off screen before its first use: filled when a member opens
            return
        if not self.prepared:
            self.run_job(self._open(), group="open")
            return
        self._fields_shown()  # loaded before it was pushed (:meth:`for_member`): composed with the member
        self._audit_soon()
        self._offer_kept_draft()

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        """Back on screen: styles are applied again only when the theme or the app's classes changed meanwhile
        (restyling the form's widgets took most of an opening of the kept form); a waiting draft is offered."""
        styled = (self.app.theme, frozenset(self.app.classes))
        if styled == self._styled_as:
            event.refresh_styles = False
        self._styled_as = styled
        self._offer_kept_draft()

    async def _open(self) -> None:
        problem = await self._load()
        if problem is not None:
            self.notify(problem, severity="error", timeout=5, markup=False)
            self.dismiss(None)
            return
        self.offer_draft(self._start)

    async def _load(self, *, log: bool = True) -> str | None:
        """Load the household, log the view (`log`) and get the audit ready: None, or why the form cannot
        open."""
        from store import service
        from store.records import load_households

        refused = await out_of_scope(self.app, self.code)
        if refused:
            return refused
        if not self.record:
            found = (await load_households([self.code], actor=await actor_of(self.app))).get(self.code)
            if found is None:
                return f"户 {self.code} 不存在。"
            self.record = found
            self.saved = copy.deepcopy(found)
        elif self.stored:
            self.saved = (await load_households([self.code])).get(self.code) or copy.deepcopy(self.record)
        else:
            self.saved = copy.deepcopy(self.record)
        if self.person_key is None:
            from store.changes import unused_key

            member = people.new_member(self.record, await unused_key(self.record))
            self.record["members"].append(member)
            self.person_key = member["key"]
        elif self.person_key not in {m.get("key") for m in self.record["members"]}:
            return f"要打开的人员已不在户 {self.code} 中。"
        elif log:
            await service.log_view(self.user, self.code, self.person_key)
        else:
            self._log_waiting = True
        await self.prepare_audit()
        return None

    # --- opening from the tree: loaded first, shown in one frame ------------------------------------------

    @classmethod
    async def for_member(cls, app: App[Any], household_code: str, person_key: str) -> PersonForm | None:
        """The person form of a stored member, loaded before it is pushed so that its first frame shows the
        member with a field focused (no "加载中…", no form half built): the app's kept form filled again (its
        widgets are built once per app: building them took most of the opening), else a new one that the app
        keeps from then on. None (the notice shown) when the member cannot be opened."""
        form = _KEPT.get(app)
        if form is not None and form.warming is not None:  # being built off screen: finished first, at full speed
            form.hurry = True
            await form.warming.wait()
            form = _KEPT.get(app)
        if form is not None and form in app.screen_stack:  # (in use: not expected) a form of its own
            form = None
        reused = form is not None and form.is_attached
        keep = False
        if form is None or not reused:
            form = cls(household_code, person_key)
            keep = not app.is_screen_installed(KEPT_NAME)
            if keep:  # claimed now: a warm-up starting while this one loads leaves the keeping to it
                _KEPT[app] = form
        else:
            form._reset(household_code, person_key)
        problem = await form._load(log=False)  # the view is logged once the form is on screen
        if problem is not None:
            if keep and _KEPT.get(app) is form:
                del _KEPT[app]
            app.notify(problem, severity="error", timeout=5, markup=False)
            return None
        form.prepared = True
        form._draft_waiting = form.owns_draft and drafts.load(form.draft_key()) is not None
        if reused:
            await form._show_form()  # fills the mounted fields while the form is off screen
        else:
            form._built = True  # composed with the member
            if keep and _KEPT.get(app) is form:
                app.install_screen(form, name=KEPT_NAME)  # kept mounted when it is dismissed
        return form

    @classmethod
    async def build_kept(cls, app: App[Any], idle: Callable[[], bool] = lambda: True) -> None:
        """Build the app's kept form off screen before its first use (in idle time once the first screen is
        usable), so that the first opening only fills its fields as every later one does: its ~250 widgets are
        composed on a blank member, mounted and styled a few rows at a time, pausing while `idle()` is False (the
        clerk's keys go first) unless an opening waits for the build (:meth:`for_member` hurries it)."""
        if app in _KEPT or app.is_screen_installed(KEPT_NAME):  # (an opening came first: it keeps its form)
            return
        blank = {"household": {}, "members": [people.empty_person(WARM_KEY)]}
        form = cls("", WARM_KEY, record=blank, stored=False)
        form.warming = asyncio.Event()
        _KEPT[app] = form
        app.install_screen(form, name=KEPT_NAME)
        built = False
        pause = form._warm_pause(idle)
        try:
            await pause()
            await mount_off_screen(app, form)
            await form._build_fields(pause)
            for table, rows in WARM_HISTORY_ROWS.items():  # most women's children and pregnancies fit
                for count in range(2, rows + 1):
                    await pause()
                    await form._mount_history_rows({table: count})
            await pause()
            form._refresh_layout(app.size)  # laid out at the app's size: not again when first shown
            form._styled_as = (app.theme, frozenset(app.classes))  # styled as mounted: no restyle when first shown
            built = True
        finally:
            event, form.warming = form.warming, None
            if not built:  # (the app closing) the first opening builds a form of its own
                _KEPT.pop(app, None)
                app.uninstall_screen(form)
                form.remove()
            event.set()

    def _warm_pause(self, idle: Callable[[], bool]) -> Callable[[], Any]:
        async def pause() -> None:
            await asyncio.sleep(0)  # what is queued (a key, a frame) goes first
            while not self.hurry and not idle():
                await asyncio.sleep(0.05)

        return pause

    async def _build_fields(self, pause: Callable[[], Any] | None = None) -> None:
        """Build the fields of the current member into the form's body (awaiting `pause()` between slices of
        rows)."""
        body = self.query_one("#form-body", VerticalScroll)
        await body.remove_children()
        rows: list[Widget] = []
        for row in self._compose_person():
            rows.append(row)
            if pause is not None and len(rows) == WARM_SLICE:
                await body.mount_all(rows)
                rows = []
                await pause()
        await body.mount_all(rows)
        self._built = True
        await wait_mounted([*self._fields.values(), *(f.input for f in self._fields.values()),
                            *self._autos.values()])  # fmt: skip

    def _reset(self, household_code: str, person_key: str) -> None:
        """Forget the member shown before (the kept form opens another one; its widgets stay)."""
        self.workers.cancel_node(self)
        if self._audit_timer is not None:
            self._audit_timer.pause()
        self.code, self.person_key, self.new_member = household_code, person_key, False
        self.record, self.saved, self.opened = {}, {}, {}
        self.stored = self.owns_draft = True
        self.focus_paths = ()
        self.database, self._wrote_draft, self._sent = "", False, None
        self.findings, self.ready, self.saving = [], False, False
        self._auditor = self._audit_ctx = self._context_sig = None
        self._audited, self._state_shown = True, None
        self.key_hold = KeyHold()
        self._suggested, self._spouse_table, self._last_focus, self._name_problem = "", None, None, None
        self.when_ready = []
        self._draft_waiting = self._log_waiting = False

    def _offer_kept_draft(self) -> None:
        """A form loaded before it was pushed logs the view and offers the household's draft once it is on
        screen."""
        if self._log_waiting:
            from store import service

            self._log_waiting = False
            self.run_job(service.log_view(self.user, self.code, self.person_key), group="log")
        if self._draft_waiting:
            self._draft_waiting = False
            self.offer_draft(self._start)

    def leave(self) -> None:
        self.write_draft()  # (the kept form is not unmounted when it is dismissed)
        if self.ready and self._saved_person() is not None:
            PersonForm.previous_person = copy.deepcopy(clean_person(self.person))
        super().leave()

    def _start(self) -> None:
        self.run_job(self._show_form(), group="load", exclusive=True)

    async def _show_form(self) -> None:
        """Show the current member and start the inline audit: the fields are built once and then only filled
        (Ctrl+N, a reload, a restored draft): building them again laid out the whole form for every member."""
        self._ensure_person()
        if self._fields:
            await self._mount_history_rows()  # (hidden: the member shown meanwhile stays whole on screen)
        self.ready = False
        self._spouse_table = None
        self._suggested = ""
        self._name_problem = None
        if self._fields:
            self._fill_person()
        else:
            await self._build_fields()
        self._fields_shown()
        await self.audit_now()

    def _fields_shown(self) -> None:
        """The fields hold the current member: settings, title, visibility, state, focus; the form is ready."""
        self._fields["name"].input.max_length = 0  # a long name is refused with a message, never cut silently
        self._fields[LAST_ITEM].advance_on_enter = False  # its Enter saves: on_field_submitted moves on
        for field in self._fields.values():  # ID numbers judged with the audit's earliest birth date
            if isinstance(field, IdField) and self._auditor is not None:
                field.earliest = self._auditor.config.id_min_birth
        self.query_one("#form-title", Static).update(self._title(), layout=False)  # (1fr × 1 line)
        self._sync_visibility()
        self._auto_from_id(initial=True)
        self._state_shown = None
        self.show_state()
        self.ready = True
        self._focus_first()
        waiting, self.when_ready = self.when_ready, []
        for callback in waiting:
            self.app.call_later(callback)  # after the focus has moved (Widget.focus is deferred the same way)

    async def _mount_history_rows(self, least: Mapping[str, int] | None = None) -> None:
        """Mount history rows (hidden) when the current member has more entries than rows are mounted (or
        fewer rows than `least` asks for a table)."""
        woman = self.person.get("woman") or {}
        for table, specs in (("children", Layout.CHILD), ("pregnancies", Layout.PREGNANCY)):
            rows = self._rows[table]
            need = max(len(woman.get(table) or []) + 1, (least or {}).get(table, 0))
            if len(rows) < need:
                last = rows[-1]
                added = [self._history_row(table, n, specs) for n in range(len(rows), need)]
                for row in added:
                    row.display = False
                await self.query_one("#form-body").mount_all(added, after=last)
                await wait_mounted([w for row in added for w in row.query(Field)])

    def _fill_person(self) -> None:
        """Put the current member into the mounted fields (rows of the history tables beyond its own are left
        blank and hidden)."""
        person = self.person
        woman = person.get("woman") or {}
        for table in self._rows:
            self._rows_shown[table] = len(woman.get(table) or []) + 1
        self._mark_labels({})
        self._fields["name"].input.select_on_focus = True
        for path, field in self._fields.items():
            spec = self._specs[path]
            if spec.kind == "spouse":
                table = self._spouse_choices()
                field.table = table  # type: ignore[attr-defined]
                text = self._spouse_code(person, table)
                value = person.get("spouse") or ("0" if person.get("spouse_external") is not None else None)
            else:
                value = value_at(person, path)
                text = field_text(spec, value)
            self._loaded_text[path], self._loaded_values[path] = text, value
            field.value = text
        self.query_one("#form-body", VerticalScroll).scroll_home(animate=False)

    def _ensure_person(self) -> None:
        """Make sure the current member is in the record (a restored draft may lack it): the first member,
        else a new one."""
        members = self.record.setdefault("members", [])
        if any(m.get("key") == self.person_key for m in members):
            return
        if members:
            self.person_key = members[0].get("key")
        else:
            member = people.new_member(self.record, keys.new_key(self.code, ()))
            members.append(member)
            self.person_key = member["key"]
        self.new_member = self._saved_person() is None

    def _focus_first(self) -> None:
        first = "relation" if self.new_member or not self.person.get("relation") else "name"
        target, self.focus_paths = field_for(self._fields, self.focus_paths), ()
        (target or self._fields[first]).focus()

    def restore_draft(self, payload: dict[str, Any]) -> None:
        current = next((m for m in self.record.get("members") or () if m.get("key") == self.person_key), None)
        super().restore_draft(payload)
        members = self.record.setdefault("members", [])
        if current is not None and not any(m.get("key") == self.person_key for m in members):
            members.append(current)  # e.g. a new member: the draft was written before it was added
        key = payload.get("person_key")
        if key in {m.get("key") for m in self.record.get("members") or ()}:
            self.person_key = key
            self.new_member = bool(payload.get("new_member"))

    def draft_payload(self) -> dict[str, Any]:
        return {**super().draft_payload(), "person_key": self.person_key, "new_member": self.new_member}

    def reloaded(self) -> None:
        members = self.record["members"]
        if self.person_key not in {m.get("key") for m in members}:
            self.person_key = members[0]["key"] if members else None
            self.new_member = False

    # --- typing --------------------------------------------------------------------------------------

    @on(Input.Changed)
    def _input_changed(self, event: Input.Changed) -> None:
        field = getattr(event.input, "field", None)
        path = getattr(field, "name", None)
        if not self.ready or field is None or path not in self._specs:
            return
        self._take(path, field)

    def _take(self, path: str, field: Field) -> None:
        """Put what the field holds into the record and let the form follow."""
        spec = self._specs[path]
        person = self.person
        if field.value == self._loaded_text.get(path):  # as built: keep the value (even one no field can show)
            value = self._loaded_values.get(path)
        elif spec.kind == "spouse":
            value = self._spouse_key(read_field(spec, field))
        else:
            value = read_field(spec, field)
        if path == "name" and isinstance(value, str) and not self._name_typed(field, value):
            return
        if spec.kind == "spouse":
            current = person.get("spouse") or ("0" if person.get("spouse_external") is not None else None)
        else:
            current = value_at(person, path)
        if current == value:  # (e.g. the value a field was filled with, reported after it)
            return
        if spec.kind == "spouse":
            families.link_spouse(self.record, person, None if value == "0" else value)
            if value == "0" and person.get("spouse_external") is None:
                person["spouse_external"] = people.empty_spouse_external()
            elif value != "0":
                person["spouse_external"] = None
            self._sync_visibility()
        else:
            if path.startswith("woman.") and person.get("woman") is None:
                person["woman"] = people.empty_woman()
            set_path(person, path, value)
        if path in ("sex", "mgmt"):
            self._sync_visibility()
        if path == "relation":
            self._suggest_surname()
        if path == "id_number":
            self._auto_from_id()
        if path.startswith("woman.") and "[" in path:
            self._grow_history(path)
        self.changed()

    def _name_typed(self, field: Field, value: str) -> bool:
        """A name was typed: the suggested surname typed again is dropped (张 + 张浩然 → 张浩然; False: the field
        was corrected and reports again); a name that cannot be stored is said once, when its problem changes."""
        fixed = surnames.strip_repeated_surname(value, self._suggested)
        if fixed != value:
            field.value = fixed
            field.input.cursor_position = len(fixed)
            return False
        problem = names.name_problem(value)
        if problem is not None and problem != self._name_problem:
            self.notify(problem, severity="warning", timeout=6)
        self._name_problem = problem
        return True

    def name_problems(self) -> str | None:
        """Why a name of the household cannot be stored (the member's number given), or None."""
        for number, member in enumerate(self.record.get("members") or (), 1):
            problem = names.name_problem(member.get("name"))
            if problem is not None:
                return problem if member is self.person else f"第 {number} 名成员：{problem}"
        return None

    def fields_to_commit(self) -> list[Field]:
        """The fields whose text is not the one they were built with (typed, or filled from the ID number)."""
        return [field for path, field in self._fields.items() if field.value != self._loaded_text.get(path)]

    def take_field(self, field: Field) -> None:
        if field.name in self._specs:
            self._take(field.name, field)

    def on_descendant_focus(self, event: Any) -> None:
        """A valid ID number moves on past sex and birth date (they are filled from it)."""
        widget = event.widget
        previous, self._last_focus = self._last_focus, widget
        if not self._fields or previous is not self._fields["id_number"].input:
            return
        if widget is self._fields["sex"].input and self._fields["id_number"].check.state == "ok":  # type: ignore[attr-defined]
            self._fields["hukou_nature"].focus()

    @on(IdField.Parsed)
    def _id_parsed(self, event: IdField.Parsed) -> None:
        if not self.ready or event.field.name != "id_number":
            return
        self._fields["sex"].value = event.sex
        self._fields["birth_date"].value = event.birth_date.isoformat()
        person = self.person
        person["sex"], person["birth_date"] = event.sex, event.birth_date
        self._sync_visibility()
        self._auto_from_id()
        self.changed()

    def _auto_from_id(self, *, initial: bool = False) -> None:
        """Sex and birth date come from a valid ID number: shown "(自动)" and skipped by Enter."""
        if "id_number" not in self._fields:
            return
        check = self._fields["id_number"]
        person = self.person
        auto = (check.sex is not None and check.birth_date is not None  # type: ignore[attr-defined]
                and person.get("sex") == check.sex and person.get("birth_date") == check.birth_date)  # type: ignore[attr-defined]  # fmt: skip
        for path in ("sex", "birth_date"):
            self._fields[path].input.can_focus = not auto
            self._autos[path].update("(自动)" if auto else "")

    def _suggest_surname(self) -> None:
        """A new child gets the household's surname in the name field (typing goes on after it)."""
        person = self.person
        if not self.new_member or person.get("relation") not in families.CHILD_RELATIONS or person.get("name"):
            return
        family = surnames.child_surname(self.record)
        if not family:
            return
        self._suggested = family
        name = self._fields["name"]
        name.input.select_on_focus = False
        name.value = self._suggested
        name.input.selection = Selection.cursor(len(self._suggested))  # typing goes on after the surname
        person["name"] = self._suggested
        self._loaded_text["name"] = "\0"

    def _sync_visibility(self) -> None:
        """Show the spouse-outside row for spouse 0, flow facts for 02/03, the woman section for women."""
        person = self.person
        if not self._fields:
            return
        external = person.get("spouse") is None and person.get("spouse_external") is not None
        for row_id in ("#row-spouse-ext", "#row-spouse-place"):
            self.query_one(row_id).display = external
        self.query_one("#row-flow").display = person.get("mgmt") in ("02", "03")
        woman = person.get("sex") == "2" or not people.is_empty(person.get("woman"))
        unused = {
            id(row) for table, rows in self._rows.items() for row in rows[self._rows_shown.get(table, len(rows)) :]
        }
        for widget in self.query(".woman"):
            widget.display = woman and id(widget) not in unused

    def _grow_history(self, path: str) -> None:
        """Keying into the blank last row of a history table adds another blank row (a hidden one shown again,
        else a new one)."""
        table = "children" if ".children[" in path else "pregnancies"
        index = int(path.split("[", 1)[1].split("]", 1)[0])
        rows = self._rows[table]
        shown = self._rows_shown.get(table, len(rows))
        if index != shown - 1:
            return
        self._rows_shown[table] = shown + 1
        if shown < len(rows):
            rows[shown].display = True
            return
        specs = Layout.CHILD if table == "children" else Layout.PREGNANCY
        row = self._history_row(table, index + 1, specs)
        self.query_one("#form-body").mount(row, after=rows[-2])

    # --- findings ------------------------------------------------------------------------------------

    def audit_record_copy(self) -> dict[str, Any]:
        return self._cleaned(keep=self.person_key)

    def record_for_save(self) -> dict[str, Any]:
        import datetime as dt

        record = self._cleaned()  # members keyed here (Ins) enter the population on the day they are keyed
        people.date_form_entries(record, {str(m.get("key")) for m in self.saved.get("members") or ()}, dt.date.today())
        people.date_new_pregnancies(record, self.saved, dt.date.today())  # their 怀孕 change: the day keyed
        return record

    def _cleaned(self, keep: str | None = None) -> dict[str, Any]:
        """The record cleaned for saving: members added but left blank (no name, sex, birth date or ID
        number; e.g. Ins then Ctrl+N) are dropped, except `keep`, along with links to them."""
        record = copy.deepcopy(self.record)
        saved = {m.get("key") for m in self.saved.get("members") or ()}
        blank = {m.get("key") for m in record["members"] if m.get("key") not in saved and m.get("key") != keep
                 and not any(m.get(name) for name in ("name", "sex", "birth_date", "id_number"))}  # fmt: skip
        record["members"] = [clean_person(m) for m in record["members"] if m.get("key") not in blank]
        for member in record["members"] if blank else ():
            for link in ("spouse", "mother", "father"):
                if member.get(link) in blank:
                    member[link] = None
        return record

    def show_findings(self) -> None:
        from tui.text import wrap_cells

        key = self.person_key
        mine = [f for f in self.findings if f.person_key == key or (f.person_key is None and f.scope == "household")]
        mine.sort(key=lambda f: (f.confirmed, {"E": 0, "W": 1}.get(f.severity, 2)))
        others = sum(1 for f in self.findings if f.person_key not in (key, None) and not f.confirmed)
        marks: dict[str, str] = {}
        for finding in mine:
            if finding.confirmed or finding.person_key != key:
                continue
            for path in finding.fields:
                if path in self._labels and marks.get(path) != "E":
                    marks[path] = finding.severity
        self._mark_labels(marks)
        width = max(20, (self.size.width or 80) - 3)
        text = Text(no_wrap=True)
        text.append("问题 ", style="bold")
        opened = [f for f in mine if not f.confirmed]
        text.append(f"E {sum(f.severity == 'E' for f in opened)}  W {sum(f.severity == 'W' for f in opened)}")
        if others:
            text.append(f"   其他成员 {others} 条", style="dim")
        if not mine:
            text.append("   无", style="green")
        for finding in mine:
            mark = severity.mark(finding.severity) + ("✓" if finding.confirmed else "")
            lines = wrap_cells(f"{mark} {finding.rule} {display_text(finding.message)}", width)
            for n, line in enumerate(lines):
                text.append("\n")
                if n == 0:
                    head = f"{mark} {finding.rule}"
                    text.append(head, style="dim" if finding.confirmed else severity.style(finding.severity))
                    text.append(line[len(head) :], style="dim" if finding.confirmed else "")
                else:
                    text.append(line, style="dim" if finding.confirmed else "")
        self.show_findings_text(text)

    def _mark_labels(self, marks: dict[str, str]) -> None:
        if marks == self._marked:
            return
        for path in set(self._marked) | set(marks):
            label = self._labels.get(path)
            target: Widget | None = label if label is not None and str(label.render()) else self._fields.get(path)
            if target is None:
                continue
            target.set_class(marks.get(path) == "E", "-e")
            target.set_class(marks.get(path) == "W", "-w")
        self._marked = marks

    # --- saving --------------------------------------------------------------------------------------

    def before_save(self) -> bool:
        name = (self.person.get("name") or "").strip()
        if (not name or name == self._suggested) and self.new_member and self._saved_person() is None:
            self.notify("请先填写姓名。", severity="warning", timeout=4)
            self._fields["name"].focus()
            return False
        problem = self.name_problems()
        if problem is not None:
            self.notify(f"未保存：{problem}", severity="error", timeout=8)
            self._fields["name"].focus()
            return False
        return True

    def after_saved(self, stored: dict[str, Any]) -> None:
        super().after_saved(stored)
        self.new_member = False
        # the text each value shows as (not what the fields hold: a key still on its way must be read)
        person = self.person
        for path, spec in self._specs.items():
            if spec.kind == "spouse":
                self._loaded_text[path] = self._spouse_code(person, self._spouse_table)
                self._loaded_values[path] = person.get("spouse") or (
                    "0" if person.get("spouse_external") is not None else None
                )
            else:
                self._loaded_values[path] = value_at(person, path)
                self._loaded_text[path] = field_text(spec, self._loaded_values[path])
        PersonForm.previous_person = copy.deepcopy(self._saved_person())
        self.query_one("#form-title", Static).update(self._title(), layout=False)  # (1fr × 1 line)

    def on_field_submitted(self, event: Field.Submitted) -> None:
        """Enter on the last item of the form saves (design §2) and goes on to the first item; the keys typed
        behind that Enter wait for the save (held since the Enter: the last item does not move on by itself)."""
        if event.field is not self._fields.get(LAST_ITEM):
            return
        self.action_save()
        if self.focused is event.field.input:
            self.focus_next()
        event.field.release_enter()

    # --- keys ----------------------------------------------------------------------------------------

    def _focused_path(self) -> str | None:
        field = getattr(self.focused, "field", None)
        path = getattr(field, "name", None)
        return path if path in self._fields else None

    def action_next_member(self) -> None:
        """Ctrl+N: the next member of the household (edits of this one stay in the record)."""
        if not self.ready:
            return
        keys = [m.get("key") for m in self.record.get("members") or []]
        if len(keys) < 2:
            self.notify("本户只有这一名成员。Esc 返回后可按 Ins 添加成员。", timeout=3)
            return
        PersonForm.previous_person = copy.deepcopy(clean_person(self.person))
        self.person_key = keys[(keys.index(self.person_key) + 1) % len(keys)]
        self.new_member = self._saved_person() is None
        self.key_hold.hold(self)  # keys typed behind Ctrl+N are for the next member
        self.run_job(self._switch(), group="load", exclusive=True)

    async def _switch(self) -> None:
        from store import service

        try:
            await self._show_form()
        finally:
            self.release_keys()
        if self._saved_person() is not None:  # (logged once the member is shown: the clerk does not wait for it)
            await service.log_view(self.user, self.code, self.person_key)

    def action_history(self) -> None:
        """F5: this person's timeline (历史数据); a member not saved yet has none."""
        from tui.screens.timeline import open_timeline

        if not self.ready or self.person_key is None or self._saved_person() is None:
            self.notify("此人尚未保存，还没有历史数据。", timeout=3)
            return
        open_timeline(self, self.person_key)

    def action_same_as_previous(self) -> None:
        """F9: the focused item takes the value it has in the previous person (or the member above)."""
        path = self._focused_path()
        if path is None:
            return
        previous = PersonForm.previous_person
        if previous is None or previous.get("key") == self.person_key:
            members = self.record.get("members") or []
            keys = [m.get("key") for m in members]
            index = keys.index(self.person_key)
            previous = members[index - 1] if index > 0 else None
        if previous is None:
            self.notify("没有上一条记录。", timeout=2)
            return
        spec = self._specs[path]
        value = value_at(previous, path)
        if spec.kind == "spouse" or value is None:
            self.notify("上一条记录此项为空。" if value is None else "配偶不能同上条。", timeout=2)
            return
        self._fields[path].value = field_text(spec, value)

    def action_confirm_warning(self) -> None:
        """F10: confirm the W finding of the focused item (or this person's first) as 核实无误."""
        from tui.screens.form_dialogs import ReasonDialog

        path = self._focused_path()
        warnings = [f for f in self.findings if f.person_key == self.person_key and f.severity == "W"
                    and not f.confirmed]  # fmt: skip
        target = next((f for f in warnings if path in f.fields), warnings[0] if warnings else None)
        if target is None:
            self.notify("本人没有待核实的预警（W）。", timeout=3)
            return
        if self.dirty or self._saved_person() is None:
            self.notify("请先保存（F2），再核实无误。", severity="warning", timeout=4)
            return

        def answer(reason: str | None) -> None:
            if reason:
                self.run_job(self._confirm(target, reason), group="save", exclusive=True)

        self.app.push_screen(ReasonDialog(f"核实无误：W {target.rule} {self.person.get('name') or ''}",
                                          target.message), answer)  # fmt: skip

    async def _confirm(self, finding: Any, reason: str) -> None:
        from store.records import load_households
        from tui import services

        await services.confirm_warning(self.person_key or "", finding.rule, reason, self.user, list(finding.fields),
                                       actor=await actor_of(self.app))  # fmt: skip
        stored = (await load_households([self.code])).get(self.code)
        if stored is not None and not self.dirty:
            self.saved, self.record = stored, copy.deepcopy(stored)
        self.notify(f"{finding.rule} 已核实无误", timeout=2)
        await self.audit_now()

    def action_page_down(self) -> None:
        """PgDn: the woman section (women) or the rare items."""
        target = "woman.contraception.method" if self.query_one("#woman-start").display else "moved_in.date"
        if target in self._fields:
            self._fields[target].focus()
            self.query_one("#form-body", VerticalScroll).scroll_to_widget(
                self.query_one("#woman-start" if target.startswith("woman") else "#other-start"), top=True,
                animate=False)  # fmt: skip

    def action_page_up(self) -> None:
        self.query_one("#form-body", VerticalScroll).scroll_home(animate=False)
        self._focus_first()
