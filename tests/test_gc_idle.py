"""Garbage collection out of the clerk's way (issue 13, `tui/gc_idle.py`): once the app is warm, a full
collection that is due waits while keys come and runs when the app is quiet; the app ends with the collector
as it found it."""

from __future__ import annotations

import gc
import time
from typing import Any

import pytest

from store import db
from tests.support.apps import make_app
from tests.support.pilot import settle
from tui import gc_idle
from tui.screens.person_form import KEPT_NAME, PersonForm


async def test_a_due_full_collection_waits_for_a_quiet_app(
    example_db: db.DbTarget, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(gc_idle, "IDLE_SECONDS", 0.3)
    monkeypatch.setattr(gc_idle, "FULL_EVERY", 1000)  # (no automatic full collection while the test keys)
    before = gc.get_threshold()
    full: list[float] = []

    def watch(phase: str, info: dict[str, Any]) -> None:
        if phase == "stop" and info["generation"] == 2:
            full.append(time.monotonic())

    app = make_app(example_db, "demo")
    gc.callbacks.append(watch)
    try:
        async with app.run_test(size=(80, 24)) as pilot:

            def warm() -> bool:
                kept = app.get_screen(KEPT_NAME) if app.is_screen_installed(KEPT_NAME) else None
                return isinstance(kept, PersonForm) and kept.warming is None and gc.get_freeze_count() > 0

            await settle(pilot, warm)
            assert gc.get_threshold()[2] == gc_idle.FULL_EVERY  # rarer automatic full collections
            kept: list[Any] = []
            while gc.get_count()[2] == 0:  # young collections: a full one is due
                kept.append([{} for _ in range(2000)])
            full.clear()
            for _ in range(6):  # the clerk keys: nothing runs meanwhile
                await pilot.press("down")
                await pilot.pause(0.1)
            assert full == [] and gc.get_count()[2] > 0
            await pilot.pause(1.0)  # quiet: the due collection runs
            assert len(full) == 1 and gc.get_count()[2] == 0
            await pilot.pause(0.7)  # nothing due: nothing more
            assert len(full) == 1
        assert gc.get_threshold() == before and gc.get_freeze_count() == 0  # as it was
    finally:
        gc.callbacks.remove(watch)
