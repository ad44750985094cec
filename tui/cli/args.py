"""The argument parser of ``renkou`` (`docs/spec/interchange.md` §2): commands, flags, help texts in Chinese."""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from collections.abc import Callable
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


DIGITS = re.compile(r"[0-9]{1,18}")
#: the largest count any option takes (more rows than a county has; fits every database's integers)
MAX_COUNT = 10_000_000


def _whole(text: str) -> int | None:
    """`text` as a whole number in ASCII digits (at most 18), else None (never raises)."""
    text = text.strip()
    negative = text.startswith("-")
    digits = text[1:] if negative else text
    if not DIGITS.fullmatch(digits):
        return None
    return -int(digits) if negative else int(digits)


def bounded(low: int, high: int, what: str = "") -> Callable[[str], int]:
    """An argument type: a whole number from `low` to `high` (a Chinese message otherwise)."""

    def parse(text: str) -> int:
        value = _whole(text)
        if value is None or not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{what}{text} 无效，应为 {low} 到 {high} 之间的整数。")
        return value

    parse.__name__ = "整数"
    return parse


positive_arg = bounded(1, MAX_COUNT)
minutes_arg = bounded(1, 60)
seed_arg = bounded(0, 2**31 - 1, "随机种子 ")


def out_file_arg(text: str) -> Path:
    """An output file: refused when it is a folder or exists as anything but a regular file (a device such as
    /dev/null, a pipe, a socket)."""
    path = Path(text).expanduser()
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} 是文件夹，不能作为输出文件。请在后面加上文件名。")
    if path.exists() and not path.is_file():
        raise argparse.ArgumentTypeError(f"{text} 不是普通文件（是设备或管道），不能作为输出文件。请换一个文件名。")
    return path


def in_file_arg(text: str) -> Path:
    """An input file: refused when it is a folder or a device (only regular files are read)."""
    path = Path(text).expanduser()
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} 是文件夹，不是文件。请给出文件名。")
    if path.exists() and not path.is_file():
        raise argparse.ArgumentTypeError(f"{text} 不是普通文件（是设备或管道），不能读取。请给出文件名。")
    return path


def import_arg(text: str) -> str:
    """The household file of ``renkou import`` (checked like :func:`in_file_arg`), or ``sample-results``."""
    return text if text == "sample-results" else str(in_file_arg(text))


def folder_arg(text: str) -> Path:
    """A folder (created when missing): refused when it exists and is not a folder."""
    path = Path(text).expanduser()
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} 不是文件夹。请给出一个文件夹（不存在时会自动建立）。")
    return path


#: argparse's own (English) messages, in Chinese
ARGPARSE_WORDS = [
    (re.compile(r"^argument ([^:]+): "), r"参数 \1："),
    (re.compile(r"the following arguments are required: (.*)"), r"缺少参数：\1"),
    (re.compile(r"unrecognized arguments: (.*)"), r"无法识别的参数：\1"),
    (re.compile(r"invalid choice: (.*) \(choose from (.*)\)"), r"无效的选项 \1（可选：\2）"),
    (re.compile(r"expected one argument"), "需要给出一个值"),
    (re.compile(r"invalid (\w+) value: (.*)"), r"无效的值 \2"),
]


#: positional arguments by their Chinese names in messages
ARGUMENT_NAMES = {"command": "命令", "file": "文件", "results": "抽查表", "minutes": "分钟数", "username": "用户名",
                  "what": "导出内容", "action": "操作", "setting": "设置项"}  # fmt: skip


def chinese(message: str) -> str:
    """An argparse error message with its English words put into Chinese."""
    for pattern, words in ARGPARSE_WORDS:
        message = pattern.sub(words, message)
    message = re.sub(r"^参数 (\w+)：", lambda m: f"参数 {ARGUMENT_NAMES.get(m[1], m[1])}：", message)
    if message.startswith("缺少参数："):
        names = message.removeprefix("缺少参数：").split(", ")
        message = "缺少参数：" + "、".join(ARGUMENT_NAMES.get(name, name) for name in names)
    return message


#: argparse's own (English) headings of ``--help``, in Chinese
HELP_WORDS = (("usage: ", "用法："), ("positional arguments:", "命令与参数："), ("options:", "选项："),
              ("optional arguments:", "选项："), ("show this help message and exit", "显示本帮助并退出"))  # fmt: skip


def chinese_help(text: str) -> str:
    """A ``--help`` or usage text with argparse's English headings put into Chinese."""
    for english, words in HELP_WORDS:
        text = text.replace(english, words)
    return text


