"""The figures of a closed month (封账) as JSON: everything the monthly workbook shows, so that exporting a
closed month later draws exactly the workbook that was closed (`store.months` keeps the text and its
SHA-256). Column definitions are kept with the figures, so later changes of the sheets never reshape them."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

from exports.consistency import Check, Violation
from exports.monthly_data import ChangeRow
from exports.monthly_model import MonthlyReturns
from exports.monthly_tables import Table, TableRow
from exports.quality_source import QualityColumn, QualityRow, QualitySheet
from exports.request import Month, Unit
from exports.returns_spec import Column, SheetSpec

FORMAT = 1


def _day(value: dt.date | dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _table(table: Table) -> dict[str, Any]:
    spec = table.spec
    return {
        "key": spec.key,
        "name": spec.name,
        "title": spec.title,
        "columns": [dataclasses.asdict(c) for c in spec.columns],
        "rows": [[r.code, r.label, list(r.values)] for r in table.rows],
    }


def _violation(v: Violation) -> dict[str, Any]:
    c = v.check
    return {"check": [c.sheet, [list(t) for t in c.left], c.op, [list(t) for t in c.right], c.hint],
            "row": [v.row_label, v.row_code, v.left, v.right]}  # fmt: skip


def _change(c: ChangeRow) -> list[str | None]:
    return [c.village, c.household, c.name, c.id_number, c.kind, _day(c.date), _day(c.entered_at), c.entered_by]


def to_json(data: MonthlyReturns) -> str:
    """The canonical JSON text of a workbook's content (sorted keys, no spaces: its digest is stable)."""
    content = {
        "format": FORMAT,
        "unit": dataclasses.asdict(data.unit),
        "month": data.month.text,
        "generated_at": _day(data.generated_at),
        "operator": data.operator,
        "tables": [_table(t) for t in data.tables],
        "violations": [_violation(v) for v in data.violations],
        "changes": [_change(c) for c in data.changes],
        "quality": {
            "columns": [dataclasses.asdict(c) for c in data.quality.columns],
            "rows": [[r.code, r.label, list(r.values), list(r.statuses)] for r in data.quality.rows],
            "note": data.quality.note,
        },
        "open_errors": data.open_errors,
        "persons": data.persons,
        "no_entry_date": data.no_entry_date,
        "left_out": data.left_out,
        "same_names": list(data.same_names),
        "signoffs": list(data.signoffs),
    }
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _date(text: str | None) -> dt.date | None:
    return None if text is None else dt.date.fromisoformat(text)


def _moment(text: str | None) -> dt.datetime | None:
    return None if text is None else dt.datetime.fromisoformat(text)


def _load_table(raw: dict[str, Any]) -> Table:
    spec = SheetSpec(raw["key"], raw["name"], raw["title"], tuple(Column(**c) for c in raw["columns"]))
    return Table(spec, tuple(TableRow(code, label, tuple(values)) for code, label, values in raw["rows"]))


def _load_violation(raw: dict[str, Any]) -> Violation:
    sheet, left, op, right, hint = raw["check"]
    check = Check(sheet, tuple((h, s) for h, s in left), op, tuple((h, s) for h, s in right), hint)
    return Violation(check, *raw["row"])


def from_json(text: str) -> MonthlyReturns:
    """The workbook content kept by :func:`to_json`."""
    raw = json.loads(text)
    month = raw["month"]
    quality = raw["quality"]
    return MonthlyReturns(
        unit=Unit(**raw["unit"]),
        month=Month(int(month[:4]), int(month[5:7])),
        generated_at=_moment(raw["generated_at"]) or dt.datetime.now(),
        operator=raw["operator"],
        tables=tuple(_load_table(t) for t in raw["tables"]),
        violations=tuple(_load_violation(v) for v in raw["violations"]),
        changes=tuple(ChangeRow(v, h, n, i, k, _date(d), _moment(e), b) for v, h, n, i, k, d, e, b in raw["changes"]),
        quality=QualitySheet(
            tuple(QualityColumn(**c) for c in quality["columns"]),
            tuple(QualityRow(code, label, tuple(vals), tuple(st)) for code, label, vals, st in quality["rows"]),
            quality["note"],
        ),
        open_errors=raw["open_errors"],
        persons=raw["persons"],
        no_entry_date=raw["no_entry_date"],
        left_out=raw["left_out"],
        same_names=tuple(raw["same_names"]),
        signoffs=tuple(raw["signoffs"]),
    )
