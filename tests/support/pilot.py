"""Reading a running app through Textual's public API, and waiting for it to settle."""

from __future__ import annotations

import contextlib
import html
import re
from collections.abc import Callable
from typing import Any
from unicodedata import east_asian_width

from rich.cells import cell_len
from textual.app import App
from textual.errors import NoWidget
from textual.geometry import Region
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Label
from textual.worker import WorkerCancelled

from tui.widgets.field import Field


def shown(widget: Widget) -> str:
    """The text a widget draws at its current size (``Widget.render_lines``)."""
    width, height = widget.size
    return "\n".join(strip.text for strip in widget.render_lines(Region(0, 0, width, height)))


def screen_text(screen: Screen) -> str:
    """The screen as the terminal shows it, one line per row: each visible widget's ``render_lines`` painted
    at its place (``Screen.find_widget``), parents first (a modal screen shows only its own widgets)."""
    width, height = screen.size
    canvas = [[" "] * width for _ in range(height)]
    for widget in [screen, *screen.walk_children(Widget)]:
        try:
            geometry = screen.find_widget(widget)
        except NoWidget:
            continue
        visible = geometry.visible_region.intersection(Region(0, 0, width, height))
        if not visible.area or not widget.display or not widget.visible:
            continue
        region = geometry.region
        strips = widget.render_lines(Region(0, 0, region.width, region.height))
        for y in range(visible.y, visible.bottom):
            strip = strips[y - region.y].crop(visible.x - region.x, visible.right - region.x)
            x = visible.x
            for char in strip.text:
                size = cell_len(char)
                if x + size > visible.right:
                    break
                canvas[y][x] = char
                if size == 2:
                    canvas[y][x + 1] = ""
                x += size
    return "\n".join("".join(row).rstrip() for row in canvas)


def field(screen: Screen, path: str) -> Field:
    """The form field that edits `path` (fields are named after their path)."""
    for candidate in screen.query(Field):
        if candidate.name == path:
            return candidate
    raise LookupError(path)


def focused_path(screen: Screen) -> str | None:
    """The path of the form field holding the focus (None when the focus is elsewhere)."""
    owner = getattr(screen.focused, "field", None)
    return owner.name if isinstance(owner, Field) else None


def label_of(screen: Screen, path: str) -> Label:
    """The label drawn just before the field of `path`."""
    target = field(screen, path)
    assert target.parent is not None
    siblings = list(target.parent.children)
    label = siblings[siblings.index(target) - 1]
    assert isinstance(label, Label), label
    return label


async def settle(pilot: Pilot, condition: Callable[[], bool] = lambda: True) -> None:
    """Let workers finish and the screen refresh until `condition` holds."""
    for _ in range(200):
        with contextlib.suppress(WorkerCancelled):  # a job replaced by a newer one of its group (`tui.jobs`)
            await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        if condition():
            return
    raise AssertionError("the screen did not reach the expected state")


def terminal_chars(app: App[Any]) -> str:
    """Every character the terminal shows now, as the app writes it (``App.export_screenshot``: the compositor's
    output with the app's line filters, borders and scrollbars included)."""
    svg = app.export_screenshot()
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    return "".join(html.unescape(text) for text in texts).replace("\xa0", " ")  # the SVG writes spaces so


def not_ascii_or_cjk(text: str) -> set[str]:
    """The characters of `text` that are neither ASCII nor double-width (Chinese, full-width punctuation)."""
    return {char for char in text if not char.isascii() and east_asian_width(char) not in ("W", "F")}
