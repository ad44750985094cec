"""``renkou backup``, ``restore``, ``log`` and ``demo``: keeping the database safe, its log, and demo data."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from tui.cli.errors import CliError
from tui.cli.session import acting, progress, shown


def sqlite_target(args: argparse.Namespace) -> Path:
    """The SQLite file of ``--db`` (backups of PostgreSQL are the server's job)."""
    from store.db import resolve

    target = resolve(args.db)
    if target.path is None:
        raise CliError("PostgreSQL 数据库请用服务器的 pg_dump 备份、pg_restore 恢复（见 README 的“备份”一节）。")
    return target.path


def size_text(n: int) -> str:
    """A byte count in MB."""
    return f"{n / 1_048_576:.1f} MB"


async def cmd_backup(args: argparse.Namespace) -> int:
    """Back up the live database (checked, rotated), or list the backups."""
    from store import backup, db, identity
    from store.access import Action
    from store.audit import log_action

    database = sqlite_target(args)
    folder = args.dir or backup.default_folder(database)
    if args.list:
        found = backup.list_backups(folder)
        if found:
            print("时间\t数据库\t大小\t文件")
        for item in found:
            print(
                f"{item.taken_at:%Y-%m-%d %H:%M:%S}\t{item.database or '（旧式文件名）'}\t{size_text(item.size)}\t{item.path}"
            )
        print(f"共 {len(found)} 个备份，在 {folder}。" if found else f"{folder} 中没有备份。")
        if not database.exists():  # listed all the same: a lost database is restored from one of them
            raise CliError(
                f"数据库 {database} 不存在。"
                + ("可用 renkou restore 备份文件 恢复。" if found else "请检查 --db 参数。")
            )
        return 0
    async with db.database(database, create=False):
        operator = (await acting(args, Action.BACKUP)).username
        await identity.database_id()  # stored now, so the backup is named by it without waiting on writers
        made = await asyncio.to_thread(backup.create_backup, database, folder, progress=progress("备份（页）"))
        removed = [] if args.keep_all else backup.rotate(folder)
        await log_action(
            operator, "backup", str(made.path), f"{size_text(made.size)}，轮换删除 {len(removed)} 个旧备份"
        )
    print(f"已备份到 {made.path}（{size_text(made.size)}，完整性检查通过）。")
    if removed:
        print(f"按轮换规则删除了 {len(removed)} 个旧备份（保留近 30 天每天一份、近 5 年每月一份）。")
    return 0


def confirm_restore(args: argparse.Namespace, database: Path, *, saving: bool) -> None:
    """Ask before overwriting the database, unless ``--yes`` (before anything is done: a refused or cancelled
    restore leaves no file behind)."""
    if args.yes:
        return
    if not sys.stdin.isatty():
        raise CliError("恢复会用备份覆盖当前数据库。确认无误请加 --yes 重新运行。")
    first = "（确认后先备份当前数据）" if saving else ""
    answer = input(f"将用 {args.file} 覆盖 {database} 的全部数据{first}。确认请输入 yes：")
    if answer.strip().lower() != "yes":
        raise CliError("已取消，数据库未改动。")


async def open_current(database: Path) -> None:
    """Open the live database before a restore; a full disk is said as such, anything else as unreadable."""
    from store import db, faults

    try:
        await db.open_db(db.resolve(database), create=False)
    except Exception as exc:
        known = faults.translate(exc, path=database, what="恢复")
        if isinstance(known, faults.DiskFullError):
            raise known from None
        raise CliError(
            f"当前数据库无法打开（{exc}）。如要用备份替换它，请先把 {database} 改名保存，再运行 renkou restore。"
        ) from None


async def cmd_restore(args: argparse.Namespace) -> int:
    """Restore a checked backup over the database, after asking and after backing up the current data."""
    from store import audit, backup, db, users
    from store.access import Action
    from store.audit import log_action

    database = sqlite_target(args)
    version = backup.check_file(args.file)
    operator = None
    saved = None
    if database.exists():
        await open_current(database)
        try:
            operator = (await acting(args, Action.RESTORE)).username
            confirm_restore(args, database, saving=True)
            saved = await asyncio.to_thread(
                backup.create_backup, database, args.dir or backup.default_folder(database), label="before-restore"
            )
        finally:
            await db.close_db()
        print(f"当前数据已备份到 {saved.path}。")
    else:
        confirm_restore(args, database, saving=False)
    await asyncio.to_thread(
        backup.restore_into, database, args.file, progress("恢复（页）"), saved=saved.path if saved else None
    )
    try:
        async with db.database(database, create=False):  # migrates an older backup to the current schema
            who = operator or users.os_user()
            if saved is not None:  # the log entries written after the backup stay, re-chained after it
                await audit.carry_over(saved.path, operator=who)
                await log_action(who, "backup", str(saved.path), "恢复前自动备份")
            await log_action(who, "restore", str(args.file), f"结构版本 {version}")
    except Exception as exc:
        raise CliError(upgrade_failure(exc, args.file, saved.path if saved else None)) from exc
    print(f"已从 {args.file} 恢复数据库 {database}（备份已通过完整性检查）。")
    return 0


def upgrade_failure(exc: BaseException, source: Path, saved: Path | None) -> str:
    """What to say when the restored data is in place but opening or upgrading it failed."""
    from store import faults

    known = faults.translate(exc, kept="恢复的数据已在数据库中。")
    reason = str(known) if known is not None else str(exc)
    back = (
        f"恢复前的数据备份在 {saved}，如需回到恢复前，可运行 renkou restore {saved} --yes。"
        if saved
        else "恢复前没有数据库，没有恢复前的备份。"
    )
    return f"已从 {source} 恢复数据，但随后打开或升级数据库失败（{reason}）。{back}"


async def cmd_log(args: argparse.Namespace) -> int:
    """Print the most recent entries of the audit log, or check its hash chain (``--verify``)."""
    from store import audit, db
    from store.access import Action

    async with db.database(args.db, create=False):
        actor = await acting(args, Action.VIEW_LOG)
        if args.verify:
            report = await audit.verify_chain()
            if not report.ok:
                raise CliError(report.message)
            print(report.message)
            return 0
        for entry in await audit.recent(args.limit, scope=actor.scope, username=actor.username):
            fields = (entry["username"], entry["action"], entry["target"], entry["detail"])
            print("\t".join([str(entry["logged_at"]), *(shown(field) for field in fields)]))
    return 0


async def cmd_demo(args: argparse.Namespace) -> int:
    """Build the demo database (once with ``--if-missing``) and audit it so its planted errors show at once."""
    from store import db
    from store.demo_build import build_demo

    target = db.resolve(args.db, demo=True)
    existed = target.path is not None and target.path.exists()
    result = await build_demo(
        target, persons=args.persons, seed=args.seed, error_rate=args.error_rate, as_of=args.as_of,
        force=args.force, if_missing=args.if_missing, progress=progress("生成"),
    )  # fmt: skip
    print(result)
    if args.no_audit or (existed and args.if_missing):
        return 0
    from tui import services

    async with db.database(target, create=False):  # the tree and the review list show the planted errors at once
        summary = await services.run_audit(args.as_of, progress("审核"), today=args.as_of)
    counts = summary.counts()
    print(f"已完成逻辑审核：错误 {counts.get('E', 0)} 条，预警 {counts.get('W', 0)} 条。")
    return 0
