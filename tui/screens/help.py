"""F1 help: the keys of the current screen and the global ones, generated from the key table, with the
screen's short prose (its ``HELP``: what is not a key, e.g. what a search accepts)."""

from __future__ import annotations

from collections.abc import Mapping

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from tui.bindings import GLOBAL, bindings, help_lines

COMMAND_LINE = """\
命令行（在 shell 中运行 renkou --help 查看全部）
  renkou import 文件.jsonl [--partial]     导入户文件
  renkou check                             整库逻辑审核
  renkou demo --persons 5000               生成演示数据
按键可在按键设置文件 keymap.toml 中修改（见 README）。"""


def help_body(screen: Screen[object], keymap: Mapping[str, str]) -> Text:
    """The help of `screen`: its keys (``KEY_SCOPES``), its prose (``HELP``), the global keys, the CLI."""
    body = Text()
    body.append("全员人口信息管理 — 帮助\n\n", style="bold")
    scopes = tuple(getattr(screen, "KEY_SCOPES", ()))
    if scopes:
        body.append("本屏幕按键\n", style="bold")
        body.append_text(help_lines(scopes, keymap))
        body.append("\n")
    prose = str(getattr(screen, "HELP", "") or "").rstrip()
    if prose:
        body.append(prose + "\n\n")
    body.append("全局按键\n", style="bold")
    body.append_text(help_lines([GLOBAL], keymap))
    body.append("\n")
    body.append(COMMAND_LINE)
    return body


class HelpScreen(ModalScreen[None]):
    """A modal help panel showing `body` (see :func:`help_body`)."""

    BINDINGS = bindings("help")

    def __init__(self, body: Text | str = "") -> None:
        super().__init__()
        self.body = body

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box") as box:
            box.border_title = "帮助"
            box.border_subtitle = "Esc 或 F1 关闭"
            yield Static(self.body)
