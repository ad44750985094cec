"""Garbage collection out of the clerk's way (issue 13): a full collection walks every object the app keeps
(≈ 300 000 once the kept person form exists) and took 40–100 ms, inside whatever key or opening it fell on.

Once the app is warm (:meth:`tui.app.RenkouApp.warm_up`) what lives then — modules, the first screens, the kept
form — is moved out of the collector's sight (``gc.freeze``: it lives as long as the app), so full collections
walk less, and a due one runs when the clerk has paused (:func:`collect_if_idle`) rather than inside a key. Young
collections stay as they are (a few milliseconds). The app ends with the collector as it found it.
"""

from __future__ import annotations

import gc

__all__ = ["FULL_EVERY", "IDLE_SECONDS", "after_warm_up", "collect_if_idle", "restore"]

#: young (generation 1) collections between two automatic full collections: CPython's default (10). Raised to
#: 1000, the garbage of a never-idle hour (bench_app --hour: forms, change lines, exports) piled up between
#: collections and the resident memory after 50 forms was 170 MB against 108 MB at the default (126 MB at 100);
#: so full collections stay as frequent as CPython makes them, cheaper for the frozen objects they skip, and a
#: quiet second runs a due one before the threshold does
FULL_EVERY = 10
#: seconds without a key press before a pending full collection runs
IDLE_SECONDS = 1.0

_saved: list[tuple[int, int, int]] = []


def after_warm_up() -> None:
    """The app is warm: collect once, freeze what survives, set the full-collection threshold (:data:`FULL_EVERY`)."""
    gc.collect()
    gc.freeze()
    threshold = gc.get_threshold()
    if not _saved:
        _saved.append(threshold)
    gc.set_threshold(threshold[0], threshold[1], max(threshold[2], FULL_EVERY))


def collect_if_idle(idle_seconds: float) -> bool:
    """Run the full collection now if one is due (young collections happened since the last) and nobody has
    pressed a key for :data:`IDLE_SECONDS`; True when it ran."""
    if idle_seconds < IDLE_SECONDS or gc.get_count()[2] == 0:
        return False
    gc.collect()
    return True


def restore() -> None:
    """The collector as it was before :func:`after_warm_up` (the app ends; tests run many apps in a process)."""
    gc.unfreeze()
    if _saved:
        gc.set_threshold(*_saved.pop())
