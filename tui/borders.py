"""ASCII everywhere (``--ascii``, ``TERM=linux``): every box Textual draws — the app's own and its widgets' —
uses ``+ - |``, and every other glyph (section rules, scrollbars, tree guides, arrows, ``…``) an ASCII stand-in,
which no terminal draws double-wide and every console font has. Chinese text stays as it is.

Textual keeps its box characters in one table (``textual._border``); :func:`use_ascii` points every visible
border type at the ASCII characters while the app runs and restores the table afterwards. The rest is a line
filter (:class:`AsciiGlyphs`) the app adds to Textual's own (``App.get_line_filters``): one cell for one cell,
so no layout moves."""

from __future__ import annotations

from functools import cache
from unicodedata import east_asian_width
from unicodedata import name as unicodedata_name

import textual._border as textual_border
from rich.segment import Segment
from textual.color import Color
from textual.filter import LineFilter

__all__ = ["AsciiGlyphs", "ascii_glyph", "ascii_text", "use_ascii"]

_CHARS = dict(textual_border.BORDER_CHARS)
_LOCATIONS = dict(textual_border.BORDER_LOCATIONS)
_INVISIBLE = frozenset({"", "none", "hidden", "blank", "ascii"})


def use_ascii(on: bool) -> None:
    """Draw every border with ASCII characters (`on`), or with Textual's own again."""
    for name in _CHARS:
        ascii_here = on and name not in _INVISIBLE
        textual_border.BORDER_CHARS[name] = _CHARS["ascii"] if ascii_here else _CHARS[name]
        textual_border.BORDER_LOCATIONS[name] = _LOCATIONS["ascii"] if ascii_here else _LOCATIONS[name]
    textual_border.get_box.cache_clear()


# --- every other glyph -----------------------------------------------------------------------------------

#: single-cell glyphs Textual and the screens draw, and their ASCII stand-ins (one cell each, so no layout moves)
_GLYPHS = {
    "▲": "^", "△": "^", "▴": "^", "↑": "^", "▼": "v", "▽": "v", "▾": "v", "↓": "v",
    "▶": ">", "▸": ">", "›": ">", "‹": "<", "►": ">", "→": ">", "»": ">", "◀": "<", "◂": "<", "◄": "<", "←": "<", "«": "<",
    "■": "#", "□": "#", "▪": "#", "●": "*", "○": "o", "◆": "*", "◇": "*", "•": "*", "·": ".", "…": ".",
    "—": "-", "–": "-", "‐": "-", "―": "-", "‘": "'", "’": "'", "“": '"', "”": '"', "×": "x", "✓": "v",
    "✔": "v", "✗": "x", "✘": "x", "▁": "_", "▔": "-", "⏎": "<", "°": "o", "±": "+",
}  # fmt: skip


@cache
def ascii_glyph(char: str) -> str:
    """The ASCII stand-in of a one-cell glyph (box lines ``-|+``, blocks ``#``, arrows ``^v<>``, ``…`` ``.``);
    ASCII and double-width characters (Chinese text, full-width punctuation) are kept as they are."""
    if char.isascii() or east_asian_width(char) in ("W", "F") or not char.isprintable():
        return char
    if char in _GLYPHS:
        return _GLYPHS[char]
    code = ord(char)
    if 0x2500 <= code <= 0x257F:  # box drawing: the direction of the line
        name = unicodedata_name(char, "")
        horizontal, vertical = "HORIZONTAL" in name or "LEFT" in name or "RIGHT" in name, "VERTICAL" in name or (
            "UP" in name or "DOWN" in name)  # fmt: skip
        return "+" if horizontal == vertical else "-" if horizontal else "|"
    if 0x2580 <= code <= 0x259F:  # block elements: scrollbar thumbs, half blocks
        return "#"
    return "?"


def ascii_text(text: str) -> str:
    """`text` with every one-cell glyph replaced by :func:`ascii_glyph` (the same width in cells)."""
    return text if text.isascii() else "".join(map(ascii_glyph, text))


class AsciiGlyphs(LineFilter):
    """The line filter of ASCII mode: whatever a widget draws — section rules, scrollbars, tree guides, the
    arrows of a select, a password's dots — reaches the terminal as ASCII (Chinese text unchanged)."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        return [segment if segment.text.isascii() or segment.control else
                Segment(ascii_text(segment.text), segment.style, segment.control) for segment in segments]  # fmt: skip
