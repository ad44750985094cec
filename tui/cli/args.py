"""The argument parser of ``renkou`` (`docs/spec/interchange.md` §2): commands, flags, help texts in Chinese."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from tui.cli.errors import EXIT_USAGE


def date_arg(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期 {text} 无效，应为 YYYY-MM-DD。") from None


def rate_arg(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.0 <= value <= 0.5:
        raise argparse.ArgumentTypeError(f"差错率 {text} 无效，应为 0 到 0.5 之间的小数。")
    return value


def positive_arg(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text} 应为正整数。")
    return int(text)


def minutes_arg(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 60:
        raise argparse.ArgumentTypeError(f"{text} 无效，应为 1 到 60 的分钟数。")
    return int(text)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"renkou: 参数错误：{message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def global_options(default: str | None) -> argparse.ArgumentParser:
    """The options every command takes (``--db``, ``--user``), before or after the command's name."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db", default=default, help="数据库：SQLite 文件路径或 postgres:// 地址（默认：用户数据目录）"
    )
    common.add_argument("--user", default=default,
                        help="登录用户名（数据库已有账号时必填；密码从提示或 RENKOU_PASSWORD 读取）")  # fmt: skip
    return common


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``renkou``."""
    parser = _Parser(prog="renkou", description="Renkou 全员人口信息管理", parents=[global_options(None)])
    # in a command, --db and --user default to "not given" so that `renkou --db F check` keeps F
    common = global_options(argparse.SUPPRESS)
    parser.add_argument("--ascii", action="store_true", help="用 ASCII 字符画边框（终端把制表符显示为双宽时使用）")
    parser.add_argument("--demo", action="store_true", help="打开演示数据库（renkou demo 生成的）")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    demo = sub.add_parser("demo", parents=[common], help="生成演示用的乡镇/县数据（含差错和答案清单）")
    demo.add_argument("--persons", type=positive_arg, default=5000, help="人数（默认 5000，一个乡镇）")
    demo.add_argument("--seed", type=int, default=1, help="随机种子（相同种子生成相同数据）")
    demo.add_argument("--error-rate", type=rate_arg, default=0.03, help="植入逻辑错误的记录比例（默认 0.03，即 3%%）")
    demo.add_argument("--as-of", type=date_arg, default=None, help="数据截止日期（默认今天）")
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
    check.add_argument("--as-of", type=date_arg, default=None, help="基准日期（默认今天）")
    check.add_argument("--unit", default=None, help="只列出该单位的结果")
    check.add_argument("--json", action="store_true", help="每条问题一行 JSON")

    quality = sub.add_parser("quality", parents=[common], help="数据质量指标")
    quality.add_argument("--as-of", type=date_arg, default=None, help="基准日期（默认今天）")
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

    sub.add_parser("passwd", parents=[common],
                   help="修改本人密码（原密码从提示或 RENKOU_PASSWORD，新密码从提示或 RENKOU_NEW_PASSWORD 读取）")  # fmt: skip
    settings = sub.add_parser("settings", parents=[common], help="系统设置（管理员）")
    setting = settings.add_subparsers(dest="setting", parser_class=_Parser, required=True)
    idle = setting.add_parser("idle-lock", parents=[common], help="闲置多少分钟后锁屏（不给分钟数则显示当前设置）")
    idle.add_argument("minutes", nargs="?", type=minutes_arg, help="1 到 60 分钟（默认 15）")

    backup = sub.add_parser("backup", parents=[common], help="在线备份数据库（检查完整性，自动轮换旧备份）")
    backup.add_argument("--dir", type=Path, default=None, help="备份目录（默认：数据库所在目录下的 backups）")
    backup.add_argument("--list", action="store_true", help="只列出已有的备份")
    backup.add_argument("--keep-all", action="store_true", help="不按轮换规则删除旧备份")
    restore = sub.add_parser("restore", parents=[common], help="从备份恢复数据库（先检查备份，并先备份当前数据）")
    restore.add_argument("file", type=Path, help="备份文件 .sqlite3")
    restore.add_argument("--dir", type=Path, default=None, help="恢复前自动备份的存放目录")
    restore.add_argument("--yes", action="store_true", help="不再询问，直接恢复")

    log = sub.add_parser("log", parents=[common], help="查看操作日志")
    log.add_argument("--limit", type=positive_arg, default=50)
    return parser
