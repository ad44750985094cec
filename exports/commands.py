"""Headless commands behind ``renkou export monthly|errors|sample`` and ``renkou import sample-results``.

Each takes an open database (the CLI opens it and authenticates the operator) and returns a one-line
Chinese summary; failures the user can act on raise :class:`store.errors.StoreError`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from exports.errors_list import ErrorsFilter
    from exports.request import Progress


async def monthly_command(
    month: str, out: Path, unit: str = "", operator: str = "", progress: Progress | None = None,
    *, full_ids: bool = True,
) -> str:  # fmt: skip
    """``renkou export monthly --month YYYY-MM --out FILE.xlsx [--unit CODE]`` (ID numbers masked unless
    `full_ids`)."""
    from exports.monthly import export_monthly

    summary = await export_monthly(Path(out), month, unit=unit, operator=operator, progress=progress,
                                   full_ids=full_ids)  # fmt: skip
    text = f"已导出 {summary.label}：{summary.villages} 个村，变更 {summary.details.get('changes', 0)} 条，文件 {summary.path}。"
    if summary.violations:
        text += f"注意：有 {summary.violations} 处一致性检查未通过，已在表中标红并写入“说明”表。"
    return text


async def period_command(
    kind: str, period: str, out: Path, unit: str = "", operator: str = "", progress: Progress | None = None,
    *, full_ids: bool = True,
) -> str:  # fmt: skip
    """``renkou export halfyear --period YYYY-H1|H2`` / ``renkou export annual --year YYYY`` (`kind`
    ``halfyear`` or ``annual``)."""
    from exports.periods import export_period

    summary = await export_period(Path(out), kind, period, unit=unit, operator=operator, progress=progress,
                                  full_ids=full_ids)  # fmt: skip
    return (
        f"已导出 {summary.label}：{summary.details.get('months', 0)} 个月，{summary.villages} 个村，"
        f"变更 {summary.details.get('changes', 0)} 条，文件 {summary.path}。"
    )


async def errors_command(
    out: Path,
    unit: str = "",
    operator: str = "",
    is_admin: bool = False,
    progress: Progress | None = None,
    only: ErrorsFilter | None = None,
) -> str:
    """``renkou export errors --out FILE.xlsx [--unit CODE]`` (`only`: the review screen's filter)."""
    from exports.errors_list import export_errors

    summary = await export_errors(
        Path(out), unit=unit, operator=operator, is_admin=is_admin, progress=progress, only=only
    )
    masked = "" if is_admin else "，身份证号已遮盖"
    what = "未处理的问题" if only is None or not only.describe() else f"问题（{only.describe()}）"
    return (
        f"已导出 {summary.label}：{summary.rows} 条{what}（其中错误 {summary.details.get('E', 0)} 条），"
        f"{summary.villages} 个村{masked}，文件 {summary.path}。"
    )


async def sample_command(month: str, out: Path, operator: str = "", progress: Progress | None = None) -> str:
    """``renkou export sample --month YYYY-MM --out FILE.xlsx``."""
    from exports.sample import export_sample

    summary = await export_sample(Path(out), month, operator=operator, progress=progress)
    return f"已导出 {summary.label}：{summary.villages} 个村，抽查 {summary.rows} 人，文件 {summary.path}。"


async def sample_results_command(path: Path, operator: str = "") -> str:
    """``renkou import sample-results FILE.xlsx``."""
    from exports.sample_results import import_sample_results

    result = await import_sample_results(Path(path), operator=operator or "system")
    rate = f"{result.accuracy_rate:.1%}" if result.accuracy_rate is not None else "—"
    text = (
        f"已读入 {result.month} 抽查结果：核实 {result.women} 人 {result.verified} 项，正确 {result.correct} 项，"
        f"主要数据项准确率 {rate}，需更正 {len(result.corrections)} 项。"
    )
    if result.unknown_keys:
        text += f"另有 {len(result.unknown_keys)} 人在数据库中找不到，未计入。"
    return text