class _Parser(argparse.ArgumentParser):
    def format_help(self) -> str:
        return chinese_help(super().format_help())

    def format_usage(self) -> str:
        return chinese_help(super().format_usage())

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"renkou: 参数错误：{chinese(message)}", file=sys.stderr)
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
    demo.add_argument("--seed", type=seed_arg, default=1, help="随机种子（相同种子生成相同数据）")
    demo.add_argument("--error-rate", type=rate_arg, default=0.03, help="植入逻辑错误的记录比例（默认 0.03，即 3%%）")
    demo.add_argument("--as-of", type=date_arg, default=None, help="数据截止日期（默认今天）")
    demo.add_argument("--force", action="store_true", help="替换已有的演示数据库")
    demo.add_argument("--if-missing", action="store_true", help="演示数据库已存在时什么也不做")
    demo.add_argument("--no-audit", action="store_true", help="生成后不运行逻辑审核（默认运行，户树上显示问题数）")

    imp = sub.add_parser("import", parents=[common], help="导入户文件（JSONL），或 import sample-results 抽查结果")
    imp.add_argument("file", type=import_arg, help="户文件 .jsonl；或 sample-results")
    imp.add_argument("results", nargs="?", type=in_file_arg, help="sample-results 时：填好的抽查表 .xlsx")
    imp.add_argument("--partial", action="store_true", help="导入正确的行，错误的行原样写入退回文件")
    imp.add_argument("--reject", type=out_file_arg, default=None, help="退回文件路径（默认：原文件名.rejects.jsonl）")

    exp = sub.add_parser("export", parents=[common], help="导出数据")
    what = exp.add_subparsers(dest="what", parser_class=_Parser, required=True)

    def export_target(name: str, help_text: str, suffix: str, *, month: bool = False, unit: str | None = None) -> None:
        target = what.add_parser(name, parents=[common], help=help_text)
        if month:
            target.add_argument("--month", required=True, help="月份 YYYY-MM")
        target.add_argument("--out", type=out_file_arg, required=True, help=f"输出文件 {suffix}")
        if unit is not None:
            target.add_argument("--unit", default="", help=unit)

    export_target("households", "导出户文件（JSONL）", ".jsonl", unit="只导出该单位（县、乡镇、村代码）")
    export_target("monthly", "月报表（Excel）", ".xlsx", month=True, unit="只导出该单位（乡镇或村代码）")
    halfyear = what.add_parser("halfyear", parents=[common], help="半年报（Excel），按统计年度")
    halfyear.add_argument("--period", required=True, help="统计年度的上半年或下半年：YYYY-H1 或 YYYY-H2")
    annual = what.add_parser("annual", parents=[common], help="年报（Excel），按统计年度")
    annual.add_argument("--year", dest="period", required=True, help="统计年度 YYYY（以结束的年份命名）")
    for target in (halfyear, annual):
        target.add_argument("--out", type=out_file_arg, required=True, help="输出文件 .xlsx")
        target.add_argument("--unit", default="", help="只导出该单位（乡镇或村代码）")
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
    year = setting.add_parser("stat-year", parents=[common], help="统计年度从几月开始（不给月份则显示当前设置）")
    year.add_argument(
        "start", nargs="?", type=int, choices=(1, 10), help="1：1 月至 12 月（默认）；10：上年 10 月至本年 9 月"
    )

    backup = sub.add_parser("backup", parents=[common], help="在线备份数据库（检查完整性，自动轮换旧备份）")
    backup.add_argument("--dir", type=folder_arg, default=None, help="备份目录（默认：数据库所在目录下的 backups）")
    backup.add_argument("--list", action="store_true", help="只列出已有的备份")
    backup.add_argument("--keep-all", action="store_true", help="不按轮换规则删除旧备份")
    restore = sub.add_parser("restore", parents=[common], help="从备份恢复数据库（先检查备份，并先备份当前数据）")
    restore.add_argument("file", type=in_file_arg, help="备份文件 .sqlite3")
    restore.add_argument("--dir", type=folder_arg, default=None, help="恢复前自动备份的存放目录")
    restore.add_argument("--yes", action="store_true", help="不再询问，直接恢复")

    month = sub.add_parser("month", parents=[common], help="月报封账、重新打开、封账状态、审核签字")
    month_sub = month.add_subparsers(dest="month_action", parser_class=_Parser, required=True)
    close = month_sub.add_parser("close", parents=[common], help="封账（审核员、管理员）：保存本月报表，以后不再变动")
    close.add_argument("month", help="月份 YYYY-MM")
    close.add_argument("--unit", default="", help="乡镇或村代码（默认全部）")
    close.add_argument("--force", action="store_true", help="有村没有审核签字也封账")
    reopen = month_sub.add_parser("reopen", parents=[common], help="重新打开已封账的月份（管理员，须写理由）")
    reopen.add_argument("month", help="月份 YYYY-MM")
    reopen.add_argument("--unit", default="", help="封账时的单位代码（默认全部）")
    reopen.add_argument("--reason", required=True, help="重新打开的理由（记入操作日志）")
    status = month_sub.add_parser("status", parents=[common], help="各单位各月的封账状态")
    status.add_argument("--unit", default="", help="只看该单位")
    signoff = month_sub.add_parser("signoff", parents=[common], help="审核签字（审核员、管理员，按村）")
    signoff.add_argument("month", help="月份 YYYY-MM")
    signoff.add_argument("--unit", required=True, help="村代码")

    history = sub.add_parser("history", parents=[common], help="一个人的历史数据；--reverse 撤销录错的变动")
    history.add_argument("person", metavar="KEY-OR-ID", help="人员编号或 18 位身份证号")
    history.add_argument("--reverse", type=int, metavar="EVENT_NO", default=None,
                         help="撤销该编号的变动（审核员、管理员；编号见历史数据的第一列）")  # fmt: skip
    history.add_argument("--reason", default="", help="撤销的理由（记入操作日志）")

    log = sub.add_parser("log", parents=[common], help="查看操作日志")
    log.add_argument("--limit", type=bounded(1, MAX_COUNT, "条数 "), default=50, help="显示最近多少条（默认 50）")
    log.add_argument(
        "--verify", action="store_true", help="校验整个操作日志的哈希链（发现改动、删除、插入或截断时返回非零）"
    )
    return parser
