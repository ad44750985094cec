"""The household interchange format (`docs/spec/interchange.md` §1): parsing, structural checks, serialisation.

A *household record* is the in-memory form of one household line: the interchange dict with its dates
turned into `datetime.date`. The same shape is produced by the database loader (`store.records`), written
by the bulk writer (`store.bulk`), audited by `checks/` and edited by the entry forms, so one
representation serves every path. Structural problems (unknown code, impossible date, a unit or group
that does not match the code …) are reported as :class:`LineError` in Chinese; logic problems are left to
the audit.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from store.codes import TABLES
from store.domain.keys import KEY_MAX, first_duplicate
from store.domain.names import name_problem
from store.domain.people import empty_person
from store.import_limits import Refused, decode_line
from store.interchange_tables import EVENT_KEY, EVENT_SECTION, FORMAT_VERSION, Column, Section, by_name
from store.textsafe import describe, excerpt, find_unsafe, is_ascii_digits, normalize_id

__all__ = [
    "FORMAT_VERSION",
    "HOUSEHOLD_KEYS",
    "PERSON_BLOCKS",
    "PERSON_KEYS",
    "PERSON_SCALARS",
    "UNIT_LEVELS",
    "WOMAN_KEYS",
    "FormatError",
    "LineError",
    "ParsedLine",
    "empty_person",
    "format_line",
    "household_line",
    "parse_date",
    "parse_line",
    "parse_object",
    "to_plain",
    "unit_line",
]

UNIT_LEVELS = {"county": 6, "township": 9, "village": 12, "group": 14}

#: Person keys of the format, in export order, with their kind and (for codes) the code table.
PERSON_SCALARS: tuple[tuple[str, str, str | None], ...] = (
    ("key", "text", None),
    ("name", "text", None),
    ("id_type", "code", "id_type"),
    ("id_number", "text", None),
    ("sex", "code", "sex"),
    ("birth_date", "date", None),
    ("relation", "code", "relation"),
    ("ethnicity", "code", "ethnicity"),
    ("hukou_nature", "code", "hukou_nature"),
    ("rural", "bool", None),
    ("education", "code", "education"),
    ("political_status", "code", "political_status"),
    ("occupation", "text", None),
    ("marital_status", "code", "marital_status"),
    ("first_marriage_date", "date", None),
    ("marriage_change_date", "date", None),
    ("spouse", "ref", None),
    ("mother", "ref", None),
    ("father", "ref", None),
    ("residence_status", "code", "residence_status"),
    ("mgmt", "code", "mgmt"),
    ("registered_place_code", "text", None),
    ("death_date", "date", None),
)
PERSON_BLOCKS = ("spouse_external", "flow", "moved_in", "cancel", "benefits", "confirmations", "woman")
PERSON_KEYS = frozenset(k for k, _, _ in PERSON_SCALARS) | frozenset(PERSON_BLOCKS)

HOUSEHOLD_KEYS = frozenset(("code", "unit", "group", "address", "hukou_type", "kind", "status", "closed_date", "phone"))

_SUB_SHAPES: dict[str, tuple[tuple[str, str, str | None], ...]] = {
    "spouse_external": (("name", "text", None), ("id_number", "text", None), ("registered_place_code", "text", None)),
    "flow": (
        ("type", "code", "flow_type"),
        ("since", "date", None),
        ("place_code", "text", None),
        ("place", "text", None),
        ("reason", "text", None),
    ),
    "moved_in": (("date", "date", None), ("from_code", "text", None), ("reason", "text", None)),
    "cancel": (
        ("reason", "code", "cancel_reason"),
        ("date", "date", None),
        ("to_code", "text", None),
        ("to_place", "text", None),
    ),
    "benefit": (("kind", "code", "benefit_kind"), ("since", "int", None)),
    "confirmation": (
        ("rule", "text", None),
        ("fields", "list", None),
        ("reason", "text", None),
        ("by", "text", None),
        ("at", "text", None),
    ),
    "child": (
        ("order", "int", None),
        ("name", "text", None),
        ("sex", "code", "sex"),
        ("birth_date", "date", None),
        ("policy", "code", "child_policy"),
        ("blood", "code", "child_blood"),
        ("alive", "bool", None),
        ("disabled_grade", "code", "disabled_grade"),
        ("member", "ref", None),
    ),
    "contraception": (
        ("method", "code", "contraception_method"),
        ("since", "date", None),
        ("failure", "code", "contraception_failure"),
    ),
    "pregnancy": (
        ("lmp", "date", None),
        ("edd", "date", None),
        ("outcome", "code", "pregnancy_outcome"),
        ("outcome_date", "date", None),
        ("reported", "date", None),
    ),
    "certificate": (("number", "text", None), ("date", "date", None)),
}
WOMAN_KEYS = frozenset(("children", "contraception", "pregnancies", "only_child_certificate"))


@dataclass
class LineError(Exception):
    """A structural error of one line; `message` is Chinese and names the item and the value."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"第 {self.line} 行：{self.message}" if self.line else self.message


