"""Text-safety predicates for values typed or imported by users (pure; no store imports but `idnumber`).

Imports and forms refuse text that would corrupt a terminal, a report or the database: NUL and other C0/C1
control characters (an ANSI escape starts with one), bidirectional overrides and marks (which make a name
display as something else), and lone surrogates (which no encoder accepts). Messages never echo a whole
value: :func:`excerpt` keeps a short, printable prefix.
"""

from __future__ import annotations

import json
import re
from typing import Any

from store.idnumber import normalize as _normalize_id

__all__ = [
    "EXCERPT_CHARS",
    "describe",
    "excerpt",
    "find_unsafe",
    "is_ascii_digits",
    "normalize_id",
    "unsafe_message",
    "visible",
]

#: Characters of a value quoted in a message before it is cut with "…".
EXCERPT_CHARS = 20

_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
#: C0 controls (tab, newline and ESC included), DEL, C1 controls, bidi controls, lone surrogates.
_UNSAFE = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI}\ud800-\udfff]")
_BIDI_SET = frozenset(chr(c) for c in (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)))


def find_unsafe(text: str) -> str | None:
    """A Chinese description of the first unsafe character of `text` (None when it has none)."""
    found = _UNSAFE.search(text)
    if found is None:
        return None
    char = found.group()
    point = ord(char)
    if char == "\x1b":
        return "终端控制序列（ESC，U+001B）"
    if char in _BIDI_SET:
        return f"文字方向控制字符 U+{point:04X}"
    if 0xD800 <= point <= 0xDFFF:
        return f"无效的代理字符 U+{point:04X}"
    return f"控制字符 U+{point:04X}"


def unsafe_message(text: str) -> str | None:
    """A Chinese clause saying why `text` cannot be stored, quoting an escaped excerpt; None when safe."""
    what = find_unsafe(text)
    return None if what is None else f"{excerpt(text)} 含有{what}，不能保存"


def _escape(char: str) -> str:
    point = ord(char)
    return f"\\x{point:02x}" if point < 0x100 else f"\\u{point:04x}"


def visible(text: str, *, keep_newlines: bool = False) -> str:
    """`text` with every unsafe character (terminal escapes, bidi controls, …) shown as its escape, e.g.
    ``\\x1b``: what a screen shows of untrusted text. `keep_newlines` leaves line breaks as they are."""
    if keep_newlines:
        return "\n".join(_UNSAFE.sub(lambda m: _escape(m.group()), line) for line in text.split("\n"))
    return _UNSAFE.sub(lambda m: _escape(m.group()), text)


def excerpt(text: str, limit: int = EXCERPT_CHARS, *, quoted: bool = True) -> str:
    """`text` cut to `limit` characters plus "…", unsafe characters shown escaped, quoted as “…” by default."""
    shown = _UNSAFE.sub(lambda m: _escape(m.group()), text[:limit]) + ("…" if len(text) > limit else "")
    return f"“{shown}”" if quoted else shown


def describe(value: Any, limit: int = EXCERPT_CHARS) -> str:
    """Any decoded JSON value as a short, printable excerpt for a message (never the whole value)."""
    if isinstance(value, str):
        return excerpt(value, limit)
    if value is None or isinstance(value, bool | float):
        return json.dumps(value)
    if isinstance(value, int):
        if abs(value) >= 10**60:  # str() of a huge integer is slow, and refused past 4 300 digits
            return "（超过 60 位的整数）"
        text = str(value)
        return text if len(text) <= limit else f"{text[:limit]}…（{len(text.lstrip('-'))} 位）"
    if isinstance(value, list):
        return f"[…]（{len(value)} 项的列表）" if value else "[]"
    if isinstance(value, dict):
        return f"{{…}}（有 {len(value)} 个字段的对象）" if value else "{}"
    return excerpt(repr(value), limit)


def is_ascii_digits(text: str) -> bool:
    """True for a non-empty string of ASCII digits 0-9 only (``str.isdigit`` also accepts ² and ３)."""
    return text.isascii() and text.isdigit()


def normalize_id(raw: str) -> str:
    """An ID number as stored: whitespace removed, full-width characters half-width, ``x`` as ``X``."""
    return _normalize_id(raw)
