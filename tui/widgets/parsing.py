"""What the entry fields make of typed text: dates, code-table entries, ID numbers.

Pure Python (no Textual) so every rule here is unit-testable. Each function takes the text as typed and
says whether it is still being typed (``partial``), complete (the field may advance), or wrong, with a
Chinese message for the clerk. ``final=True`` means the clerk pressed Enter or left the field: partial
text then either resolves (a 6-digit date, a 15-digit ID) or becomes an error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

from store import idnumber
from store.codes import Code, CodeTable
from store.domain.idcheck import EARLIEST_BIRTH, birth_problem

__all__ = [
    "EARLIEST_DATE",
    "CodeLookup",
    "DateParse",
    "FuturePolicy",
    "IdCheck",
    "IdState",
    "check_id",
    "format_date",
    "lookup_code",
    "normalize_typed",
    "parse_date",
]

FuturePolicy = Literal["allow", "warn", "error"]
EARLIEST_DATE = EARLIEST_BIRTH  # the earliest date a date field takes (the earliest birth date of rules.md ID03)

# full-width ASCII (！..～) to half-width; ideographic space removed
_WIDTH_TABLE: dict[int, int | None] = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: None}
_DATE_SEPARATORS = str.maketrans({".": "-", "/": "-", "年": "-", "月": "-", "日": None, "号": None, "_": "-"})
_SEPARATED = re.compile(r"(\d{2}|\d{4})-(\d{1,2})-(\d{1,2})")
_SEPARATED_PARTIAL = re.compile(r"\d{0,4}(-\d{0,2}(-\d{0,2})?)?")


def normalize_typed(text: str) -> str:
    """Full-width letters, digits and punctuation made half-width; spaces removed."""
    return "".join(text.translate(_WIDTH_TABLE).split())


def format_date(year: int, month: int, day: int) -> str:
    """``YYYY-MM-DD`` even for numbers that are not a real date."""
    return f"{year:04d}-{month:02d}-{day:02d}"


@dataclass(frozen=True, slots=True)
class DateParse:
    """The reading of a date field's text.

    ``complete``: nothing more can be typed (8 digits, or year-month-day with a two-digit day), so the field
    may move on when ``value`` is set. ``error`` is set for text that is not (or cannot become) a date;
    ``warning`` for a real date that deserves a second look (in the future).
    """

    text: str
    value: date | None
    complete: bool
    error: str | None = None
    warning: str | None = None

    @property
    def partial(self) -> bool:
        """Still being typed: no value and nothing wrong yet."""
        return self.value is None and self.error is None and bool(self.text)


def _century_year(two_digits: int, month: int, day: int, today: date) -> int:
    """The year ending in ``two_digits`` that puts (month, day) on or before today, closest to today."""
    year = today.year - (today.year - two_digits) % 100
    if (month, day) > (today.month, today.day) and year == today.year:
        year -= 100
    return year


def _checked(
    text: str, year: int, month: int, day: int, complete: bool, today: date, future: FuturePolicy, earliest: date | None
) -> DateParse:
    """A DateParse for numeric parts: impossible, too early or future dates get their message."""
    try:
        value = date(year, month, day)
    except ValueError:
        return DateParse(text, None, complete, f"日期不存在：{format_date(year, month, day)}，请核对")
    shown = value.isoformat()
    if earliest is not None and value < earliest:
        return DateParse(text, None, complete, f"日期过早：{shown}，请核对")
    if value > today and future != "allow":
        message = f"日期晚于今天：{shown}"
        if future == "error":
            return DateParse(text, None, complete, message + "，请核对")
        return DateParse(text, value, complete, warning=message)
    return DateParse(text, value, complete)


def parse_date(
    text: str,
    *,
    today: date | None = None,
    final: bool = False,
    future: FuturePolicy = "warn",
    earliest: date | None = EARLIEST_DATE,
) -> DateParse:
    """Read a typed date: ``19850312``, ``1985-3-12``, ``1985.3.12``, ``1985/3/12``, ``1985年3月12日``,
    and on ``final`` also ``850312`` / ``85-3-12`` (two-digit year: the century that puts the date on or
    before today, closest to today).

    Never raises; never changes ``text`` (the caller keeps what was typed).
    """
    today = today or date.today()
    key = normalize_typed(text).translate(_DATE_SEPARATORS).strip("-") if text else ""
    if not key:
        return DateParse(text, None, False)
    opts = (today, future, earliest)
    if key.isascii() and key.isdigit():
        size = len(key)
        if size == 8:
            return _checked(text, int(key[:4]), int(key[4:6]), int(key[6:]), True, *opts)
        if size == 6 and final:
            month, day = int(key[2:4]), int(key[4:])
            return _checked(text, _century_year(int(key[:2]), month, day, today), month, day, False, *opts)
        if size > 8 or final:
            return DateParse(text, None, size > 8, f"日期位数不对：{key}，请输入如 19850312 或 1985-3-12")
        return DateParse(text, None, False)
    match = _SEPARATED.fullmatch(key)
    if match and (final or len(match[3]) == 2):
        year, month, day = int(match[1]), int(match[2]), int(match[3])
        if len(match[1]) == 2:
            if not final:
                return DateParse(text, None, False)
            year = _century_year(year, month, day, today)
        return _checked(text, year, month, day, len(match[1]) == 4 and len(match[3]) == 2, *opts)
    if not final and key.isascii() and _SEPARATED_PARTIAL.fullmatch(key):
        return DateParse(text, None, False)
    return DateParse(text, None, False, f"日期格式不对：{text.strip()}，请输入如 19850312 或 1985-3-12")


# --- code tables ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CodeLookup:
    """The reading of a code field's text.

    ``code`` is set when the text names one code outright (the code itself, or a label typed in full);
    ``complete`` when it is the code typed in full and no longer code starts with it (the field may move on);
    ``candidates`` are the table's matches, best first (pinyin initials, label text, code prefix).
    """

    text: str
    code: str | None
    label: str
    complete: bool
    candidates: tuple[Code, ...]

    @property
    def pick(self) -> Code | None:
        """The candidate Enter takes: the named code, else the best match."""
        return self.candidates[0] if self.candidates else None


def lookup_code(table: CodeTable, text: str, *, limit: int = 8) -> CodeLookup:
    """Match typed text against a code table (``01``, ``hz`` → 01 汉族, ``汉`` → 01 汉族)."""
    key = normalize_typed(text).lower()
    if not key:
        return CodeLookup(text, None, "", False, ())
    if table.is_valid(key):
        longer = any(c.code != key and c.code.startswith(key) for c in table.codes)
        named = table.get(key) or Code(key, table.label(key), (), table.short(key))
        others = (c for c in table.match(key) if c.code != key)
        return CodeLookup(text, key, named.label, not longer, (named, *others)[:limit])
    candidates = tuple(table.match(key)[:limit])
    named = next((c for c in table.codes if key in (c.label, c.short)), None)
    if named is not None:
        return CodeLookup(text, named.code, named.label, False, (named, *(c for c in candidates if c is not named)))
    return CodeLookup(text, None, "", False, candidates)


# --- ID numbers ----------------------------------------------------------------------------------

IdState = Literal["empty", "partial", "ok", "legacy", "placeholder", "error"]


@dataclass(frozen=True, slots=True)
class IdCheck:
    """The reading of an ID field's text.

    ``state``: ``ok`` (valid 18-digit), ``legacy`` (consistent 15-digit, accepted on Enter), ``placeholder``
    (all zeros or ``000000`` + date + ``0000``: counts as no ID), ``error`` (``message`` says why and, for a
    wrong check character, which one is expected), ``partial`` or ``empty``.
    """

    number: str
    state: IdState
    message: str = ""
    sex: str | None = None
    birth_date: date | None = None
    expected_check: str | None = None
    upgraded: str | None = None

    @property
    def accepted(self) -> bool:
        """The field may move on with this number."""
        return self.state in ("ok", "legacy", "placeholder", "empty")


def check_id(text: str, *, final: bool = False, today: date | None = None, earliest: date = EARLIEST_BIRTH) -> IdCheck:
    """Check a typed ID number at once (18 characters) or on Enter (15-digit legacy, anything shorter); the
    birth date it carries must lie from `earliest` (the audit setting ``id_min_birth``) to `today`."""
    today = today or date.today()
    number = idnumber.normalize(text)
    size = len(number)
    if not number:
        return IdCheck(number, "empty")
    if idnumber.is_placeholder(number) and (size == 18 or final):
        return IdCheck(number, "placeholder", "占位号码，按无证件号码处理")
    if size == 18:
        info = idnumber.parse(number)
        if not info.format_ok:
            return IdCheck(number, "error", "身份证号格式不对：前17位应为数字，末位为数字或X")
        problems = [p for p in (birth_problem(info, today, earliest),) if p]
        if not info.checksum_ok:
            problems.append(f"校验位应为 {info.expected_check}，现为 {number[17]}")
        if problems:
            return IdCheck(number, "error", "；".join(problems), expected_check=info.expected_check)
        return IdCheck(number, "ok", "", info.sex, info.birth_date, info.expected_check)
    if size == 15 and final:
        info = idnumber.parse(number)
        if not info.format_ok:
            return IdCheck(number, "error", "15位旧号码应全为数字")
        problem = birth_problem(info, today, earliest)
        if problem:
            return IdCheck(number, "error", problem)
        upgraded = info.canonical
        return IdCheck(number, "legacy", f"15位旧号码，18位为 {upgraded}", info.sex, info.birth_date, upgraded=upgraded)
    if size > 18:
        return IdCheck(number, "error", f"身份证号应为18位，现为 {size} 位")
    if not (number[:17].isascii() and number[:17].isdigit()):
        return IdCheck(number, "error", "身份证号前17位应为数字")
    if final:
        return IdCheck(number, "error", f"身份证号应为18位（或旧15位），现为 {size} 位")
    return IdCheck(number, "partial")
