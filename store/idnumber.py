"""Resident ID numbers (公民身份号码) per GB 11643-1999, and legacy 15-digit numbers (GB 11643-1989).

Pure Python, no third-party imports. ``parse`` never raises and is cheap enough to run on every person
of a county in an audit (a few microseconds per number).

Layout of an 18-digit number: 6-digit address code, ``YYYYMMDD`` birth date, 3-digit order code
(17th digit odd = male, even = female), ISO 7064 MOD 11-2 check character (``0``-``9`` or ``X``).
A 15-digit number has ``YYMMDD`` (19xx) and no check character; its sex digit is the 15th.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

__all__ = [
    "CHECK_BY_REMAINDER",
    "WEIGHTS",
    "IdInfo",
    "LengthKind",
    "check_char",
    "date_of",
    "is_placeholder",
    "make_id",
    "mask",
    "normalize",
    "parse",
    "upgrade15",
]

LengthKind = Literal["18", "15", "invalid"]

WEIGHTS: tuple[int, ...] = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
# Check character indexed by S mod 11, where S = sum(digit_i * weight_i).
CHECK_BY_REMAINDER = "10X98765432"
# Check character indexed by (1 - 2 * int(first17, 13)) mod 11; equivalent to the table above
# because 13 ≡ 2 (mod 11) and weight_i = 2 ** (18 - i) mod 11.
_CHECK_BY_VALUE = "0123456789X"
_CHECK_CHARS = frozenset("0123456789X")
_ODD = frozenset("13579")
_ELLIPSIS = "…"
_DATE_CACHE_MAX = 200_000


def _build_normalize_table() -> dict[int, int | None]:
    """Translation table: full-width ASCII to half-width, x to X, invisible separators removed."""
    table: dict[int, int | None] = {}
    for code in range(0xFF01, 0xFF5F):  # full-width ！ .. ～
        table[code] = code - 0xFEE0
    table[0x3000] = None  # ideographic (full-width) space
    for code in (0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF):  # zero-width characters, BOM
        table[code] = None
    table[ord("x")] = ord("X")
    table[0xFF58] = ord("X")  # full-width ｘ
    return table


_NORMALIZE_TABLE = _build_normalize_table()
_date_cache: dict[str, date | None] = {}


@dataclass(frozen=True, slots=True)
class IdInfo:
    """Everything derivable from one ID number without outside data.

    ``length_kind`` depends on length alone; the other properties need ``format_ok``
    (17 ASCII digits + digit/X, or 15 ASCII digits) and are empty/None otherwise.
    """

    number: str
    canonical: str | None
    length_kind: LengthKind
    format_ok: bool
    checksum_ok: bool | None
    expected_check: str | None
    birth_date: date | None
    date_part: str
    sex: str | None
    region: str
    placeholder: bool


def normalize(raw: str) -> str:
    """Remove all whitespace, make full-width digits/letters half-width and ``x`` upper-case."""
    if raw.isascii() and raw.isalnum():  # fast path: nothing to remove or widen
        return raw.replace("x", "X")
    text = raw.translate(_NORMALIZE_TABLE)
    return "".join(text.split())


def _is_ascii_digits(text: str) -> bool:
    """True for a non-empty string of ASCII digits only."""
    return text.isascii() and text.isdigit()


def _check_value(first17: str) -> str:
    """Check character of 17 ASCII digits (no validation)."""
    return _CHECK_BY_VALUE[(1 - 2 * int(first17, 13)) % 11]


def check_char(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character for the first 17 digits of an ID number."""
    if len(first17) != 17 or not _is_ascii_digits(first17):
        raise ValueError(f"需要17位数字：{first17!r}")
    return _check_value(first17)


def upgrade15(number15: str) -> str:
    """Upgrade a 15-digit legacy number to 18 digits (insert ``19``, append the check character)."""
    if len(number15) != 15 or not _is_ascii_digits(number15):
        raise ValueError(f"需要15位数字：{number15!r}")
    first17 = number15[:6] + "19" + number15[6:]
    return first17 + _check_value(first17)


def is_placeholder(number: str) -> bool:
    """True for placeholder numbers: all zeros, or ``000000`` + 8-digit date + ``0000``."""
    if not number:
        return False
    if number.count("0") == len(number):
        return True
    return (
        len(number) == 18 and number.startswith("000000") and number.endswith("0000") and _is_ascii_digits(number[6:14])
    )


def date_of(date_part: str) -> date | None:
    """The date of an 8-digit ``YYYYMMDD`` string, or None if it is not a real date (cached)."""
    try:
        return _date_cache[date_part]
    except KeyError:
        pass
    try:
        value: date | None = date(int(date_part[:4]), int(date_part[4:6]), int(date_part[6:8]))
    except ValueError:
        value = None
    if len(_date_cache) < _DATE_CACHE_MAX:
        _date_cache[date_part] = value
    return value


def _invalid(number: str, kind: LengthKind) -> IdInfo:
    """IdInfo for a number whose format is wrong."""
    return IdInfo(
        number=number,
        canonical=None,
        length_kind=kind,
        format_ok=False,
        checksum_ok=None,
        expected_check=None,
        birth_date=None,
        date_part="",
        sex=None,
        region="",
        placeholder=is_placeholder(number),
    )


def _parse18(number: str) -> IdInfo:
    """Parse a normalised 18-character number."""
    first17 = number[:17]
    if not (first17.isascii() and first17.isdigit() and number[17] in _CHECK_CHARS):
        return _invalid(number, "18")
    expected = _check_value(first17)
    date_part = number[6:14]
    return IdInfo(
        number=number,
        canonical=number,
        length_kind="18",
        format_ok=True,
        checksum_ok=number[17] == expected,
        expected_check=expected,
        birth_date=date_of(date_part),
        date_part=date_part,
        sex="1" if number[16] in _ODD else "2",
        region=number[:6],
        placeholder=is_placeholder(number),
    )


def _parse15(number: str) -> IdInfo:
    """Parse a normalised 15-character number."""
    if not _is_ascii_digits(number):
        return _invalid(number, "15")
    date_part = "19" + number[6:12]
    return IdInfo(
        number=number,
        canonical=upgrade15(number),
        length_kind="15",
        format_ok=True,
        checksum_ok=None,
        expected_check=None,
        birth_date=date_of(date_part),
        date_part=date_part,
        sex="1" if number[14] in _ODD else "2",
        region=number[:6],
        placeholder=is_placeholder(number),
    )


def parse(raw: str) -> IdInfo:
    """Normalise and analyse an ID number; never raises for a string."""
    number = normalize(raw)
    size = len(number)
    if size == 18:
        return _parse18(number)
    if size == 15:
        return _parse15(number)
    return _invalid(number, "invalid")


def make_id(region6: str, birth: date, seq3: int) -> str:
    """Build a valid 18-digit number; the parity of ``seq3`` gives the sex (odd = male)."""
    if len(region6) != 6 or not _is_ascii_digits(region6):
        raise ValueError(f"地区代码须为6位数字：{region6!r}")
    if not 0 <= seq3 <= 999:
        raise ValueError(f"顺序码须在0到999之间：{seq3}")
    first17 = f"{region6}{birth.year:04d}{birth.month:02d}{birth.day:02d}{seq3:03d}"
    return first17 + _check_value(first17)


def mask(number: str | None) -> str:
    """Mask a number for display, keeping the first 4 and last 4 characters (``4304…0019``)."""
    if not number:
        return ""
    text = normalize(number)
    if len(text) <= 8:
        return text
    return text[:4] + _ELLIPSIS + text[-4:]
