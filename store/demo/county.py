"""The public API of the demo county: `generate`, the `DemoCounty` it returns, the JSONL household file,
the manifest file and the deterministic entry (录入) times."""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from store.demo.generator import Generator
from store.demo.util import days
from store.private import open_private


def entry_lag(seed: int, kind: str, event_date: date, as_of: date) -> datetime:
    """When a change was keyed in (deterministic per seed): mostly 1–20 days after the event and by the
    5th of the following month; about 5 % late (after the 5th); never after `as_of`."""
    h = zlib.crc32(f"{seed}|{kind}|{event_date.toordinal()}".encode())
    deadline = date(event_date.year + event_date.month // 12, event_date.month % 12 + 1, 5)
    if h % 100 < 5:
        entered = deadline + days(1 + (h >> 8) % 20)
    else:
        room = max(1, min(20, (deadline - event_date).days))
        entered = event_date + days(1 + (h >> 8) % room)
    entered = max(event_date, min(entered, as_of)) if event_date <= as_of else as_of
    return datetime.combine(entered, time(8 + (h >> 16) % 10, (h >> 20) % 60))


@dataclass
class DemoCounty:
    """A generated county: its units, a one-pass stream of household payloads, and the manifest
    (filled while the households are consumed)."""

    units: list[dict[str, Any]]
    households: Iterator[dict[str, Any]]
    manifest: dict[str, Any]
    seed: int
    as_of: date

    def entry_time(self, kind: str, event_date: date) -> datetime:
        """Entry (录入) time of an event of `kind` dated `event_date`."""
        return entry_lag(self.seed, kind, event_date, self.as_of)


def generate(persons: int, seed: int = 1, error_rate: float = 0.0, as_of: date | None = None) -> DemoCounty:
    """A synthetic county of about `persons` persons (deterministic for `seed` and `as_of`)."""
    if persons < 1:
        raise ValueError("persons 必须为正数")
    if not 0.0 <= error_rate <= 1.0:
        raise ValueError("error_rate 须在 0 到 1 之间")
    gen = Generator(persons, seed, error_rate, as_of or date.today())
    return DemoCounty(gen.units, gen.households(), gen.manifest, seed, gen.as_of)


def write_manifest(manifest: dict[str, Any], path: Path) -> None:
    """Write the ground-truth manifest as UTF-8 JSON."""
    with open_private(path, "w") as handle:
        handle.write(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n")


def to_jsonl_lines(county: DemoCounty) -> Iterator[str]:
    """The household file: unit lines, then household lines (interchange §1)."""
    for unit in county.units:
        yield json.dumps({"unit": unit}, ensure_ascii=False)
    for household in county.households:
        yield json.dumps(household, ensure_ascii=False)
