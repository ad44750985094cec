"""The household form: household items (code, address, hukou type, kind, status) and the member list.

``HouseholdForm(code, village_code)`` edits a stored household; ``HouseholdForm(None, village_code,
group=...)`` starts a new one with the next free number of the group suggested, and Enter on its last item
goes on to the householder's person form (the household is saved with its first member). In the member
list Enter opens a member's person form and Ins adds a member; the person form edits this form's record,
so F2 there saves the household items too.
"""

from __future__ import annotations

import copy
import re
from typing import Any, ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from store.codes import TABLES
from store.domain.people import new_household
from store.paths import value_at
from tui.bindings import bindings
from tui.screens.form_base import FormBase, householder_name, short_address, wait_mounted
from tui.screens.form_fields import Spec, TextField, field_text, make_field, read_field
from tui.text import display_text
from tui.widgets import Field, KeyBar

__all__ = ["HouseholdForm", "next_number", "suggest_address"]

ITEMS = [
    [Spec("household.address", "地址", width=30), Spec("household.phone", "电话", width=12)],
    [Spec("household.hukou_type", "户口类型", "code", "hukou_nature", status=7),
     Spec("household.kind", "户类别", "code", "household_kind", status=8),
     Spec("household.status", "户状态", "code", "household_status", status=7)],
    [Spec("household.closed_date", "销户日期", "date")],
]  # fmt: skip

HELP = """\
户信息：↑ ↓ 在成员表中移动，Enter 打开该成员的人员信息。
新户：组和户号已按该组下一个空号填好，可改。户编码 = 村代码 + 组 + 户号。
户口类型、户类别可输入代码或拼音首字母（如 ny → 2 农业，jt → 家庭户）。"""


def next_number(codes: list[str]) -> str:
    """The next free 4-digit household number after the highest of `codes` (18-digit household codes)."""
    numbers = [int(c[14:]) for c in codes if len(c) == 18 and c[14:].isdigit()]
    return f"{(max(numbers) + 1) if numbers else 1:04d}"


def suggest_address(address: str | None, number: str) -> str:
    """An address for household `number` from a neighbour's: 城关镇东风村一组12号 → 城关镇东风村一组13号."""
    if not address:
        return ""
    found = re.search(r"\d+号", address)
    return address[: found.start()] + f"{int(number)}号" if found else ""


