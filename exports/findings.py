"""Open findings of the stored audit results (`finding` table), with the persons and field values they name,
in the order a village cadre works through them: household, person, severity, rule."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from exports.fields import field_label, format_value, mask_ids_in_text
from store import db
from store.masking import mask_id
from store.paths import value_at
from store.records import load_households

SEVERITY_ORDER = {"E": 0, "W": 1, "I": 2}
SEVERITY_LABEL = {"E": "错误", "W": "预警", "I": "提示"}


@dataclass(frozen=True)
class OpenFinding:
    """One open finding ready to print."""

    village: str
    household: str
    person_key: str | None
    person_order: int
    name: str
    id_number: str
    rule: str
    severity: str
    message: str
    values: str

    @property
    def severity_label(self) -> str:
        return SEVERITY_LABEL.get(self.severity, self.severity)


def _json_list(text: Any) -> list[str]:
    try:
        value = json.loads(text or "[]")
    except (TypeError, ValueError):
        return []
    return [str(v) for v in value] if isinstance(value, list) else []


async def _related_names(keys: set[str]) -> dict[str, tuple[str, str]]:
    """key → (name, household code) of persons named in `related`."""
    out: dict[str, tuple[str, str]] = {}
    listed = sorted(keys)
    for start in range(0, len(listed), 500):
        chunk = listed[start : start + 500]
        rows = await db.fetch(
            f"SELECT key, name, household_id FROM person WHERE key IN ({','.join('?' * len(chunk))})", chunk
        )
        out.update((r[0], (r[1] or "", r[2])) for r in rows)
    return out


def _values_text(
    record: dict[str, Any] | None,
    person: dict[str, Any] | None,
    fields: Sequence[str],
    related: Sequence[str],
    names: dict[str, tuple[str, str]],
    full_ids: bool,
) -> str:
    lines = []
    for path in fields:
        value = value_at(record if path.startswith("household.") else person, path)
        lines.append(f"{field_label(path)}：{format_value(path, value, full_ids=full_ids)}")
    for key in related:
        name, household = names.get(key, ("", ""))
        where = (
            f"，户 {household}" if household and (record is None or household != record["household"]["code"]) else ""
        )
        lines.append(f"相关人员：{name or '（无姓名）'}{where}")
    return "\n".join(lines)


def _finding(r: Any, record: dict[str, Any] | None, names: dict[str, tuple[str, str]], full_ids: bool) -> OpenFinding:
    person = None
    if record is not None and r[2]:
        person = next((m for m in record["members"] if m["key"] == r[2]), None)
    id_number = r[9] or ""
    message = str(r[7] or "")
    return OpenFinding(
        village=str(r[0]),
        household=str(r[1]),
        person_key=r[2],
        person_order=-1 if r[2] is None else int(r[10] if r[10] is not None else 999),
        name=r[8] or "",
        id_number=id_number if full_ids else mask_id(id_number),
        rule=str(r[3]),
        severity=str(r[4]),
        message=message if full_ids else mask_ids_in_text(message),
        values=_values_text(record, person, _json_list(r[5]), _json_list(r[6]), names, full_ids),
    )


async def open_findings(
    prefix: str,
    *,
    full_ids: bool,
    batch: int = 2000,
    severities: tuple[str, ...] | None = None,
    rule: str = "",
    confirmed: bool | None = False,
) -> list[OpenFinding]:
    """Findings of villages under `prefix` ('' = all), sorted for working through them: by default every
    unconfirmed one; `severities` (None: all), `rule` ('' = all) and `confirmed` (None: both) narrow them as
    the review list's filter does."""
    parts, params = [], []
    if prefix:
        parts.append(f"substr(f.village_code, 1, {len(prefix)}) = ?")
        params.append(prefix)
    if severities is not None:
        parts.append(f"f.severity IN ({','.join('?' * len(severities))})")
        params.extend(severities)
    if rule:
        parts.append("f.rule = ?")
        params.append(rule)
    if confirmed is not None:
        parts.append("f.confirmed = ?")
        params.append(confirmed)
    where = (" WHERE " + " AND ".join(parts)) if parts else ""
    rows = await db.fetch(
        "SELECT f.village_code, f.household_code, f.person_key, f.rule, f.severity, f.fields_json, "
        "f.related_json, f.message, p.name, p.id_number, p.seq FROM finding f "
        "LEFT JOIN person p ON p.key = f.person_key" + where,
        params,
    )
    related_keys = {k for r in rows for k in _json_list(r[6])}
    names = await _related_names(related_keys) if related_keys else {}
    by_household: dict[str, list[Any]] = {}
    for r in rows:
        by_household.setdefault(str(r[1]), []).append(r)
    households = sorted(by_household)
    out: list[OpenFinding] = []
    for start in range(0, len(households), batch):
        chunk = households[start : start + batch]
        records = await load_households(chunk)
        for code in chunk:
            record = records.get(code)
            for r in by_household[code]:
                out.append(_finding(r, record, names, full_ids))
    out.sort(key=lambda f: (f.village, f.household, f.person_order, SEVERITY_ORDER.get(f.severity, 9), f.rule))
    return out
