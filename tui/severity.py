"""How E (error), W (warning) and I (hint) look: told apart by symbol and weight, never by colour alone
(design §3: NO_COLOR, monochrome and 16-colour terminals). No widgets here.

The app calls :func:`configure` once (``--ascii``: marks of plain ASCII, which no terminal draws double-wide;
``NO_COLOR``: no colours at all, so Textual's monochrome filter cannot turn red into dark grey on black)."""

from __future__ import annotations

__all__ = ["configure", "mark", "style"]

_MARKS = {"E": "■E", "W": "▲W", "I": "·I"}
_ASCII_MARKS = {"E": "!E", "W": "?W", "I": ".I"}
_COLOURS = {"E": "bold red", "W": "yellow", "I": "cyan"}
_PLAIN = {"E": "bold", "W": "", "I": "dim"}

_settings = {"ascii": False, "colour": True}


def configure(*, ascii: bool, colour: bool) -> None:
    """Set the marks (ASCII or not) and whether styles carry colours (False under NO_COLOR)."""
    _settings["ascii"] = ascii
    _settings["colour"] = colour


def mark(severity: str) -> str:
    """The mark of a severity: ■E, ▲W, ·I (!E, ?W, .I in ASCII mode); other values as they are."""
    return (_ASCII_MARKS if _settings["ascii"] else _MARKS).get(severity, severity)


def style(severity: str) -> str:
    """The Rich style of a severity's mark: bold for E, coloured unless NO_COLOR."""
    return (_COLOURS if _settings["colour"] else _PLAIN).get(severity, "")
