"""Helpers of the Pilot-driven screen tests: what a widget shows, and waiting for the screen to settle."""

from __future__ import annotations

from collections.abc import Callable

from textual.geometry import Region
from textual.pilot import Pilot
from textual.widget import Widget


def shown(widget: Widget) -> str:
    """The text a widget draws at its current size."""
    width, height = widget.size
    return "\n".join(strip.text for strip in widget.render_lines(Region(0, 0, width, height)))


async def settle(pilot: Pilot, condition: Callable[[], bool] = lambda: True) -> None:
    """Let workers finish and the screen refresh until `condition` holds."""
    for _ in range(200):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        if condition():
            return
    raise AssertionError("the screen did not reach the expected state")
