"""Console entry point ``renkou``: the TUI and the headless commands (`docs/spec/interchange.md` §2).

Headless commands never import Textual; the TUI is imported only when it is opened. Every failure the
user can act on ends with one line of Chinese on stderr and a non-zero exit code.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import sys
import traceback
from collections.abc import Awaitable, Callable
from pathlib import Path

EXIT_USAGE = 2
EXIT_FAILED = 1


class CliError(Exception):
    """A one-line Chinese message for the user."""


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期 {text} 无效，应为 YYYY-MM-DD。") from None


def _rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.0 <= value <= 0.5:
        raise argparse.ArgumentTypeError(f"差错率 {text} 无效，应为 0 到 0.5 之间的小数。")
    return value


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text} 应为正整数。")
    return int(text)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"renkou: 参数错误：{message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``renkou``."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", help="数据库：SQLite 文件路径或 postgres:// 地址（默认：用户数据目录）")
    common.add_argument("--user", help="登录用户名（数据库已有账号时必填；密码从提示或 RENKOU_PASSWORD 读取）")

    parser = _Parser(prog="renkou", description="Renkou 全员人口信息管理", parents=[common])
    parser.add_argument("--ascii", action="store_true", help="用 ASCII 字符画边框（终端把制表符显示为双宽时使用）")
    parser.add_argument("--demo", action="store_true", help="打开演示数据库（renkou demo 生成的）")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    demo = sub.add_parser("demo", parents=[common], help="生成演示用的乡镇/县数据（含差错和答案清单）")
    demo.add_argument("--persons", type=_positive, default=5000, help="人数（默认 5000，一个乡镇）")
    demo.add_argument("--seed", type=int, default=1, help="随机种子（相同种子生成相同数据）")
    demo.add_argument("--error-rate", type=_rate, default=0.0, help="植入逻辑错误的记录比例，如 0.05")
    demo.add_argument("--as-of", type=_date, default=None, help="数据截止日期（默认今天）")
    demo.add_argument("--force", action="store_true", help="替换已有的演示数据库")
    demo.add_argument("--if-missing", action="store_true", help="演示数据库已存在时什么也不做")
    demo.add_argument("--no-audit", action="store_true", help="生成后不运行逻辑审核（默认运行，户树上显示问题数）")

    imp = sub.add_parser("import", parents=[common], help="导入户文件（JSONL），或 import sample-results 抽查结果")
    imp.add_argument("file", help="户文件 .jsonl；或 sample-results")
    imp.add_argument("results", nargs="?", type=Path, help="sample-results 时：填好的抽查表 .xlsx")
    imp.add_argument("--partial", action="store_true", help="导入正确的行，错误的行原样写入退回文件")
    imp.add_argument("--reject", type=Path, default=None, help="退回文件路径（默认：原文件名.rejects.jsonl）")

    exp = sub.add_parser("export", parents=[common], help="导出数据")
    what = exp.add_subparsers(dest="what", parser_class=_Parser, required=True)

    def export_target(name: str, help_text: str, suffix: str, *, month: bool = False, unit: str | None = None) -> None:
        target = what.add_parser(name, parents=[common], help=help_text)
        if month:
            target.add_argument("--month", required=True, help="月份 YYYY-MM")
        target.add_argument("--out", type=Path, required=True, help=f"输出文件 {suffix}")
        if unit is not None:
            target.add_argument("--unit", default="", help=unit)

    export_target("households", "导出户文件（JSONL）", ".jsonl", unit="只导出该单位（县、乡镇、村代码）")
    export_target("monthly", "月报表（Excel）", ".xlsx", month=True, unit="只导出该单位（乡镇或村代码）")
    export_target("errors", "各村问题清单（Excel）", ".xlsx", unit="只导出该单位")
    export_target("sample", "抽查核实表（Excel）", ".xlsx", month=True)

    check = sub.add_parser("check", parents=[common], help="逻辑审核（整库）")
    check.add_argument("--as-of", type=_date, default=None, help="基准日期（默认今天）")
    check.add_argument("--unit", default=None, help="只列出该单位的结果")
    check.add_argument("--json", action="store_true", help="每条问题一行 JSON")

    quality = sub.add_parser("quality", parents=[common], help="数据质量指标")
    quality.add_argument("--as-of", type=_date, default=None, help="基准日期（默认今天）")
    quality.add_argument("--json", action="store_true", help="JSON 输出")

    user = sub.add_parser("user", parents=[common], help="账号管理")
    user_sub = user.add_subparsers(dest="action", parser_class=_Parser, required=True)
    add = user_sub.add_parser("add", parents=[common], help="新建账号（密码从提示或 RENKOU_NEW_PASSWORD 读取）")
    add.add_argument("username")
    add.add_argument("--name", required=True, help="真实姓名")
    add.add_argument("--role", default="operator", choices=["operator", "reviewer", "admin"])
    add.add_argument("--unit", default=None, help="所属单位代码")
    user_sub.add_parser("list", parents=[common], help="列出账号")
    for action, text in (("passwd", "重设密码（新密码从提示或 RENKOU_NEW_PASSWORD 读取），并解除锁定"),
                         ("unlock", "解除因密码错误造成的锁定"), ("disable", "停用账号"), ("enable", "重新启用账号")):  # fmt: skip
        target = user_sub.add_parser(action, parents=[common], help=text)
        target.add_argument("username")

    backup = sub.add_parser("backup", parents=[common], help="在线备份数据库（检查完整性，自动轮换旧备份）")
    backup.add_argument("--dir", type=Path, default=None, help="备份目录（默认：数据库所在目录下的 backups）")
    backup.add_argument("--list", action="store_true", help="只列出已有的备份")
    backup.add_argument("--keep-all", action="store_true", help="不按轮换规则删除旧备份")
    restore = sub.add_parser("restore", parents=[common], help="从备份恢复数据库（先检查备份，并先备份当前数据）")
    restore.add_argument("file", type=Path, help="备份文件 .sqlite3")
    restore.add_argument("--dir", type=Path, default=None, help="恢复前自动备份的存放目录")
    restore.add_argument("--yes", action="store_true", help="不再询问，直接恢复")

    log = sub.add_parser("log", parents=[common], help="查看操作日志")
    log.add_argument("--limit", type=_positive, default=50)
    return parser


def _progress(label: str) -> Callable[[int, int], None] | None:
    """A one-line progress display on stderr when it is a terminal."""
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        end = "\n" if done >= total else ""
        print(f"\r{label} {done}/{total}", end=end, file=sys.stderr, flush=True)

    return show


async def _operator(args: argparse.Namespace) -> str:
    """Who is acting: the OS user on a database without accounts, else an authenticated account."""
    return (await _identity(args))[0]


async def _identity(args: argparse.Namespace) -> tuple[str, str]:
    """(username, role): the OS user owns a database without accounts; demo databases need no password."""
    from store import schema, users

    if await users.count_users() == 0:
        return users.os_user(), "admin"
    if await schema.get_setting("demo") == "1":
        name = args.user or "demo"
        role = await users.role_of(name)
        return name, role or "admin"
    if not args.user:
        raise CliError("数据库已设账号，请用 --user 指定用户名（密码从提示或 RENKOU_PASSWORD 读取）。")
    password = os.environ.get("RENKOU_PASSWORD")
    if password is None:
        if not sys.stdin.isatty():
            raise CliError("需要密码：请在终端中运行以便输入，或设置环境变量 RENKOU_PASSWORD。")
        import getpass

        password = getpass.getpass(f"{args.user} 的密码：")
    user = await users.authenticate(args.user, password)
    return str(user["username"]), str(user["role"])


async def cmd_import(args: argparse.Namespace) -> int:
    from store import db
    from store.importer import import_file

    if args.file == "sample-results":
        return await cmd_sample_results(args)
    if args.results is not None:
        raise CliError(f"多余的参数 {args.results}。导入户文件：renkou import 文件.jsonl")
    async with db.database(args.db):
        operator = await _operator(args)
        report = await import_file(
            Path(args.file), operator=operator, partial=args.partial, reject_path=args.reject,
            progress=_progress("导入"),
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


async def cmd_sample_results(args: argparse.Namespace) -> int:
    from exports.commands import sample_results_command
    from store import db

    if args.results is None:
        raise CliError("请给出填好的抽查表：renkou import sample-results 文件.xlsx")
    async with db.database(args.db, create=False):
        operator = await _operator(args)
        print(await sample_results_command(args.results, operator=operator))
    return 0


async def cmd_export(args: argparse.Namespace) -> int:
    from store import db

    async with db.database(args.db, create=False):
        operator, role = await _identity(args)
        if args.what == "households":
            from store.exporter import export_households

            households, persons = await export_households(args.out, operator=operator, unit=args.unit)
            print(f"已导出 {households} 户 {persons} 人到 {args.out}。")
            return 0
        from exports import commands

        progress = _progress("导出")
        if args.what == "monthly":
            text = await commands.monthly_command(args.month, args.out, args.unit, operator, progress)
        elif args.what == "errors":
            text = await commands.errors_command(args.out, args.unit, operator, role == "admin", progress)
        else:
            text = await commands.sample_command(args.month, args.out, operator, progress)
    print(text)
    return 0


async def cmd_check(args: argparse.Namespace) -> int:
    from checks.commands import check_command
    from store import db

    async with db.database(args.db, create=False):
        await _operator(args)
        return await check_command(args.as_of, args.unit, args.json, sys.stdout, _progress("审核"))


async def cmd_quality(args: argparse.Namespace) -> int:
    from checks.commands import quality_command
    from store import db

    async with db.database(args.db, create=False):
        await _operator(args)
        return await quality_command(args.as_of, args.json, sys.stdout, _progress("审核"))


async def cmd_demo(args: argparse.Namespace) -> int:
    from store import db
    from store.demo_build import build_demo

    target = db.resolve(args.db, demo=True)
    existed = target.path is not None and target.path.exists()
    result = await build_demo(
        target, persons=args.persons, seed=args.seed, error_rate=args.error_rate, as_of=args.as_of,
        force=args.force, if_missing=args.if_missing, progress=_progress("生成"),
    )  # fmt: skip
    print(result)
    if args.no_audit or (existed and args.if_missing):
        return 0
    from checks.engine import run_audit

    async with db.database(target, create=False):  # the tree and the review list show the planted errors at once
        summary = await run_audit(args.as_of, _progress("审核"), today=args.as_of)
    counts = summary.counts()
    print(f"已完成逻辑审核：错误 {counts.get('E', 0)} 条，预警 {counts.get('W', 0)} 条。")
    return 0


async def cmd_user(args: argparse.Namespace) -> int:
    from store import db, users

    async with db.database(args.db):
        if args.action == "list":
            for u in await users.list_users():
                role = users.ROLES.get(str(u["role"]), u["role"])
                state = "" if u["active"] else "（停用）"
                print(f"{u['username']}\t{u['real_name']}\t{role}\t{u['unit_code'] or ''}{state}")
            return 0
        if args.action != "add":
            operator, role = await _identity(args)
            if role != "admin" and await users.count_users():
                raise CliError("只有管理员可以管理账号。")
            if args.action == "passwd":
                await users.set_password(args.username, _new_password("密码未改"), by=operator)
                print(f"已为 {args.username} 设置新密码。")
            elif args.action == "unlock":
                await users.unlock(args.username, by=operator)
                print(f"已解除 {args.username} 的锁定。")
            else:
                await users.set_active(args.username, args.action == "enable", by=operator)
                print(f"已{'启用' if args.action == 'enable' else '停用'}账号 {args.username}。")
            return 0
        operator = await _operator(args) if await users.count_users() else users.os_user()
        password = _new_password("账号未建立")
        if len(password) < 6:
            raise CliError("密码至少 6 位。")
        await users.create_user(args.username, args.name, password, args.role, args.unit, by=operator)
    print(f"已建立账号 {args.username}（{users.ROLES[args.role]}）。")
    return 0


def _new_password(nothing_done: str) -> str:
    """A new password from ``RENKOU_NEW_PASSWORD`` or typed twice at the terminal."""
    password = os.environ.get("RENKOU_NEW_PASSWORD")
    if password is not None:
        return password
    if not sys.stdin.isatty():
        raise CliError("需要新密码：请在终端中运行以便输入，或设置环境变量 RENKOU_NEW_PASSWORD。")
    import getpass

    password = getpass.getpass("新密码：")
    if getpass.getpass("再输入一次：") != password:
        raise CliError(f"两次输入的密码不一致，{nothing_done}。")
    return password


async def cmd_log(args: argparse.Namespace) -> int:
    from store import audit, db

    async with db.database(args.db, create=False):
        await _operator(args)
        for entry in await audit.recent(args.limit):
            print(f"{entry['logged_at']}\t{entry['username']}\t{entry['action']}\t{entry['target']}\t{entry['detail']}")
    return 0


def _sqlite_target(args: argparse.Namespace) -> Path:
    """The SQLite file of ``--db`` (backups of PostgreSQL are the server's job)."""
    from store.db import resolve

    target = resolve(args.db)
    if target.path is None:
        raise CliError("PostgreSQL 数据库请用服务器的 pg_dump 备份、pg_restore 恢复（见 README 的“备份”一节）。")
    return target.path


def _size(n: int) -> str:
    return f"{n / 1_048_576:.1f} MB"


async def cmd_backup(args: argparse.Namespace) -> int:
    from store import backup, db
    from store.audit import log_action

    database = _sqlite_target(args)
    folder = args.dir or backup.default_folder(database)
    if args.list:
        found = backup.list_backups(folder)
        for item in found:
            print(f"{item.taken_at:%Y-%m-%d %H:%M:%S}\t{_size(item.size)}\t{item.path}")
        print(f"共 {len(found)} 个备份，在 {folder}。" if found else f"{folder} 中没有备份。")
        return 0
    async with db.database(database, create=False):
        operator = await _operator(args)
        made = await asyncio.to_thread(backup.create_backup, database, folder, progress=_progress("备份（页）"))
        removed = [] if args.keep_all else backup.rotate(folder)
        await log_action(operator, "backup", str(made.path), f"{_size(made.size)}，轮换删除 {len(removed)} 个旧备份")
    print(f"已备份到 {made.path}（{_size(made.size)}，完整性检查通过）。")
    if removed:
        print(f"按轮换规则删除了 {len(removed)} 个旧备份（保留近 30 天每天一份、近 5 年每月一份）。")
    return 0


def _confirm_restore(args: argparse.Namespace, database: Path) -> None:
    if args.yes:
        return
    if not sys.stdin.isatty():
        raise CliError("恢复会用备份覆盖当前数据库。确认无误请加 --yes 重新运行。")
    answer = input(f"将用 {args.file} 覆盖 {database} 的全部数据（当前数据已先备份）。确认请输入 yes：")
    if answer.strip().lower() != "yes":
        raise CliError("已取消，数据库未改动。")


async def cmd_restore(args: argparse.Namespace) -> int:
    from store import backup, db
    from store.audit import log_action

    database = _sqlite_target(args)
    version = backup.check_file(args.file)
    operator = None
    if database.exists():
        try:
            await db.open_db(db.resolve(database), create=False)
        except Exception as exc:
            raise CliError(
                f"当前数据库无法打开（{exc}）。如要用备份替换它，请先把 {database} 改名保存，再运行 renkou restore。"
            ) from None
        try:
            operator, role = await _identity(args)
            if role != "admin":
                raise CliError("只有管理员可以恢复数据库。")
            saved = await asyncio.to_thread(
                backup.create_backup, database, args.dir or backup.default_folder(database), label="before-restore"
            )
            await log_action(operator, "backup", str(saved.path), "恢复前自动备份")
        finally:
            await db.close_db()
        print(f"当前数据已备份到 {saved.path}。")
    _confirm_restore(args, database)
    await asyncio.to_thread(backup.restore_into, database, args.file, _progress("恢复（页）"))
    async with db.database(database, create=False):  # migrates an older backup to the current schema
        from store import users

        who = operator or users.os_user()
        await log_action(who, "restore", str(args.file), f"结构版本 {version}")
    print(f"已从 {args.file} 恢复数据库 {database}（备份已通过完整性检查）。")
    return 0


def check_terminal_encoding() -> str | None:
    """A message when the terminal is not UTF-8 (Textual would crash or show mojibake)."""
    encoding = (getattr(sys.stdout, "encoding", None) or "").lower().replace("-", "")
    if encoding in ("utf8", "utf_8"):
        return None
    return (
        f"The terminal encoding is {encoding or 'unknown'}, not UTF-8. Set your terminal (PuTTY: Window > "
        "Translation > UTF-8) and locale (export LANG=zh_CN.UTF-8 or C.UTF-8) to UTF-8, then run renkou again.\n"
        "终端编码不是 UTF-8。请把终端（PuTTY：窗口 > 转换 > UTF-8）和系统区域设置（export LANG=zh_CN.UTF-8）"
        "改为 UTF-8 后再运行 renkou。"
    )


def run_tui(args: argparse.Namespace) -> int:
    """Open the TUI on the database (Tortoise initialised around the app, design §7)."""
    message = check_terminal_encoding()
    if message:
        print(message, file=sys.stderr)
        return EXIT_FAILED
    from store.db import resolve
    from tui.app import run_app

    target = resolve(args.db, demo=args.demo)
    return asyncio.run(run_app(target, ascii_borders=args.ascii, username=args.user))


COMMANDS: dict[str, Callable[[argparse.Namespace], Awaitable[int]]] = {
    "import": cmd_import,
    "export": cmd_export,
    "demo": cmd_demo,
    "check": cmd_check,
    "quality": cmd_quality,
    "user": cmd_user,
    "log": cmd_log,
    "backup": cmd_backup,
    "restore": cmd_restore,
}


def database_failure(exc: BaseException) -> str:
    """A Chinese explanation of a database failure; the transaction was rolled back."""
    text = str(exc).lower()
    if "disk is full" in text or "no space" in text:
        return "磁盘已满，操作已撤销，数据库未改动。请清理磁盘空间后重试。"
    if "locked" in text or "busy" in text:
        return "数据库正被其他人长时间占用，操作已撤销。请稍后重试。"
    if "readonly" in text or "read-only" in text:
        return "数据库文件只读，操作已撤销。请检查文件权限。"
    return f"数据库操作失败（{exc}），操作已撤销，数据库未改动。"


def _crash_report(exc: BaseException) -> str:
    """Write the traceback to the data directory; returns where."""
    try:
        from store.db import data_dir

        folder = data_dir()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "crash.log"
        with path.open("a", encoding="utf-8") as handle:
            handle.write(f"--- {dt.datetime.now():%Y-%m-%d %H:%M:%S} {' '.join(sys.argv)}\n")
            handle.write("".join(traceback.format_exception(exc)))
        return str(path)
    except OSError:
        return "（无法写入日志）"


def main(argv: list[str] | None = None) -> int:
    """Run ``renkou``; returns the exit code."""
    from tortoise.exceptions import OperationalError as DBOperationalError
    from tortoise.exceptions import TransactionManagementError

    from store.errors import StoreError

    args = build_parser().parse_args(argv)
    try:
        if args.command is None:
            return run_tui(args)
        return asyncio.run(COMMANDS[args.command](args))
    except (CliError, StoreError) as exc:
        print(f"renkou: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except (DBOperationalError, TransactionManagementError) as exc:  # the latter: lock wait timed out at BEGIN
        print(f"renkou: {database_failure(exc)}", file=sys.stderr)
        return EXIT_FAILED
    except BrokenPipeError:  # output piped into a program that stopped reading (e.g. `| head`)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print("renkou: 已取消，未完成的操作没有写入数据库。", file=sys.stderr)
        return 130
    except Exception as exc:
        where = _crash_report(exc)
        print(
            f"renkou: 内部错误（{type(exc).__name__}: {exc}）。详细信息已写入 {where}，请报告给维护人员。",
            file=sys.stderr,
        )
        return EXIT_FAILED


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
