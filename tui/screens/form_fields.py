"""The items of the person form: where each lives in the record, how it is keyed and laid out at 80 columns.

A :class:`Spec` names an interchange path (``first_marriage_date``, ``flow.since``,
``woman.children[1].birth_date``), its label and its kind; :func:`make_field` builds the entry widget and
:func:`read_field` / :func:`field_text` convert between the widget and the record value. No database here.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, ClassVar

from store.codes import TABLES, Code, CodeTable
from tui.widgets import CodeField, DateField, Field, IdField

__all__ = ["BOOL", "Spec", "TextField", "caption_of", "field_text", "make_field", "read_field"]

_HISTORY_ROW = re.compile(r"woman\.(children|pregnancies)\[(\d+)\]\.")

BOOL = CodeTable("bool", "是否", (Code("1", "是", ("s", "shi", "y"), "是"), Code("0", "否", ("f", "fou", "n"), "否")))


@dataclass(frozen=True)
class Spec:
    """One item: record path, label, kind (text, code, date, id, bool, spouse), code table, widths."""

    path: str
    label: str
    kind: str = "text"
    table: str | None = None
    width: int = 10  # input cells of a text field
    status: int | None = None  # cells of the status beside a code field
    future: str = "warn"


class TextField(Field):
    """A plain text item (name, occupation, places) in the form's field frame: Enter moves on."""

    def __init__(self, value: str = "", *, width: int = 10, max_chars: int = 60, **kwargs: Any) -> None:
        self.input_width = width  # type: ignore[misc]
        self.max_chars = max_chars  # type: ignore[misc]
        super().__init__(value, **kwargs)


class ShortDateField(DateField):
    """A date field without room for a status mark (the inline audit colours the label instead)."""

    DEFAULT_CSS = """
    ShortDateField > .field--status { width: 1; }
    """


def numbered(table: CodeTable) -> tuple[CodeTable, dict[str, str]]:
    """A table of word codes (``family``, ``active``: internal values of the interchange format) keyed by
    number instead (1 家庭户, 2 集体户), with the number → stored code map; other tables as they are."""
    if all(c.code.isdigit() for c in table.codes):
        return table, {}
    codes = tuple(Code(str(n), c.label, c.initials, c.short) for n, c in enumerate(table.codes, 1))
    return CodeTable(table.name, table.title, codes), {str(n): c.code for n, c in enumerate(table.codes, 1)}


def caption_of(spec: Spec) -> str:
    """How messages name the item: its label, with the row of a history table (``生养史第2孩出生日期``)."""
    found = _HISTORY_ROW.search(spec.path)
    if found is None:
        return spec.label
    table = "生养史第{}孩" if found[1] == "children" else "孕情第{}条"
    return table.format(int(found[2]) + 1) + spec.label


def make_field(spec: Spec, text: str, table: CodeTable | None = None) -> Field:
    """The entry widget of `spec` holding `text`; its ``name`` is the record path, its caption the label."""
    caption = caption_of(spec)
    if spec.kind == "date":
        return DateField(text or None, name=spec.path, future=spec.future, caption=caption)  # type: ignore[arg-type]
    if spec.kind == "id":
        return IdField(text, name=spec.path, caption=caption)
    if spec.kind in ("code", "bool", "spouse"):
        table, stored = numbered(table or (BOOL if spec.kind == "bool" else TABLES[spec.table or ""]))
        shown = {code: number for number, code in stored.items()}
        field: Field = CodeField(table, shown.get(text, text) or None, name=spec.path, caption=caption)
        field.stored_codes = stored  # type: ignore[attr-defined]
        if spec.status is not None:
            field.status.styles.width = spec.status
        return field
    return TextField(text, width=spec.width, name=spec.path, caption=caption)


def read_field(spec: Spec, field: Field) -> Any:
    """The record value of what the field holds now."""
    if spec.kind == "date":
        return field.value_date  # type: ignore[attr-defined]
    if spec.kind in ("code", "spouse"):
        code = field.code  # type: ignore[attr-defined]
        return getattr(field, "stored_codes", {}).get(code, code)
    if spec.kind == "bool":
        code = field.code  # type: ignore[attr-defined]
        return None if code is None else code == "1"
    text = field.value.strip()
    return text or None