class HouseholdForm(FormBase):
    """户信息 + 成员表."""

    HELP = HELP
    form_name = "household"
    KEY_SCOPES = ("household", "form")
    BINDINGS: ClassVar[list[BindingType]] = bindings("household")
    DEFAULT_CSS = """
    HouseholdForm #form-head { height: 1; background: $primary; padding: 0 1; }
    HouseholdForm #form-title { width: 1fr; text-wrap: nowrap; text-overflow: ellipsis; }
    HouseholdForm #form-state { width: auto; }
    HouseholdForm #household-items { height: auto; padding: 0 1; }
    HouseholdForm .row { height: 1; width: 100%; }
    HouseholdForm .lbl { width: auto; padding: 0 1 0 0; }
    HouseholdForm .gap { padding: 0 1 0 2; }
    HouseholdForm .section { height: 1; color: $secondary; padding: 0 1; }
    HouseholdForm #members { height: 1fr; border: none; padding: 0 1; }
    HouseholdForm #members:focus { background-tint: $foreground 5%; }
    HouseholdForm #form-findings { height: 4; padding: 0 1; border-top: solid $secondary; }
    .ascii HouseholdForm #form-findings { border-top: ascii $secondary; }
    HouseholdForm #form-keys { height: 1; background: $panel; }
    """

    def __init__(self, code: str | None, village_code: str, *, group: str | None = None) -> None:
        super().__init__(code or "", None, stored=code is not None)
        self.village_code = village_code
        self.group = group or "01"
        self.new = code is None
        self._fields: dict[str, Field] = {}
        self._specs: dict[str, Spec] = {}
        self._built = False

    # --- layout --------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Horizontal(id="form-head"):
            yield Static(self._title(), id="form-title")
            yield Static("", id="form-state")
        with Vertical(id="household-items"):
            if self._built:
                yield from self._compose_items()
            else:
                yield Static("加载中…")
        yield Static(self._member_head(), classes="section")
        yield OptionList(id="members")
        with Vertical(id="form-findings"):
            yield Static("", id="form-findings-text")
        yield KeyBar(self.KEY_SCOPES, id="form-keys")

    def _title(self) -> Text:
        text = Text("户信息", style="bold", no_wrap=True)
        household = self.record.get("household") or {}
        if household:
            text.append(f"  {household.get('code') or ''} {display_text(short_address(household.get('address')))}")
            head = householder_name(self.record)
            if head:
                text.append(f" {display_text(head)}户")
        if self.new and not self.stored:
            text.append("  新户", style="bold")
        return text

    def _member_head(self) -> str:
        cols = (("关系", 10), ("姓名", 10), ("性别", 6), ("出生日期", 12), ("身份证号", 20), ("状态", 4))
        return "── 成员  " + "".join(t + " " * max(1, w - cell_len(t)) for t, w in cols).rstrip()

    def _compose_items(self) -> list[Horizontal]:
        self._fields, self._specs = {}, {}
        rows: list[Horizontal] = []
        if self.new and not self.stored:
            group = TextField(self.group, width=2, max_chars=2, name="group")
            number = TextField(self.record["household"]["code"][14:], width=4, max_chars=4, name="number")
            for field in (group, number):
                field.input.restrict = r"[0-9]*"
            self._fields.update(group=group, number=number)
            rows.append(Horizontal(Label("户编码", classes="lbl"), Label(self.village_code, classes="lbl", markup=False), Label("组", classes="lbl"),
                                   group, Label("户号", classes="lbl gap"), number, classes="row"))  # fmt: skip
        else:
            rows.append(Horizontal(Label("户编码", classes="lbl"), Static(self.code, markup=False), classes="row"))
        for row in ITEMS:
            widgets: list[Any] = []
            for n, spec in enumerate(row):
                widgets.append(Label(spec.label, classes="lbl" + (" gap" if n else "")))
                field = make_field(spec, field_text(spec, value_at(self.record, spec.path)))
                self._fields[spec.path], self._specs[spec.path] = field, spec
                widgets.append(field)
            rows.append(Horizontal(*widgets, classes="row"))
        return rows

    def _fill_members(self) -> None:
        box = self.query_one("#members", OptionList)
        box.clear_options()
        options = []
        for member in self.record.get("members") or []:
            relation = TABLES["relation"].short(member.get("relation")) or "—"
            sex = TABLES["sex"].short(member.get("sex"))
            born = field_text(Spec("b", "", "date"), member.get("birth_date"))
            state = "已注销" if member.get("cancel") else ""
            cells = ((relation, 10), (display_text(member.get("name")), 10), (sex, 6), (born, 12),
                     (display_text(member.get("id_number")), 20), (state, 6))  # fmt: skip
            line = "".join(t + " " * max(1, w - cell_len(t)) for t, w in cells).rstrip()
            options.append(Option(Text(line), id=member.get("key")))  # stored names: never markup
        if not options:
            options.append(Option(Text("（无成员：按 Ins 录入户主）", style="dim"), id="-", disabled=True))
        box.add_options(options)

    # --- opening -------------------------------------------------------------------------------------

    def on_mount(self) -> None:
        self.run_job(self._open(), group="open")

    async def _open(self) -> None:
        from store import browse, service
        from store.records import load_households

        if self.new:
            group_code = self.village_code + self.group
            households = await browse.group_households(group_code)
            codes = [n.code for n in households]
            number = next_number(codes)
            neighbour = (await load_households([codes[-1]])).get(codes[-1]) if codes else None
            address = suggest_address(value_at(neighbour, "household.address"), number)
            self.record = dict(new_household(self.village_code, self.group, number, address=address))
            self.code = self.record["household"]["code"]
            self.saved = copy.deepcopy(self.record)
        else:
            found = (await load_households([self.code])).get(self.code)
            if found is None:
                self.notify(f"户 {self.code} 不存在。", severity="error", timeout=5, markup=False)
                self.dismiss(None)
                return
            self.record, self.saved = found, copy.deepcopy(found)
            await service.log_view(self.user, self.code)
        await self.prepare_audit()
        self.offer_draft(self._start)

    def _start(self) -> None:
        self.run_job(self._show_form(), group="load", exclusive=True)

    async def _show_form(self) -> None:
        self.ready = False
        self._built = True
        items = self.query_one("#household-items", Vertical)
        await items.remove_children()
        await items.mount_all(self._compose_items())
        await wait_mounted([*self._fields.values(), *(f.input for f in self._fields.values())])
        self.query_one("#form-title", Static).update(self._title())
        self._fill_members()
        self._state_shown = None
        self.show_state()
        self.ready = True
        first = "household.address" if not self.new or self.stored else "number"
        self._fields[first].focus()
        await self.audit_now()

    # --- typing --------------------------------------------------------------------------------------

    @on(Input.Changed)
    def _input_changed(self, event: Input.Changed) -> None:
        field = getattr(event.input, "field", None)
        path = getattr(field, "name", None)
        if not self.ready or field is None:
            return
        household = self.record["household"]
        if path in ("group", "number"):
            group = self._fields["group"].value
            number = self._fields["number"].value
            if len(group) == 2 and len(number) == 4:
                old = self.code
                self.code = self.village_code + group + number
                household.update(code=self.code, group=group)
                if old != self.code:
                    from store import drafts

                    drafts.discard(self.user, old)
        elif path in self._specs:
            household[path.split(".", 1)[1]] = read_field(self._specs[path], field)
        else:
            return
        self.query_one("#form-title", Static).update(self._title())
        self.changed()

    def on_field_submitted(self, event: Field.Submitted) -> None:
        """Enter on the last item: a new household goes on to its householder, else to the member list."""
        if event.field is not self._fields.get("household.closed_date"):
            return
        if not self.record.get("members"):
            self.call_after_refresh(self.action_add_member)
        else:
            self.call_after_refresh(self.query_one("#members", OptionList).focus)

    # --- members -------------------------------------------------------------------------------------

    @on(OptionList.OptionSelected, "#members")
    def _open_member(self, event: OptionList.OptionSelected) -> None:
        key = event.option.id
        if key and key != "-":
            self._person_form(key)

    def action_add_member(self) -> None:
        """Ins: a new member (the householder first in a new household)."""
        if not self.ready:
            return
        self._person_form(None)

    def _person_form(self, key: str | None) -> None:
        from tui.screens.person_form import PersonForm

        self.write_draft()
        form = PersonForm(self.code, key, record=self.record, stored=self.stored)
        self.app.push_screen(form, self._person_done)

    def _person_done(self, stored: dict[str, Any] | None) -> None:
        from store import drafts

        if stored is None:  # nothing saved there: the draft is this form's input again (the person form's is stale)
            if self.dirty:
                self.write_draft()
            else:
                drafts.discard(self.user, self.code)
            return
        drafts.discard(self.user, self.code)
        self.stored = True
        self.new = False
        self.record, self.saved = copy.deepcopy(stored), stored
        self.run_job(self._show_form(), group="load", exclusive=True)

    # --- saving --------------------------------------------------------------------------------------

    def before_save(self) -> bool:
        if not self.record.get("members"):
            self.notify("新户请先录入户主（Ins）。", severity="warning", timeout=4)
            return False
        return True

    def after_saved(self, stored: dict[str, Any]) -> None:
        super().after_saved(stored)
        self.new = False
        self.query_one("#form-title", Static).update(self._title())
        self._fill_members()

    def show_findings(self) -> None:
        from tui.text import wrap_cells

        width = max(20, (self.size.width or 80) - 3)
        opened = [f for f in self.findings if not f.confirmed]
        text = Text(no_wrap=True)
        text.append("问题 ", style="bold")
        text.append(f"E {sum(f.severity == 'E' for f in opened)}  W {sum(f.severity == 'W' for f in opened)}")
        household = [f for f in opened if f.person_key is None]
        for finding in household[:3]:
            for line in wrap_cells(f"{finding.severity} {finding.rule} {display_text(finding.message)}", width)[:2]:
                text.append("\n" + line)
        self.show_findings_text(text)
