"""Reading a running app through Textual's public API, and waiting for it to settle."""

from __future__ import annotations

from collections.abc import Callable

from textual.geometry import Region
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Label

from tui.widgets.field import Field


def shown(widget: Widget) -> str:
    """The text a widget draws at its current size (``Widget.render_lines``)."""
    width, height = widget.size
    return "\n".join(strip.text for strip in widget.render_lines(Region(0, 0, width, height)))


def screen_text(screen: Screen) -> str:
    """What the visible widgets of `screen` draw, one widget after another (enough for ``in`` checks)."""
    parts = []
    for widget in screen.walk_children(Widget):
        if widget.display and widget.visible and widget.size.area and not widget.children:
            parts.append(shown(widget))
    return "\n".join(parts)


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
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        if condition():
            return
    raise AssertionError("the screen did not reach the expected state")
