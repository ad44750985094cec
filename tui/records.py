"""``RecordsChanged``: households were saved (person form, household form, change entry), so every screen that
shows their counts or findings reads them again.

The saving screen calls :func:`records_changed` once the save (and its re-audit) has succeeded; the message
goes to every screen on the stack, the ones below the saving screen included (the browse screen refreshes
its tree counts and household panel, the review list its page)."""

from __future__ import annotations

from collections.abc import Iterable

from textual.app import App
from textual.message import Message

__all__ = ["RecordsChanged", "records_changed"]


class RecordsChanged(Message, bubble=False):
    """The households `codes` were stored anew (their findings re-audited)."""

    def __init__(self, codes: Iterable[str]) -> None:
        super().__init__()
        self.codes = tuple(dict.fromkeys(str(c) for c in codes if c))


def records_changed(app: App[object], codes: Iterable[str]) -> None:
    """Tell every screen on the stack that the households `codes` were saved."""
    listed = tuple(codes)
    for screen in list(app.screen_stack):
        screen.post_message(RecordsChanged(listed))
