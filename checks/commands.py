"""Headless ``renkou check`` and ``renkou quality`` (`docs/spec/interchange.md` §2). The CLI opens the database and
calls these; they print to `out` and return the exit code (0 when the audit ran, whatever it found).

Both show only the acting account's units (`store.scope`: its findings, its units' indicators); ``check --json``
masks ID numbers (`store.masking`) unless `full_ids` (those `store.access` lets see them)."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

from checks.engine import run_audit
from checks.quality import INDICATORS, TITLES, compute_quality
from checks.registry import SEVERITY_LABELS, all_rules
from store.masking import mask_id, mask_ids_in_text
from store.scope import Who, in_scope, prefixes, scope_sql

__all__ = ["check_command", "finding_json", "quality_command"]

if TYPE_CHECKING:
    from checks.model import Finding

Progress = Callable[[int, int], None]


async def _unit_names() -> dict[str, str]:
    from store import db

    return {r[0]: r[1] for r in await db.fetch("SELECT code, name FROM unit")}


async def _sizes(actor: Who) -> tuple[int, int]:
    """Households and persons (not cancelled) in the actor's scope."""
    from store import db

    where, params = scope_sql(actor, "code")
    households = int(await db.scalar(f"SELECT count(*) FROM household WHERE 1 = 1{where}", params) or 0)
    where, params = scope_sql(actor, "household_id")
    persons = int(await db.scalar(
        f"SELECT count(*) FROM person WHERE cancel_reason IS NULL{where}", params) or 0)  # fmt: skip
    return households, persons


def finding_json(finding: Finding, *, full_ids: bool) -> dict[str, object]:
    """The ``check --json`` object of a finding; without `full_ids` its ID number and any ID number in its
    message are masked (``430426********0133``)."""
    out = finding.to_json()
    if not full_ids:
        out["person_id_number"] = mask_id(out.get("person_id_number")) or out.get("person_id_number")
        out["message"] = mask_ids_in_text(str(out.get("message") or ""))
    return out


async def check_command(
    as_of: dt.date | None, unit: str | None, as_json: bool, out: TextIO, progress: Progress | None = None,
    *, actor: Who = None, full_ids: bool = True,
) -> int:  # fmt: skip
    """Audit the whole database; print the findings (of `unit` and below, if given, and in the actor's scope):
    one JSON object per line (ID numbers masked unless `full_ids`), or a Chinese summary per village and rule
    with the totals. `progress` may be called from a worker thread."""
    names = await _unit_names()
    if unit and unit not in names:
        from store.errors import StoreError

        raise StoreError(f"单位代码 {unit} 不存在。请检查 --unit 参数（县、乡镇或村代码）。")
    summary = await run_audit(as_of, progress)
    findings = [f for f in summary.findings
                if (not unit or f.household_code.startswith(unit)) and in_scope(actor, f.household_code)]  # fmt: skip
    if as_json:
        for f in findings:
            out.write(json.dumps(finding_json(f, full_ids=full_ids), ensure_ascii=False) + "\n")
        return 0
    rules = all_rules()
    households, persons = summary.households, summary.persons
    if prefixes(actor):  # the counts of one's own units, not the county's
        households, persons = await _sizes(actor)
    out.write(f"逻辑审核（基准日期 {summary.as_of.isoformat()}）：{households} 户 {persons} 人，"
              f"用时 {summary.seconds:.1f} 秒。\n")  # fmt: skip
    if unit:
        out.write(f"只列出 {names.get(unit, unit)}（{unit}）的结果。\n")
    elif prefixes(actor):
        shown = "、".join(f"{names.get(p, p)}（{p}）" for p in prefixes(actor))
        out.write(f"只列出本账号负责的 {shown} 的结果。\n")
    by_village: dict[str, Counter[tuple[str, str]]] = defaultdict(Counter)
    confirmed: Counter[str] = Counter()
    for f in findings:
        by_village[f.unit][(f.rule, f.severity)] += 1
        if f.confirmed:
            confirmed[f.unit] += 1
    totals: Counter[tuple[str, str]] = Counter()
    for village in sorted(by_village):
        counts = by_village[village]
        totals.update(counts)
        sev = Counter()
        for (_, severity), n in counts.items():
            sev[severity] += n
        note = f"（其中已核实无误 {confirmed[village]} 条）" if confirmed[village] else ""
        out.write(f"\n{names.get(village, village)}（{village}）：错误 {sev['E']} 条，预警 {sev['W']} 条{note}，"
                  f"提示 {sev['I']} 条\n")  # fmt: skip
        for (code, severity), n in sorted(counts.items()):
            out.write(f"  {code} {SEVERITY_LABELS[severity]} {rules[code].title}：{n}\n")
    sev_total = Counter()
    for (_, severity), n in totals.items():
        sev_total[severity] += n
    out.write(f"\n合计：错误 {sev_total['E']} 条，预警 {sev_total['W']} 条（其中已核实无误 {sum(confirmed.values())} 条），"
              f"提示 {sev_total['I']} 条\n")  # fmt: skip
    per_rule: Counter[str] = Counter()
    for (code, _), n in totals.items():
        per_rule[code] += n
    for code in rules:
        if per_rule[code]:
            r = rules[code]
            out.write(f"  {code} {SEVERITY_LABELS[r.severity]} {r.title}：{per_rule[code]}\n")
    if not findings:
        out.write("没有发现问题。\n")
    return 0


def _fmt(key: str, value: object) -> str:
    if value is None:
        return "—"
    if key.endswith("_rate"):
        return f"{100 * float(value):.1f}%"  # type: ignore[arg-type]
    if key == "score":
        return f"{float(value):.1f}"  # type: ignore[arg-type]
    if key == "passed":
        return "达标" if value else "未达标"
    return str(value)


async def quality_command(
    as_of: dt.date | None, as_json: bool, out: TextIO, progress: Progress | None = None, *, actor: Who = None
) -> int:
    """Run the audit at `as_of`, then print the quality indicators per unit (JSON: a list of unit objects): the
    units within the actor's scope only."""
    summary = await run_audit(as_of, progress)
    units = [u for u in await compute_quality(summary.as_of) if in_scope(actor, u.unit_code)]
    if as_json:
        out.write(json.dumps([u.to_json() for u in units], ensure_ascii=False, indent=1) + "\n")
        return 0
    levels = {"village": "村", "township": "乡镇", "county": "县"}
    rules = all_rules()
    out.write(f"数据质量（基准日期 {summary.as_of.isoformat()}）\n")
    for u in units:
        out.write(f"\n{u.unit_name}（{u.unit_code}，{levels.get(u.level, u.level)}）\n")
        for key in INDICATORS:
            value = u.passed if key == "passed" else u.values[key]
            verdict = {"pass": "", "near": " 接近阈值", "fail": " 未达标"}.get(u.verdicts.get(key, "pass"), "")
            out.write(f"  {TITLES[key]}：{_fmt(key, value)}{verdict}\n")
        if u.full_recheck:
            out.write("  逻辑关系误差率超过 10%，需逐户重新清查核实。\n")
        if not u.timeliness_final and u.values["timeliness_rate"] is not None:
            out.write("  录入及时率在截止日之前尚未最终确定。\n")
        if u.improvements:
            tips = "、".join(f"{code} {rules[code].title}（+{gain:.1f} 分）" for code, gain in u.improvements)
            out.write(f"  可提高：{tips}\n")
    return 0
