"""F1 help: the keys of the current screen (its ``HELP`` text) and the global ones."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

GLOBAL_HELP = """\
全局按键
  F1        本帮助            Esc       返回 / 退出
  Ctrl+Q    退出程序          Ctrl+U    账号管理（管理员）

命令行（在 shell 中运行 renkou --help 查看全部）
  renkou import 文件.jsonl [--partial]     导入户文件
  renkou check                             整库逻辑审核
  renkou demo --persons 5000               生成演示数据"""


class HelpScreen(ModalScreen[None]):
    """A modal help panel: the screen's own keys first, then the global ones."""

    BINDINGS = [Binding("escape,f1", "dismiss", "关闭", id="close", key_display="Esc")]

    def __init__(self, topic: str = "") -> None:
        super().__init__()
        self.topic = topic

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box") as box:
            box.border_title = "帮助"
            box.border_subtitle = "Esc 或 F1 关闭"
            body = Text()
            body.append("Renkou 全员人口信息管理 — 帮助\n\n", style="bold")
            if self.topic:
                body.append(self.topic.rstrip() + "\n\n")
            body.append(GLOBAL_HELP)
            yield Static(body)
