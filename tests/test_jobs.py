"""Background jobs (`tui.jobs.run_job`): a job replaced before it ran leaves no "coroutine … was never awaited"."""

from __future__ import annotations

import asyncio
import gc
import warnings

from textual.app import App

from tui.jobs import run_job


async def test_job_cancelled_before_it_ran_leaves_no_unawaited_coroutine() -> None:
    """Two exclusive jobs of one group in a row: the first is cancelled before it starts, the second's result
    arrives, and no coroutine is left unawaited (the warnings the test suite used to show)."""
    results: list[int] = []

    async def job(number: int) -> int:
        await asyncio.sleep(0)
        return number

    app: App[None] = App()
    async with app.run_test() as pilot:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            run_job(app, job(1), group="load", exclusive=True, done=results.append)
            run_job(app, job(2), group="load", exclusive=True, done=results.append)
            await pilot.pause()
            await app.workers.wait_for_complete()
            gc.collect()
    assert results == [2]
    assert [str(w.message) for w in caught if "never awaited" in str(w.message)] == []
