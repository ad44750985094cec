"""Text on screen: untrusted text shown literally (:func:`display_text`, :func:`plain`), and wrapping mixed
Chinese/ASCII text by terminal cells (no widgets here).

Every text from the database or an import (names, addresses, unit names, reasons, messages quoting them) is
untrusted: a name typed as ``[/]王`` must show as ``[/]王``, not crash Rich's markup parser, and ``[b]…[/b]``
must not turn bold. Screens therefore pass such text as :class:`rich.text.Text` (:func:`plain`) or to widgets
with ``markup=False``, never inside an f-string that is parsed as markup; terminal escapes and bidi overrides
are shown as visible escapes (``\\x1b``, ``\\u202e``) so they neither reach the terminal nor reorder a line.
"""

from __future__ import annotations

import re

from rich.cells import cell_len
from rich.text import Text

from store.textsafe import visible

__all__ = ["display_text", "plain", "wrap_cells"]


def display_text(value: object, *, multiline: bool = False) -> str:
    """`value` as a plain string safe for a terminal: None as "", unsafe characters as visible escapes
    (line breaks kept with `multiline`). Still plain text: pass it as :func:`plain` or with ``markup=False``."""
    if value is None:
        return ""
    return visible(str(value), keep_newlines=multiline)


def plain(value: object, style: str = "", *, multiline: bool = False, no_wrap: bool = False) -> Text:
    """`value` as a Rich :class:`Text` (never parsed as markup), made safe by :func:`display_text`."""
    return Text(display_text(value, multiline=multiline), style=style, no_wrap=no_wrap)


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
