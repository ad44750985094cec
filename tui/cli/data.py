"""``renkou import FILE.jsonl`` and ``renkou export households``: the household file (interchange §1)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tui.cli.errors import EXIT_FAILED, CliError
from tui.cli.session import acting, progress


async def cmd_import(args: argparse.Namespace) -> int:
    """Import a household file (all or nothing, or the good lines with ``--partial``)."""
    from store import db
    from store.access import Action
    from store.importer import import_file

    if args.results is not None:
        raise CliError(f"多余的参数 {args.results}。导入户文件：renkou import 文件.jsonl")
    async with db.database(args.db):
        actor = await acting(args, Action.IMPORT)
        report = await import_file(
            Path(args.file), operator=actor.username, partial=args.partial, reject_path=args.reject,
            progress=progress("导入"),
        )  # fmt: skip
    for warning in report.warnings[:10]:
        print(f"警告：{warning}", file=sys.stderr)
    if len(report.warnings) > 10:
        print(f"警告：另有 {len(report.warnings) - 10} 处身份证号与库中不同，请逐一核对。", file=sys.stderr)
    for key, count in report.unknown_keys.most_common(10):
        print(f"警告：已忽略未知字段 {key}（{count} 处）", file=sys.stderr)
    if report.errors and not args.partial:
        for error in report.errors[:20]:
            print(error, file=sys.stderr)
        more = f"（另有 {len(report.errors) - 20} 处）" if len(report.errors) > 20 else ""
        raise CliError(
            f"导入失败：文件有 {len(report.errors)} 处结构错误{more}，数据库未做任何改动。请改正后重新导入，或用 --partial。"
        )
    c = report.counts
    print(
        f"导入完成：{report.households} 户，新增 {c.get('persons_new', 0)} 人，修改 {c.get('persons_changed', 0)} 人，"
        f"变动 {c.get('events', 0)} 条。"
    )
    if report.rejected_lines:
        for error in report.errors[:20]:
            print(error, file=sys.stderr)
        print(f"有 {report.rejected_lines} 行未导入，已原样写入 {report.reject_path}。", file=sys.stderr)
        return EXIT_FAILED
    return 0


async def cmd_export_households(args: argparse.Namespace) -> int:
    """Export the household file (of one unit with ``--unit``)."""
    from store import db
    from store.access import Action
    from tui import services

    async with db.database(args.db, create=False):
        actor = await acting(args, Action.EXPORT_HOUSEHOLDS)
        print(await services.export_households(args.out, actor.username, args.unit, actor=actor))
    return 0