def field_text(spec: Spec, value: Any) -> str:
    """The text a field shows for a record value."""
    if value is None:
        return ""
    if spec.kind == "bool":
        return "1" if value else "0"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


class Layout:
    """The rows of the person form (label + field pairs), by section."""

    MAIN: ClassVar[list[list[Spec]]] = [
        [Spec("relation", "关系", "code", "relation", status=9), Spec("name", "姓名", width=10),
         Spec("ethnicity", "民族", "code", "ethnicity", status=9)],
        [Spec("id_number", "身份证号", "id"), Spec("sex", "性别", "code", "sex", status=4)],
        [Spec("birth_date", "出生日期", "date", future="error"),
         Spec("hukou_nature", "户口性质", "code", "hukou_nature", status=7),
         Spec("education", "文化程度", "code", "education", status=9)],
        [Spec("marital_status", "婚姻状况", "code", "marital_status", status=7),
         Spec("first_marriage_date", "初婚日期", "date"), Spec("marriage_change_date", "婚变日期", "date")],
        [Spec("spouse", "配偶", "spouse", status=11), Spec("mgmt", "管理属性", "code", "mgmt", status=9),
         Spec("residence_status", "人户状况", "code", "residence_status", status=11)],
        [Spec("political_status", "政治面貌", "code", "political_status", status=9),
         Spec("occupation", "职业", width=10), Spec("registered_place_code", "户籍地代码", width=12)],
    ]  # fmt: skip
    SPOUSE_EXTERNAL: ClassVar[list[Spec]] = [
        Spec("spouse_external.name", "配偶姓名", width=8),
        Spec("spouse_external.id_number", "配偶身份证", "id"),
    ]
    SPOUSE_PLACE: ClassVar[list[Spec]] = [Spec("spouse_external.registered_place_code", "配偶户籍地", width=12)]
    FLOW: ClassVar[list[Spec]] = [
        Spec("flow.since", "流动日期", "date"),
        Spec("flow.place_code", "地区代码", width=6),
        Spec("flow.place", "地点", width=10),
        Spec("flow.reason", "原因", width=6),
    ]
    CONTRACEPTION: ClassVar[list[Spec]] = [
        Spec("woman.contraception.method", "避孕措施", "code", "contraception_method", status=12),
        Spec("woman.contraception.since", "措施日期", "date"),
        Spec("woman.contraception.failure", "失败类型", "code", "contraception_failure", status=8),
    ]
    CHILD: ClassVar[list[Spec]] = [
        Spec("name", "姓名", width=8),
        Spec("sex", "性别", "code", "sex", status=3),
        Spec("birth_date", "出生日期", "date", future="error"),
        Spec("policy", "政策", "code", "child_policy", status=7),
        Spec("blood", "血缘", "code", "child_blood", status=7),
        Spec("alive", "存活", "bool", status=3),
    ]
    PREGNANCY: ClassVar[list[Spec]] = [
        Spec("lmp", "末次月经", "date"),
        Spec("edd", "预产期", "date", future="allow"),
        Spec("outcome", "结局", "code", "pregnancy_outcome", status=8),
        Spec("outcome_date", "结局日期", "date"),
    ]
    CERTIFICATE: ClassVar[list[Spec]] = [
        Spec("woman.only_child_certificate.number", "独生子女证", width=12),
        Spec("woman.only_child_certificate.date", "发证日期", "date"),
    ]
    OTHER: ClassVar[list[list[Spec]]] = [
        [Spec("moved_in.date", "迁入日期", "date"), Spec("moved_in.from_code", "迁自代码", width=6),
         Spec("moved_in.reason", "迁入原因", width=10)],
        [Spec("death_date", "死亡日期", "date"), Spec("cancel.reason", "注销原因", "code", "cancel_reason", status=8),
         Spec("cancel.date", "注销日期", "date")],
        [Spec("id_type", "证件类型", "code", "id_type", status=11), Spec("rural", "农村居民", "bool", status=3)],
    ]  # fmt: skip
