"""Text that fits terminal cells: wrapping mixed Chinese/ASCII text (no widgets here)."""

from __future__ import annotations

import re

from rich.cells import cell_len

_TOKENS = re.compile(r"[A-Za-z0-9.:/%+\-]+|\s+|.")
_NO_LINE_START = set("，。、；：？！）》」』】,.;:?!)")
_NO_LINE_END = set("（《「『【(")


def wrap_cells(text: str, width: int, indent: int = 2) -> list[str]:
    """Wrap mixed Chinese/ASCII text by terminal cells: any Chinese character may end a line, ASCII runs
    (dates, numbers, rule codes) stay whole, closing punctuation never starts a line; later lines indented."""
    width = max(width, indent + 8)
    lines: list[str] = []
    line = ""
    for token in _TOKENS.findall(text):
        if token.isspace():
            token = " "
            if not line.strip():
                continue
        if cell_len(line) + cell_len(token) <= width or not line.strip():
            line += token
            continue
        carry = ""
        if token in _NO_LINE_START and len(line.rstrip()) > 1:
            line, carry = line[:-1], line[-1]
        while line.rstrip() and line.rstrip()[-1] in _NO_LINE_END and len(line.strip()) > 1:
            line = line.rstrip()
            line, carry = line[:-1], line[-1] + carry
        lines.append(line.rstrip())
        line = " " * indent + carry + ("" if token == " " else token)
    if line.strip():
        lines.append(line.rstrip())
    return lines