class FormatError(LineError):
    """The ``format`` line is unusable (a version this program cannot read): the whole file is refused."""


@dataclass
class ParsedLine:
    """One parsed line: the format version, a unit payload, a household record or a row of a section
    (`store.interchange_tables`), plus ignored unknown keys."""

    line: int
    unit: dict[str, Any] | None = None
    household: dict[str, Any] | None = None
    version: int | None = None
    section: Section | None = None
    row: dict[str, Any] | None = None
    unknown_keys: list[str] = field(default_factory=list)
    references: list[tuple[str, str]] = field(default_factory=list)  # (ref key, where)
    notes: list[str] = field(default_factory=list)  # values normalised on the way in (Chinese)


# --- values ------------------------------------------------------------------------------------------


def parse_date(value: Any) -> dt.date | None:
    """A `YYYY-MM-DD` string as a date; None for null; ValueError for anything else."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str) or len(value) != 10 or value[4] != "-" or value[7] != "-" or not value.isascii():
        raise ValueError(value)
    return dt.date.fromisoformat(value)


def _fmt(value: Any) -> str:
    """A value quoted in a message: a short excerpt, never the whole value (see `store.textsafe`)."""
    return describe(value)


#: Longest accepted text per (shape, item): the column sizes of store/models.py, the same on every backend.
_TEXT_LIMITS: dict[tuple[str, str], int] = {
    ("person", "key"): KEY_MAX, ("person", "name"): 60, ("person", "id_number"): 40, ("person", "occupation"): 60,
    ("spouse_external", "name"): 60, ("spouse_external", "id_number"): 40,
    ("flow", "place"): 100, ("flow", "reason"): 100, ("moved_in", "reason"): 100,
    ("confirmation", "rule"): 8, ("confirmation", "by"): 60, ("confirmation", "at"): 32,
    ("child", "name"): 60, ("certificate", "number"): 40, ("household", "address"): 200, ("household", "phone"): 40,
    ("confirmation", "reason"): 500, ("spouse_external", "registered_place_code"): 12,
    ("person", "registered_place_code"): 12, ("flow", "place_code"): 6, ("moved_in", "from_code"): 6,
    ("cancel", "to_code"): 6, ("cancel", "to_place"): 100,
}  # fmt: skip
#: Text items holding an ID number: normalised (half-width, no spaces, upper-case X) on the way in.
_ID_ITEMS = frozenset({("person", "id_number"), ("spouse_external", "id_number")})
#: Accepted range of integer items; every integer column is int32.
_INT_RANGES: dict[tuple[str, str], tuple[int, int]] = {("child", "order"): (1, 99), ("benefit", "since"): (1950, 2100)}
_INT32 = (-(2**31), 2**31 - 1)
#: Accepted dates: from EARLIEST_DATE to the end of the year FUTURE_YEARS after the import. A date in the
#: near future is a logic error the audit reports (DAT1, `docs/spec/rules.md`), so it is imported; a year
#: like 9999 is not a date anyone recorded and is refused.
EARLIEST_DATE = dt.date(1850, 1, 1)
FUTURE_YEARS = 20
#: Longest person key (and reference to one), and most items of a list of texts.
_KEY_LIMIT = KEY_MAX
_LIST_LIMIT = 50
#: Place codes: digits of these lengths.
_PLACE_CODES: dict[tuple[str, str], tuple[int, ...]] = {
    ("person", "registered_place_code"): (6, 9, 12), ("spouse_external", "registered_place_code"): (6, 9, 12),
    ("flow", "place_code"): (6,), ("moved_in", "from_code"): (6,), ("cancel", "to_code"): (6,),
}  # fmt: skip

#: Text items with only a length limit (their fast path).
_TEXT_PLAIN = {
    item: limit for item, limit in _TEXT_LIMITS.items() if item not in _ID_ITEMS and item not in _PLACE_CODES
}

_SUB_KNOWN = {shape: frozenset(name for name, _, _ in spec) for shape, spec in _SUB_SHAPES.items()}
_SUB_BLANK = {shape: dict.fromkeys(_SUB_KNOWN[shape]) for shape in _SUB_SHAPES}
_EXPECTED = {"text": "文字", "bool": "true 或 false", "int": "整数", "list": "文字列表", "ref": "人员 key"}


class _Checker:
    """Converts and checks the values of one line, collecting its references, notes and unknown keys.

    Hot path of imports: the common case (a value of the right type) returns after a few checks,
    and messages are only formatted when a value is wrong.
    """

    def __init__(self, parsed: ParsedLine, today: dt.date | None = None) -> None:
        self.parsed = parsed
        self.today = today or dt.date.today()

    def fail(self, message: str) -> LineError:
        return LineError(self.parsed.line, message)

    def value(
        self, where: str, name: str, kind: str, table: str | None, raw: Any, prefix: str = "", shape: str = "person"
    ) -> Any:
        if raw is None:
            return None
        kind_of = type(raw)
        if kind == "text" and kind_of is str:
            item = (shape, name)
            if item in _TEXT_PLAIN and len(raw) <= _TEXT_PLAIN[item] and raw.isprintable():
                return raw  # the common case: nothing to normalise or refuse
            return self.text(where, name, raw, prefix, shape)
        if kind == "code":
            if kind_of is str and TABLES[table].is_valid(raw):  # type: ignore[index]
                return raw
            title = TABLES[table].title  # type: ignore[index]
            raise self.fail(f"{where}的 {prefix}{name}（{title}）代码 {_fmt(raw)} 不在代码表中。")
        if kind == "date":
            return self.date(where, name, raw, prefix)
        if kind == "ref":
            if kind_of is str and raw:
                self.safe(where, f"{prefix}{name}", raw, _KEY_LIMIT)
                self.parsed.references.append((raw, f"{where}的 {prefix}{name}"))
                return raw
        elif kind == "bool":
            if kind_of is bool:
                return raw
        elif kind == "int":
            if kind_of is int:
                low, high = _INT_RANGES.get((shape, name), _INT32)
                if not low <= raw <= high:
                    raise self.fail(f"{where}的 {prefix}{name} {_fmt(raw)} 超出范围（应在 {low} 到 {high} 之间）。")
                return raw
        elif kind == "list":
            if kind_of is list and all(type(x) is str for x in raw):
                if len(raw) > _LIST_LIMIT:
                    raise self.fail(f"{where}的 {prefix}{name} 超过 {_LIST_LIMIT} 项（现为 {len(raw)} 项）。")
                for item in raw:
                    self.safe(where, f"{prefix}{name}", item, _KEY_LIMIT)
                return list(raw)
        elif kind != "text":  # pragma: no cover - a programming error in the shapes
            raise AssertionError(kind)
        raise self.fail(f"{where}的 {prefix}{name} 应为{_EXPECTED[kind]}，现为 {_fmt(raw)}。")

    def safe(self, where: str, item: str, text: str, limit: int | None) -> None:
        """Refuse control, bidi and invalid characters, and text longer than `limit`."""
        problem = None if text.isprintable() else find_unsafe(text)  # every unsafe character is unprintable
        if problem is not None:
            raise self.fail(f"{where}的 {item} {excerpt(text)} 含有{problem}，不能导入。请删去该字符后重试。")
        if limit is not None and len(text) > limit:
            raise self.fail(f"{where}的 {item} 超过 {limit} 个字符（现为 {len(text)} 个：{excerpt(text)}）。请核对。")

    def text(self, where: str, name: str, raw: str, prefix: str, shape: str) -> str:
        if (shape, name) in _ID_ITEMS:
            typed, raw = raw, normalize_id(raw)
            if raw != typed:
                self.parsed.notes.append(
                    f"{where}的 {prefix}{name} {excerpt(typed)} 已规范为 {excerpt(raw)}"
                    "（全角改半角、去掉空格、x 改为 X）。"
                )
        self.safe(where, f"{prefix}{name}", raw, _TEXT_LIMITS.get((shape, name)))
        lengths = _PLACE_CODES.get((shape, name))
        if lengths is not None and (not is_ascii_digits(raw) or len(raw) not in lengths):
            wanted = "、".join(str(n) for n in lengths)
            raise self.fail(f"{where}的 {prefix}{name} {_fmt(raw)} 应为 {wanted} 位数字的区划代码。")
        return raw

    def date(self, where: str, name: str, raw: Any, prefix: str) -> dt.date | None:
        try:
            value = parse_date(raw)
        except ValueError:
            raise self.fail(f"{where}的 {prefix}{name} {_fmt(raw)} 不是有效日期（应为 YYYY-MM-DD）。") from None
        if value is None:
            return None
        if value.year > self.today.year + FUTURE_YEARS:
            raise self.fail(
                f"{where}的 {prefix}{name} {value.isoformat()} 晚于 {self.today.year + FUTURE_YEARS} 年，不可能。请核对。"
            )
        if value < EARLIEST_DATE:
            raise self.fail(
                f"{where}的 {prefix}{name} {value.isoformat()} 早于 {EARLIEST_DATE.year} 年，不可能。请核对。"
            )
        return value

    def moment(self, where: str, name: str, raw: Any) -> dt.datetime:
        """A local time ``YYYY-MM-DD HH:MM:SS`` (or with ``T``, fractions of a second allowed, no zone)."""
        value = None
        if type(raw) is str and 19 <= len(raw) <= 26 and raw.isascii() and raw[10] in " T":
            try:
                value = dt.datetime.fromisoformat(raw)
            except ValueError:
                value = None
        if value is None or value.tzinfo is not None:
            raise self.fail(f"{where}的 {name} {_fmt(raw)} 不是有效时间（应为 YYYY-MM-DD HH:MM:SS）。")
        self.date(where, name, raw[:10], "")  # the same bounds as dates
        return value

    def month(self, where: str, name: str, raw: Any) -> str:
        """A month ``YYYY-MM``."""
        if type(raw) is str and len(raw) == 7 and raw.isascii() and raw[4] == "-":
            try:
                self.date(where, name, raw + "-01", "")
                return raw
            except LineError:
                pass
        raise self.fail(f"{where}的 {name} {_fmt(raw)} 不是有效月份（应为 YYYY-MM）。")

    def column(self, where: str, shape: str, column: Column, raw: Any) -> Any:
        """The value of one column of a section row (see :class:`store.interchange_tables.Column`)."""
        name, kind = column.name, column.kind
        if raw is None:
            if column.required:
                raise self.fail(f"{where}缺少 {name}。")
            return None
        if kind == "datetime":
            return self.moment(where, name, raw)
        if kind == "event":
            return self.event(where, name, raw)
        if kind == "month":
            return self.month(where, name, raw)
        if kind == "digits":
            if type(raw) is str and (raw == "" if not raw else is_ascii_digits(raw)) and len(raw) in column.lengths:
                return raw
            wanted = "、".join(str(n) for n in column.lengths if n)
            raise self.fail(f"{where}的 {name} {_fmt(raw)} 应为 {wanted} 位数字的代码。")
        if kind == "choice":
            if type(raw) is str and raw in column.choices:
                return raw
            raise self.fail(f"{where}的 {name} {_fmt(raw)} 不是可识别的类别。")
        if kind == "text" and type(raw) is str:
            self.safe(where, name, raw, column.limit)  # the section declares its bounds
            return raw
        if kind == "int" and type(raw) is int and not 0 <= raw <= column.limit:
            raise self.fail(f"{where}的 {name} {_fmt(raw)} 超出范围（应在 0 到 {column.limit} 之间）。")
        return self.value(where, name, "ref" if kind == "person" else kind, column.table, raw, "", shape)

    def event(self, where: str, name: str, raw: Any) -> dict[str, Any]:
        """A reference to a change event: the items identifying its ``change_event`` line (:data:`EVENT_KEY`)."""
        if type(raw) is not dict:
            raise self.fail(f"{where}的 {name} 应为对象（所引用变动的各项），现为 {_fmt(raw)}。")
        self.unknown(raw, EVENT_KEY, name)
        ref: dict[str, Any] = {}
        for item in EVENT_KEY:
            if item == "person":
                ref[item] = self.value(where, item, "ref", None, raw.get(item), f"{name}.", EVENT_SECTION.name)
                continue
            column = next(c for c in EVENT_SECTION.columns if c.name == item)
            ref[item] = self.column(f"{where}的 {name}", EVENT_SECTION.name, column, raw.get(item))
        return ref

    def block(self, where: str, shape: str, raw: Any, prefix: str) -> dict[str, Any] | None:
        if raw is None:
            return None
        if type(raw) is not dict:
            raise self.fail(f"{where}的 {prefix} 应为对象，现为 {_fmt(raw)}。")
        self.unknown(raw, _SUB_KNOWN[shape], prefix)
        dotted = prefix + "."
        values = {
            name: self.value(where, name, kind, table, raw.get(name), dotted, shape)
            for name, kind, table in _SUB_SHAPES[shape]
        }
        # An all-empty block carries no information: it is the same as an absent one.
        for v in values.values():
            if v is not None and v != []:
                return values
        return None

    def blocks(self, where: str, shape: str, raw: Any, prefix: str) -> list[dict[str, Any]]:
        if raw is None:
            return []
        if type(raw) is not list:
            raise self.fail(f"{where}的 {prefix} 应为列表，现为 {_fmt(raw)}。")
        blank = _SUB_BLANK[shape]
        return [self.block(where, shape, item, f"{prefix}[{i}]") or dict(blank) for i, item in enumerate(raw)]

    def unknown(self, raw: dict[str, Any], known: frozenset[str] | set[str] | tuple[str, ...], prefix: str) -> None:
        extra = raw.keys() - known
        if extra:
            for key in sorted(extra):
                problem = None if key.isprintable() else find_unsafe(key)
                if problem is not None:
                    raise self.fail(f"字段名 {excerpt(key)} 含有{problem}，不能导入。")
                if key != "...":
                    shown = excerpt(key, 40, quoted=False)
                    self.parsed.unknown_keys.append(f"{prefix}.{shown}" if prefix else shown)


# --- parsing -----------------------------------------------------------------------------------------


def parse_line(text: str, line_no: int, today: dt.date | None = None) -> ParsedLine:
    """Parse one line of a household file; raises :class:`LineError` on a structural error.

    Dates more than FUTURE_YEARS after `today` (default: the current date) are refused.
    """
    try:
        obj = decode_line(text)
    except Refused as exc:
        raise LineError(line_no, exc.message) from None
    return parse_object(obj, line_no, today)


def parse_object(obj: Any, line_no: int = 0, today: dt.date | None = None) -> ParsedLine:
    """Check and convert one decoded line (a unit or household object)."""
    parsed = ParsedLine(line_no)
    check = _Checker(parsed, today)
    if not isinstance(obj, dict):
        raise check.fail("应为 JSON 对象（unit 或 household 行）。")
    if "format" in obj:
        parsed.version = _parse_format(obj["format"], check)
        check.unknown(obj, ("format",), "")
    elif "unit" in obj:
        parsed.unit = _parse_unit(obj["unit"], check)
        check.unknown(obj, ("unit",), "")
    elif "household" in obj:
        parsed.household = _parse_household(obj, check)
        check.unknown(obj, ("household", "members"), "")
    else:
        sections = [section for section in map(by_name, obj) if section is not None]
        if len(sections) != 1:
            raise check.fail("既不是 unit 行也不是 household 行。")
        parsed.section = sections[0]
        parsed.row = _parse_row(sections[0], obj[sections[0].name], check)
        check.unknown(obj, (sections[0].name,), "")
    return parsed


def _parse_format(raw: Any, check: _Checker) -> int:
    """The version of a ``format`` line; a version this program cannot read is a :class:`FormatError`."""
    version = raw.get("version") if type(raw) is dict else None
    if type(version) is not int or version < 1:
        raise FormatError(check.parsed.line, f"文件格式版本 {_fmt(version)} 无效（应为正整数）。没有导入任何内容。")
    if version > FORMAT_VERSION:
        raise FormatError(
            check.parsed.line,
            f"文件格式版本为 {version}，高于本程序支持的 {FORMAT_VERSION}。请升级 Renkou 后再导入。没有导入任何内容。",
        )
    check.unknown(raw, ("version",), "format")
    return version


def _parse_row(section: Section, raw: Any, check: _Checker) -> dict[str, Any]:
    """One row of a section, checked column by column (see `store.interchange_tables`)."""
    where = section.title
    if type(raw) is not dict:
        raise check.fail(f"{where}（{section.name}）应为对象，现为 {_fmt(raw)}。")
    check.unknown(raw, section.items, section.name)
    row: dict[str, Any] = {}
    if section.person:
        row["person"] = check.value(where, "person", "ref", None, raw.get("person"), "", section.name)
        if row["person"] is None and section.person_required:
            raise check.fail(f"{where}缺少人员 person。")
    for column in section.columns:
        row[column.name] = check.column(where, section.name, column, raw.get(column.name))
    problem = section.check(row) if section.check else None
    if problem is not None:
        raise check.fail(f"{where}：{problem}")
    return row


def _parse_unit(raw: Any, check: _Checker) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise check.fail("unit 应为对象。")
    check.unknown(raw, ("code", "name", "level", "parent"), "unit")
    code, level, parent = raw.get("code"), raw.get("level"), raw.get("parent")
    if type(level) is not str or level not in UNIT_LEVELS:
        raise check.fail(f"单位级别 {_fmt(level)} 无效，应为 county、township、village 或 group。")
    if not isinstance(code, str) or not is_ascii_digits(code) or len(code) != UNIT_LEVELS[level]:
        raise check.fail(f"单位代码 {_fmt(code)} 无效：{level} 级应为 {UNIT_LEVELS[level]} 位数字。")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise check.fail(f"单位 {code} 缺少名称（应为文字，现为 {_fmt(name)}）。")
    check.safe(f"单位 {code} ", "name", name.strip(), _UNIT_NAME_LIMIT)
    if any(mark in name for mark in _UNIT_NAME_REFUSED):  # unit names become parts of file names (exports)
        raise check.fail(
            f"单位 {code} 的名称 {excerpt(name.strip())} 含有路径符号（/、\\ 或 ..），不能导入。请改正单位名称后重试。"
        )
    if parent is not None and (
        not isinstance(parent, str) or not is_ascii_digits(parent) or not code.startswith(parent) or parent == code
    ):
        raise check.fail(f"单位 {code} 的上级代码 {_fmt(parent)} 与本单位代码不符。")
    if parent is None and level != "county":
        raise check.fail(f"单位 {code} 缺少上级单位（parent）。")
    return {"code": code, "name": name.strip(), "level": level, "parent": parent}


_UNIT_NAME_LIMIT = 100
#: what a unit name may not contain: path separators and the parent-folder mark
_UNIT_NAME_REFUSED = ("/", "\\", "..")


def _parse_household(obj: dict[str, Any], check: _Checker) -> dict[str, Any]:
    raw = obj["household"]
    if not isinstance(raw, dict):
        raise check.fail("household 应为对象。")
    check.unknown(raw, HOUSEHOLD_KEYS, "household")
    code = raw.get("code")
    if not isinstance(code, str) or len(code) != 18 or not is_ascii_digits(code):
        raise check.fail(f"户编码 {_fmt(code)} 无效，应为 18 位数字。")
    where = f"户 {code} "
    unit, group = raw.get("unit"), raw.get("group")
    if unit != code[:12]:
        raise check.fail(f"{where}的 unit {_fmt(unit)} 应等于户编码前 12 位 {code[:12]}。")
    if group != code[12:14]:
        raise check.fail(f"{where}的 group {_fmt(group)} 应等于户编码第 13–14 位 {code[12:14]}。")
    kind = raw.get("kind") or "family"
    status = raw.get("status") or "active"
    household = {
        "code": code,
        "unit": unit,
        "group": group,
        "address": check.value(where, "address", "text", None, raw.get("address"), "", "household"),
        "hukou_type": check.value(where, "hukou_type", "code", "hukou_nature", raw.get("hukou_type")),
        "kind": check.value(where, "kind", "code", "household_kind", kind),
        "status": check.value(where, "status", "code", "household_status", status),
        "closed_date": check.value(where, "closed_date", "date", None, raw.get("closed_date")),
        "phone": check.value(where, "phone", "text", None, raw.get("phone"), "", "household"),
    }
    members_raw = obj.get("members") or []
    if not isinstance(members_raw, list):
        raise check.fail(f"{where}的 members 应为列表。")
    members = [_parse_member(m, i, code, check) for i, m in enumerate(members_raw)]
    dup = first_duplicate(m["key"] for m in members)
    if dup is not None:
        raise check.fail(f"{where}中人员 key {_fmt(dup)} 重复。")
    return {"household": household, "members": members}


def _parse_member(raw: Any, index: int, code: str, check: _Checker) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise check.fail(f"户 {code} 的第 {index + 1} 名成员应为对象。")
    check.unknown(raw, PERSON_KEYS, f"members[{index}]")
    key = raw.get("key")
    if not isinstance(key, str) or not key.strip():
        raise check.fail(f"户 {code} 的第 {index + 1} 名成员缺少 key（应为文字，现为 {_fmt(key)}）。")
    check.safe(f"户 {code} 的第 {index + 1} 名成员", "key", key, _KEY_LIMIT)
    name = raw.get("name")
    problem = name_problem(name) if isinstance(name, str) else None
    if problem is not None:  # the rule of the forms (store.domain.names), for every entry path
        raise check.fail(f"户 {code} 的第 {index + 1} 名成员：{problem}")
    if not isinstance(name, str) or not name:
        name = "无名"
    elif len(name) > 20 or not name.isprintable():
        name = excerpt(name, quoted=False)
    where = f"成员 {key}（{name}）"
    person: dict[str, Any] = {}
    for name, kind, table in PERSON_SCALARS:
        person[name] = check.value(where, name, kind, table, raw.get(name))
    person["id_type"] = person["id_type"] or "1"
    if person["id_number"] is not None:
        person["id_number"] = person["id_number"].strip() or None
    if person["rural"] is None and person["hukou_nature"] in ("1", "2"):
        person["rural"] = person["hukou_nature"] == "2"
    if person["rural"] is None and person["hukou_nature"] == "3":
        raise check.fail(f"{where}的户口性质为 3 居民，必须给出 rural（是否农村居民）。")
    person["spouse_external"] = check.block(where, "spouse_external", raw.get("spouse_external"), "spouse_external")
    person["flow"] = check.block(where, "flow", raw.get("flow"), "flow")
    person["moved_in"] = check.block(where, "moved_in", raw.get("moved_in"), "moved_in")
    person["cancel"] = check.block(where, "cancel", raw.get("cancel"), "cancel")
    person["benefits"] = check.blocks(where, "benefit", raw.get("benefits"), "benefits")
    person["confirmations"] = check.blocks(where, "confirmation", raw.get("confirmations"), "confirmations")
    if person["cancel"] is not None and person["cancel"]["reason"] is None:
        raise check.fail(f"{where}的 cancel 缺少注销原因 reason。")
    if person["flow"] is not None and person["flow"]["type"] is None:
        raise check.fail(f"{where}的 flow 缺少类型 type（inflow 或 outflow）。")
    for b in person["benefits"]:
        if b["kind"] is None:
            raise check.fail(f"{where}的 benefits 缺少扶助类别 kind。")
    woman = raw.get("woman")
    if woman is not None:
        if not isinstance(woman, dict):
            raise check.fail(f"{where}的 woman 应为对象。")
        check.unknown(woman, WOMAN_KEYS, f"members[{index}].woman")
        person["woman"] = {
            "children": check.blocks(where, "child", woman.get("children"), "woman.children"),
            "contraception": check.block(where, "contraception", woman.get("contraception"), "woman.contraception"),
            "pregnancies": check.blocks(where, "pregnancy", woman.get("pregnancies"), "woman.pregnancies"),
            "only_child_certificate": check.block(
                where, "certificate", woman.get("only_child_certificate"), "woman.only_child_certificate"
            ),
        }
    else:
        person["woman"] = None
    return person


# --- serialisation -----------------------------------------------------------------------------------


def to_plain(value: Any) -> Any:
    """A record as JSON-ready values: dates as ISO strings, internal (underscore) keys left out."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: to_plain(v) for k, v in value.items() if not k.startswith("_")}
    if isinstance(value, list):
        return [to_plain(v) for v in value]
    return value


def format_line() -> str:
    """The first line of a file written by this program: its format version."""
    return json.dumps({"format": {"version": FORMAT_VERSION}})


def unit_line(unit: dict[str, Any]) -> str:
    """One unit line."""
    return json.dumps({"unit": to_plain(unit)}, ensure_ascii=False)


def household_line(record: dict[str, Any]) -> str:
    """One household line; internal keys (leading underscore) are left out."""
    return json.dumps(to_plain(record), ensure_ascii=False)
