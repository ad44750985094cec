"""The household form: household items (code, address, hukou type, kind, status) and the member list.

``HouseholdForm(code, village_code)`` edits a stored household; ``HouseholdForm(None, village_code,
group=...)`` starts a new one with the next free number of the group suggested, and Enter on its last item
goes on to the householder's person form (the household is saved with its first member). In the member
list Enter opens a member's person form and Ins adds a member; the person form edits this form's record,
so F2 there saves the household items too. F4–F8 are the household workflows on the member selected in the
list (迁往他户, 注销成员, 换户主, 分户, 并户): each asks a few things in a dialog and calls one service of
:mod:`tui.services` (store/household_ops.py writes, with change events), then shows the household as stored.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from store.codes import HOUSEHOLDER, TABLES
from store.domain import families
from store.domain.people import new_household
from store.paths import value_at
from tui.acting import actor_of, out_of_scope
from tui.bindings import bindings
from tui.screens.focus_path import field_for
from tui.screens.form_base import FormBase, householder_name, short_address, wait_mounted
from tui.screens.form_dialogs import ChoiceDialog
from tui.screens.form_fields import Spec, TextField, field_text, make_field, read_field
from tui.screens.household_dialogs import Ask, OpDialog
from tui.text import display_text
from tui.widgets import Field, KeyBar
from tui.widgets.field import ENTRY_HELP
from tui.widgets.parsing import parse_date

__all__ = ["HouseholdForm", "next_number", "suggest_address"]

ITEMS = [
    [Spec("household.address", "地址", width=30), Spec("household.phone", "电话", width=12)],
    [Spec("household.hukou_type", "户口类型", "code", "hukou_nature", status=7),
     Spec("household.kind", "户类别", "code", "household_kind", status=8),
     Spec("household.status", "户状态", "code", "household_status", status=7)],
    [Spec("household.closed_date", "销户日期", "date")],
]  # fmt: skip
LAST_ITEM = ITEMS[-1][-1].path
"""The last household item: Enter there goes on to the householder or the member list."""

HELP = f"""\
户信息：↑ ↓ 在成员表中移动，Enter 打开该成员的人员信息。
新户：组和户号已按该组下一个空号填好，可改。户编码 = 村代码 + 组 + 户号。
户口类型、户类别可输入代码或拼音首字母（如 ny → 2 农业，jt → 家庭户）。
成员表中选中一人：F4 迁往他户，F5 注销（写明原因），F6 改为户主，F7 分户，F8 全户并入他户。
  迁往他户：配偶在本户时默认一同迁走（Y）。
  分户：只在本户户主分出时才问本户新户主，并给出建议。
{ENTRY_HELP}"""


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

    def __init__(self, code: str | None, village_code: str, *, group: str | None = None,
                 focus: Sequence[str] = ()) -> None:  # fmt: skip
        super().__init__(code or "", None, stored=code is not None)
        self.focus_paths = tuple(focus)  # the item to start on (a finding's fields), once
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

        refused = await out_of_scope(self.app, self.code or self.village_code + self.group)
        if refused:
            self.notify(refused, severity="error", timeout=5)
            self.dismiss(None)
            return
        if self.new:
            group_code = self.village_code + self.group
            households = await browse.group_households(group_code, actor=await actor_of(self.app))
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
        """Show the record: the items of a stored household are filled in place when they are built already
        (back from a member's form, after a workflow); building them again laid out the whole form."""
        self.ready = False
        if self._specs and "number" not in self._fields and not (self.new and not self.stored):
            for path, field in self._fields.items():
                field.value = field_text(self._specs[path], value_at(self.record, path))
        else:
            self._built = True
            items = self.query_one("#household-items", Vertical)
            await items.remove_children()
            await items.mount_all(self._compose_items())
            await wait_mounted([*self._fields.values(), *(f.input for f in self._fields.values())])
        self.query_one("#form-title", Static).update(self._title(), layout=False)  # (1fr × 1 line)
        self._fill_members()
        self._state_shown = None
        self.show_state()
        self._fields[LAST_ITEM].advance_on_enter = False  # its Enter is handled in on_field_submitted
        self.ready = True
        first = "household.address" if not self.new or self.stored else "number"
        target, self.focus_paths = field_for(self._fields, self.focus_paths), ()
        (target or self._fields[first]).focus()
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
                    self.discard_draft(old)
        elif path in self._specs:
            if field.value != field_text(self._specs[path], value_at(self.record, path)):  # (not a fill)
                self.take_field(field)
            return
        else:
            return
        self.query_one("#form-title", Static).update(self._title(), layout=False)  # (1fr × 1 line)
        self.changed()

    def fields_to_commit(self) -> list[Field]:
        """The household items whose text is not what the record's value shows (typed, not yet taken)."""
        return [field for path, field in self._fields.items()
                if path in self._specs and field.value != field_text(self._specs[path], value_at(self.record, path))]  # fmt: skip

    def take_field(self, field: Field) -> None:
        path = field.name
        if path not in self._specs:
            return
        self.record["household"][path.split(".", 1)[1]] = read_field(self._specs[path], field)
        self.query_one("#form-title", Static).update(self._title(), layout=False)  # (1fr × 1 line)
        self.changed()

    def on_field_submitted(self, event: Field.Submitted) -> None:
        """Enter on the last item: a new household goes on to its householder, else to the member list. The keys
        typed behind that Enter wait (the last item does not move on by itself) until the householder's form
        has its first field focused, or the member list has the focus."""
        if event.field is not self._fields.get(LAST_ITEM):
            return
        if not self.record.get("members") and self.ready:
            self._person_form(None, then=event.field.release_enter)
        else:
            self.query_one("#members", OptionList).focus()
            event.field.release_enter()

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

    def _person_form(self, key: str | None, then: Callable[[], None] | None = None) -> None:
        """Open the person form of a member (None: a new one) on this form's record; `then` runs once that form
        is ready (or closed before)."""
        from tui.screens.person_form import PersonForm

        self.write_draft()
        form = PersonForm(self.code, key, record=self.record, stored=self.stored)
        if then is not None:
            form.when_ready.append(then)

        def done(stored: dict[str, Any] | None) -> None:
            if then is not None:
                then()  # (a second call does nothing)
            self._person_done(stored)

        self.app.push_screen(form, done)

    def _person_done(self, stored: dict[str, Any] | None) -> None:
        if stored is None:  # nothing saved there: the draft is this form's input again (the person form's is stale)
            if self.dirty:
                self.write_draft()
            else:
                self.discard_draft()
            return
        self.discard_draft()
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
        self.query_one("#form-title", Static).update(self._title(), layout=False)  # (1fr × 1 line)
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

    # --- household workflows (F4–F8) ------------------------------------------------------------------

    def _members_now(self) -> list[dict[str, Any]]:
        """The active members, numbered 1… in the dialogs."""
        return list(families.active_members(self.record))  # type: ignore[arg-type]

    def _numbered(self, people: list[dict[str, Any]]) -> str:
        return "  ".join(f"{n}{p.get('name') or ''}" for n, p in enumerate(people, 1))

    def _selected(self) -> dict[str, Any] | None:
        box = self.query_one("#members", OptionList)
        if box.highlighted is None:
            return None
        key = box.get_option_at_index(box.highlighted).id
        return next((p for p in self._members_now() if p.get("key") == key), None)

    def _can_run(self, need_member: bool = True) -> dict[str, Any] | bool:
        """The selected active member (or True without one); False with a notice when the workflow cannot run."""
        if not self.ready or not self.stored:
            self.notify("请先保存本户（F2）再办理。", severity="warning", timeout=4)
            return False
        if self.dirty:
            self.notify("本户有未保存的修改，请先保存（F2）再办理。", severity="warning", timeout=4)
            return False
        if not need_member:
            return True
        person = self._selected()
        if person is None:
            self.notify("请在成员表中选中一名在册成员。", severity="warning", timeout=4)
            return False
        return person

    def _pick(self, text: str, people: list[dict[str, Any]]) -> str | None:
        number = int(text) if text.isdigit() else 0
        return str(people[number - 1]["key"]) if 1 <= number <= len(people) else None

    def _ask(self, title: str, lines: list[str], asks: list[Ask],
             then: Callable[[OpDialog, dict[str, str]], Awaitable[Any] | None]) -> None:  # fmt: skip
        """Show the dialog; `then` turns the answers into a service call (None: the dialog shows the error)."""
        dialog = OpDialog(title, lines, asks)

        def answered(values: dict[str, str] | None) -> None:
            if values is None:
                return
            call = then(dialog, values)
            if call is not None:
                self.run_job(self._after_op(call), group="op", exclusive=True)

        self.app.push_screen(dialog, answered)

    async def _after_op(self, call: Awaitable[Any]) -> None:
        result = await call
        mine = next((r for r in result.records if r["household"]["code"] == self.code), result.records[0])
        self.record, self.saved = copy.deepcopy(mine), mine
        await self._show_form()
        closed = mine["household"].get("status") == "closed"
        self.notify("已办理并保存。" + ("本户已无在册成员，已销户。" if closed else ""), timeout=4)

    def _date(self, text: str) -> dt.date | None:
        return parse_date(text, final=True, future="error").value if text else dt.date.today()

    def _head_ask(self, person: dict[str, Any], staying: list[dict[str, Any]]) -> list[Ask]:
        if person.get("relation") != HOUSEHOLDER or not staying:
            return []
        return [Ask("new_head", "留下的新户主序号", 2, "1", r"[0-9]*")]

    def action_move_member(self) -> None:
        """F4: the selected member moves to another household of the database; a spouse living here is asked
        about (moves too by default: a married couple split across households is an error, MAR7)."""
        from store.household_ops import spouse_at_home

        person = self._can_run()
        if not isinstance(person, dict):
            return
        spouse = spouse_at_home(self.record, str(person["key"]))
        staying = [p for p in self._members_now() if p is not person]
        first = next((str(n) for n, p in enumerate(staying, 1) if p is not spouse), "1")
        asks = [Ask("to_code", "迁往户编码", 18, restrict=r"[0-9]*"), Ask("date", "迁移日期", 10)]
        lines = [f"{person.get('name')} 迁往本库另一户（空日期为今天）。"]
        if spouse is not None:
            asks.append(Ask("with_spouse", f"配偶{spouse.get('name') or ''}同迁Y/N", 1, "Y", r"[YyNn]*"))
            lines.append("填 N 则夫妻分住两户，审核将报“配偶不在同一户”。")
        head_leaves = person.get("relation") == HOUSEHOLDER or (spouse or {}).get("relation") == HOUSEHOLDER
        if head_leaves and [p for p in staying if p is not spouse]:
            asks += [Ask("new_head", "留下的新户主序号", 2, first, r"[0-9]*",
                         when=lambda v: person.get("relation") == HOUSEHOLDER
                         or v.get("with_spouse", "N").upper() == "Y")]  # fmt: skip
            lines.append("户主迁走：留下的人 " + self._numbered(staying))

        def then(dialog: OpDialog, values: dict[str, str]) -> Awaitable[Any] | None:
            from tui import services

            date = self._date(values["date"])
            if len(values["to_code"]) != 18 or date is None:
                self.notify("户编码应为 18 位数字，日期如 20261003。", severity="error", timeout=5)
                return None
            together = values.get("with_spouse", "N").upper() == "Y"
            return services.move_member(self.code, person["key"], values["to_code"], self.user, date=date,
                                        new_head=self._pick(values.get("new_head", ""), staying),
                                        with_spouse=together)  # fmt: skip

        self._ask("迁往他户", lines, asks, then)

    def action_remove_member(self) -> None:
        """F5: cancel the selected member with a reason (迁出 with where to)."""
        person = self._can_run()
        if not isinstance(person, dict):
            return
        staying = [p for p in self._members_now() if p is not person]
        asks = [Ask("reason", "原因代码", 2, "02", r"[0-9]*"), Ask("date", "注销日期", 10),
                Ask("to_code", "迁往地代码", 6, restrict=r"[0-9]*"), *self._head_ask(person, staying)]  # fmt: skip
        lines = [f"注销 {person.get('name')}：02迁出 03移交外省 06出国(境) 04重复 05错误 99其他",
                 "迁出须填迁往地的 6 位县级代码；死亡请在月度变更中录入。"]  # fmt: skip
        if len(asks) > 3:
            lines.append("户主注销：留下的人 " + self._numbered(staying))

        def then(dialog: OpDialog, values: dict[str, str]) -> Awaitable[Any] | None:
            from tui import services

            date = self._date(values["date"])
            if date is None:
                self.notify("日期如 20261003。", severity="error", timeout=5)
                return None
            return services.remove_member(self.code, person["key"], values["reason"], self.user, date=date,
                                          to_code=values["to_code"] or None,
                                          new_head=self._pick(values.get("new_head", ""), staying))  # fmt: skip

        self._ask("注销成员", lines, asks, then)

    def action_change_head(self) -> None:
        """F6: the selected member becomes householder; relations derived anew."""
        person = self._can_run()
        if not isinstance(person, dict):
            return
        if person.get("relation") == HOUSEHOLDER:
            self.notify(f"{person.get('name')}已是户主。", timeout=3)
            return

        def answered(choice: str | None) -> None:
            from tui import services

            if choice == "y":
                call = services.change_householder(self.code, person["key"], self.user)
                self.run_job(self._after_op(call), group="op", exclusive=True)

        question = f"把 {person.get('name')} 改为户主？各成员与户主关系将重新推算。"
        self.app.push_screen(ChoiceDialog(question, [("y", "确定"), ("n", "取消")], cancel="n"), answered)

    def action_split(self) -> None:
        """F7: 分户 — the selected member (and others named by number) leave for a new household; its
        householder is proposed, and who heads the household left is asked only when its householder goes."""
        person = self._can_run()
        if not isinstance(person, dict):
            return
        members = self._members_now()
        number = str(members.index(person) + 1)

        def leaving(values: dict[str, str]) -> list[str]:
            picked = [self._pick(t, members) for t in re.split(r"[ ,，]+", values.get("keys", "")) if t]
            return [k for k in picked if k]

        def numbered(key: str | None) -> str:
            found = [n for n, p in enumerate(members, 1) if p.get("key") == key]
            return str(found[0]) if found else ""

        def head_there(values: dict[str, str]) -> str:
            return numbered(families.split_heads(self.record, leaving(values))[0])

        def head_here(values: dict[str, str]) -> str:
            return numbered(families.split_heads(self.record, leaving(values))[1])

        asks = [Ask("keys", "分出成员序号", 20, number, r"[0-9 ,，]*"),
                Ask("head", "新户户主序号", 2, head_there({"keys": number}), r"[0-9]*", propose=head_there),
                Ask("date", "分户日期", 10),
                Ask("new_head", "本户新户主序号", 2, restrict=r"[0-9]*", when=lambda v: bool(head_here(v)),
                    propose=head_here)]  # fmt: skip
        lines = ["成员 " + self._numbered(members), "序号用空格分开；新户号取本组下一个空号。"]

        def then(dialog: OpDialog, values: dict[str, str]) -> Awaitable[Any] | None:
            from tui import services

            picked = [self._pick(t, members) for t in re.split(r"[ ,，]+", values["keys"]) if t]
            head, date = self._pick(values["head"], members), self._date(values["date"])
            if not picked or None in picked or head is None or date is None:
                self.notify("请按成员序号填写分出的人和新户户主。", severity="error", timeout=5)
                return None
            return services.split_household(self.code, [k for k in picked if k], head, self.user, date=date,
                                             new_head=self._pick(values.get("new_head", ""), members))  # fmt: skip

        self._ask("分户", lines, asks, then)

    def action_merge(self) -> None:
        """F8: 并户 — every active member joins another household; this one is closed."""
        if self._can_run(need_member=False) is False:
            return
        asks = [Ask("into_code", "并入户编码", 18, restrict=r"[0-9]*"), Ask("date", "并户日期", 10)]
        lines = [f"本户 {len(self._members_now())} 名在册成员全部并入另一户，本户销户。"]

        def then(dialog: OpDialog, values: dict[str, str]) -> Awaitable[Any] | None:
            from tui import services

            date = self._date(values["date"])
            if len(values["into_code"]) != 18 or date is None:
                self.notify("户编码应为 18 位数字，日期如 20261003。", severity="error", timeout=5)
                return None
            return services.merge_households(self.code, values["into_code"], self.user, date=date)

        self._ask("并户", lines, asks, then)
