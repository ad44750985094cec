"""``renkou import sample-results``: read a filled verification checklist back and keep its results.

The results are stored where the quality indicators read them (`checks.quality`, ``setting``
``verification_results``): a JSON list with one entry per verified main item,

    {"unit": village code, "item": "身份证号", "correct": false, "month": "2025-10", "person_key": "…",
     "recorded": "…", "corrected": "…"}

An import replaces the stored list, so ``accuracy_rate`` always reflects the latest verification round.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from exports.sample import KEY_HEADER, MONTH_LABEL, NOTES_SHEET, RESULT_HEADER
from exports.sample_items import ITEM_BY_LABEL, corrected_value, judge
from exports.xlsx_read import Cells, read_workbook
from store import db
from store.errors import StoreError
from store.verification import load_results, replace_results


@dataclass
class VillageAccuracy:
    """Verified and correct main items of one village."""

    women: int = 0
    verified: int = 0
    correct: int = 0


@dataclass
class AccuracyResult:
    """What a filled checklist says: 主要数据项准确率 = correct ÷ verified items."""

    month: str
    women: int = 0
    verified: int = 0
    correct: int = 0
    villages: dict[str, VillageAccuracy] = field(default_factory=dict)
    corrections: list[dict[str, str]] = field(default_factory=list)
    unknown_keys: list[str] = field(default_factory=list)

    @property
    def accuracy_rate(self) -> float | None:
        """Correct ÷ verified; None when nothing was verified."""
        return self.correct / self.verified if self.verified else None


def _month(cells: Cells) -> str:
    for (row, col), value in cells.items():
        if value == MONTH_LABEL:
            month = cells.get((row, col + 1))
            if isinstance(month, str) and len(month) == 7:
                return month
    raise KeyError(MONTH_LABEL)


def _layout(cells: Cells) -> tuple[int, int, dict[int, tuple[str, int]]] | None:
    """(header row, key column, result column → (item label, recorded column)) of a checklist sheet."""
    for (row, col), value in sorted(cells.items()):
        if value != KEY_HEADER:
            continue
        results: dict[int, tuple[str, int]] = {}
        for (r, c), text in cells.items():
            if r == row and text == RESULT_HEADER:
                label = cells.get((row - 1, c)) or cells.get((row - 1, c - 1))
                if isinstance(label, str) and label in ITEM_BY_LABEL:
                    results[c] = (label, c - 1)
        return (row, col, results) if results else None
    return None


async def _villages_of(keys: Iterable[str]) -> dict[str, str]:
    """person key → village code."""
    listed = sorted(set(keys))
    out: dict[str, str] = {}
    for start in range(0, len(listed), 500):
        chunk = listed[start : start + 500]
        rows = await db.fetch(
            f"SELECT key, household_id FROM person WHERE key IN ({','.join('?' * len(chunk))})", chunk
        )
        out.update((r[0], str(r[1])[:12]) for r in rows)
    return out


def _read(path: Path) -> tuple[str, list[tuple[str, list[tuple[str, str, object]]]]]:
    """The month and, per sampled woman, (key, [(item label, recorded, result)])."""
    with read_workbook(path) as book:
        if NOTES_SHEET not in book.sheet_names:
            raise StoreError(f"{path.name} 不是 Renkou 导出的抽查核实表（缺少“{NOTES_SHEET}”工作表）。")
        try:
            month = _month(book.cells(NOTES_SHEET))
        except KeyError:
            raise StoreError(
                f"{path.name} 的“{NOTES_SHEET}”工作表中找不到{MONTH_LABEL}。请使用 renkou export sample 导出的表。"
            ) from None
        women = []
        for name in book.sheet_names:
            if name == NOTES_SHEET:
                continue
            cells = book.cells(name)
            layout = _layout(cells)
            if layout is None:
                continue
            header, key_col, results = layout
            last = max((r for r, _ in cells), default=header)
            for row in range(header + 1, last + 1):
                key = cells.get((row, key_col))
                if not isinstance(key, str) or not key:
                    continue
                items = []
                for col, (label, recorded_col) in sorted(results.items()):
                    recorded = cells.get((row, recorded_col))
                    items.append((label, "" if recorded is None else str(recorded), cells.get((row, col))))
                women.append((key, items))
    return month, women


async def import_sample_results(path: Path, *, operator: str = "system") -> AccuracyResult:
    """Read a filled checklist, store its results for the quality indicators and return the accuracy."""
    path = Path(path)
    month, women = _read(path)
    villages = await _villages_of(key for key, _ in women)
    result = AccuracyResult(month)
    entries: list[dict[str, object]] = []
    for key, items in women:
        village = villages.get(key)
        if village is None:
            result.unknown_keys.append(key)
            continue
        per_village = result.villages.setdefault(village, VillageAccuracy())
        verified_any = False
        for label, recorded, answer in items:
            verdict = judge(recorded, answer)
            if verdict is None:
                continue
            verified_any = True
            corrected = "" if verdict else corrected_value(answer)
            entries.append({"unit": village, "item": label, "correct": verdict, "month": month, "person_key": key,
                            "recorded": recorded, "corrected": corrected})  # fmt: skip
            result.verified += 1
            per_village.verified += 1
            if verdict:
                result.correct += 1
                per_village.correct += 1
            else:
                result.corrections.append(
                    {"village": village, "key": key, "item": label, "recorded": recorded, "corrected": corrected}
                )
        if verified_any:
            result.women += 1
            per_village.women += 1
    if not result.verified:
        raise StoreError(f"{path.name} 中还没有填写任何核实结果（√ 或正确的值），未读入。")
    await _store(result, entries, path, operator)
    return result


async def _store(result: AccuracyResult, entries: list[dict[str, object]], path: Path, operator: str) -> None:
    rate = f"{result.accuracy_rate:.1%}" if result.accuracy_rate is not None else "—"
    detail = f"sample-results month={result.month} 核实 {result.verified} 项 正确 {result.correct} 项 准确率 {rate}"
    await replace_results(entries, operator, str(path)[-120:], detail)


async def stored_results() -> list[dict[str, object]]:
    """The stored verification results (empty when none were read in)."""
    return await load_results()
