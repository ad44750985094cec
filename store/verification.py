"""The results of the sample verification (setting ``verification_results``), read by the quality indicators
(:mod:`checks.quality`) and written by ``renkou import sample-results`` (:mod:`exports.sample_results`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tortoise.transactions import in_transaction

from store import audit
from store.settings import get_json, put_json

__all__ = ["RESULTS_KEY", "load_results", "replace_results"]

RESULTS_KEY = "verification_results"


async def load_results() -> list[dict[str, Any]]:
    """The stored verification results (empty when none were read in)."""
    return list(await get_json(RESULTS_KEY, []))


async def replace_results(entries: Sequence[dict[str, Any]], operator: str, target: str, detail: str) -> None:
    """Replace the stored results and log the import (``import`` of `target`) in one transaction."""
    async with in_transaction() as client:
        await put_json(RESULTS_KEY, list(entries), client)
        await audit.log_action(operator, "import", target, detail, client)
