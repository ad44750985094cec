"""Bounds on what an import reads: line length, JSON nesting, number size, and line-by-line decoding.

A hostile or corrupt file must end in a Chinese message naming its physical line, never in a crash:
lines are read as bytes (bounded) and decoded one by one, so an undecodable line is reported on its own
number; nesting is measured with a cheap scan before ``json.loads`` can recurse; integers longer than
any column are refused while decoding; duplicate object keys are refused instead of the last one winning
(the names of unknown keys are checked where they are reported, `store.interchange`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import IO, Any

from store.textsafe import excerpt

__all__ = ["MAX_DEPTH", "MAX_INT_DIGITS", "MAX_LINE_BYTES", "NotUtf8", "Refused", "decode_line", "numbered_lines"]

#: Longest accepted line: a collective household of a few thousand members still fits.
MAX_LINE_BYTES = 8 * 1024 * 1024
#: Deepest accepted nesting of arrays and objects (the format itself needs 6).
MAX_DEPTH = 16
#: Longest accepted integer literal (sign included); every integer column is int32 (10 digits).
MAX_INT_DIGITS = 12

_BOM = b"\xef\xbb\xbf"
_STRINGS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}]")


class Refused(Exception):
    """A line the importer refuses before checking its content; the message is Chinese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotUtf8(Refused):
    """A line that is not UTF-8: the whole file is in another encoding or damaged."""


def numbered_lines(handle: IO[bytes], max_bytes: int = MAX_LINE_BYTES) -> Iterator[tuple[int, str | Refused]]:
    """Non-blank lines of a binary file, numbered by physical line (``\\n``), decoded as UTF-8 one by one.

    A line longer than `max_bytes` is yielded as :class:`Refused` (and skipped without being held in
    memory), one that does not decode as :class:`NotUtf8`. A UTF-8 BOM at the start is ignored.
    """
    line_no = 0
    while raw := handle.readline(max_bytes + 1):
        line_no += 1
        if len(raw) > max_bytes and not raw.endswith(b"\n"):
            size = len(raw)
            while not raw.endswith(b"\n") and (raw := handle.readline(1 << 20)):
                size += len(raw)
            too_long = (
                f"这一行过长（{size / 1048576:.0f} MB），超过上限 {max_bytes // 1048576} MB。请检查文件是否损坏。"
            )
            yield line_no, Refused(too_long)
            continue
        if line_no == 1 and raw.startswith(_BOM):
            raw = raw[len(_BOM) :]
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield line_no, NotUtf8(f"不是 UTF-8 编码（该行第 {exc.start + 1} 个字节无法识别）")
            continue
        if text.strip():
            yield line_no, text


def nesting_depth(text: str, limit: int = MAX_DEPTH) -> int:
    """The deepest nesting of arrays/objects in a JSON text, counted until it passes `limit`.

    Brackets are first counted ignoring strings (fast); only a line that looks too deep is scanned again
    without its strings. Closing brackets inside strings can hide depth from the fast count: such a
    line is then refused by ``json.loads`` itself (RecursionError, see :func:`decode_line`) or, when
    not that deep, by the checks of the items.
    """
    if text.count("[") + text.count("{") <= limit:  # cannot be deeper than the number of openers
        return 0
    deepest = _deepest(_BRACKETS.findall(text), limit)
    return deepest if deepest <= limit else _deepest(_BRACKETS.findall(_STRINGS.sub("", text)), limit)


def _deepest(brackets: list[str], limit: int) -> int:
    depth = deepest = 0
    for bracket in brackets:
        if bracket in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    break
        else:
            depth -= 1
    return deepest


def _int(literal: str) -> int:
    if len(literal) > MAX_INT_DIGITS:
        digits = len(literal.lstrip("-"))
        raise Refused(
            f"数字 {excerpt(literal, quoted=False)} 过大（{digits} 位）。身份证号等编号应写成文字（加双引号）。"
        )
    return int(literal)


def _constant(name: str) -> Any:
    raise Refused(f"{name} 不是有效的 JSON 数值。")


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        duplicate = next(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
        raise Refused(f"字段 {excerpt(duplicate)} 在同一对象中出现了两次（不知道以哪个为准）。")
    return obj


def decode_line(text: str) -> Any:
    """``json.loads`` of one line within the bounds above; raises :class:`Refused` with a Chinese message."""
    if nesting_depth(text) > MAX_DEPTH:
        raise Refused(f"嵌套层数超过 {MAX_DEPTH} 层，不是户文件的格式。请检查文件是否损坏。")
    try:
        return json.loads(text, object_pairs_hook=_object, parse_int=_int, parse_constant=_constant)
    except json.JSONDecodeError as exc:
        raise Refused(f"不是有效的 JSON（第 {exc.colno} 列：{exc.msg}）。") from None
    except RecursionError:  # the scan above should make this unreachable
        raise Refused(f"嵌套层数超过 {MAX_DEPTH} 层，不是户文件的格式。请检查文件是否损坏。") from None
    except ValueError as exc:
        raise Refused(f"不是有效的 JSON（{excerpt(str(exc), 60, quoted=False)}）。") from None
