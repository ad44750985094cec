"""F1 help: the keys of the current screen and the global ones."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

HELP_TEXT = """\
[b]Renkou 全员人口信息管理 — 帮助[/b]

全局按键
  F1        本帮助            Esc       返回 / 退出
  Ctrl+Q    退出程序

总览
  ↑ ↓ PgUp PgDn  移动（户树和录入界面在后续版本中提供）

命令行（在 shell 中运行 renkou --help 查看全部）
  renkou import 文件.jsonl [--partial]     导入户文件
  renkou export households --out 文件      导出户文件
  renkou demo --persons 5000               生成演示数据

按 Esc 或 F1 关闭本帮助。"""


class HelpScreen(ModalScreen[None]):
    """A modal help panel."""

    BINDINGS = [Binding("escape,f1", "dismiss", "关闭", id="close", key_display="Esc")]

    def __init__(self, topic: str = "") -> None:
        super().__init__()
        self.topic = topic

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box"):
            yield Static(HELP_TEXT)
