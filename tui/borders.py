"""ASCII borders everywhere (``--ascii``, ``TERM=linux``): every box Textual draws — the app's own and its
widgets' — uses ``+ - |``, which no terminal draws double-wide and every console font has.

Textual keeps its box characters in one table (``textual._border``); :func:`use_ascii` points every visible
border type at the ASCII characters while the app runs and restores the table afterwards."""

from __future__ import annotations

import textual._border as textual_border

__all__ = ["use_ascii"]

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
