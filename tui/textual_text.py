"""Textual's own words in Chinese: the descriptions of the key bindings of Textual's widgets (shown wherever
Textual lists keys, e.g. "esc Dismiss menu" of a Select's menu). Applied once when the app starts
(:func:`localise`); the app's own keys come from the key table (:mod:`tui.bindings`)."""

from __future__ import annotations

import dataclasses

from textual.binding import Binding
from textual.dom import DOMNode
from textual.widgets import DataTable, Input, OptionList, Select, Tree  # noqa: F401  (loaded: localised too)
from textual.widgets._select import SelectOverlay

__all__ = ["CHINESE", "localise"]

#: Textual's binding descriptions and what a clerk reads instead
CHINESE = {
    "Dismiss menu": "关闭列表",
    "Show menu": "打开列表",
    "Quit": "退出",
    "Focus Next": "下一项",
    "Focus Previous": "上一项",
    "Copy selected text": "复制",
    "Cut selected text": "剪切",
    "Paste text from the clipboard": "粘贴",
    "Select all": "全选",
    "Select": "选定",
    "Submit": "确定",
    "Toggle": "展开 / 收起",
    "Cursor up": "上移",
    "Cursor Up": "上移",
    "Cursor down": "下移",
    "Cursor Down": "下移",
    "Cursor left": "左移",
    "Cursor right": "右移",
    "Cursor to parent": "到上一级",
    "Up": "上移",
    "Down": "下移",
    "Top": "到开头",
    "Bottom": "到末尾",
    "First": "第一项",
    "Last": "最后一项",
    "Home": "到开头",
    "End": "到末尾",
    "Go to start": "到开头",
    "Go to end": "到末尾",
    "Page Up": "上一页",
    "Page up": "上一页",
    "Page Down": "下一页",
    "Page down": "下一页",
    "Page Left": "左翻页",
    "Page Right": "右翻页",
    "Scroll Up": "上滚",
    "Scroll Down": "下滚",
    "Scroll Left": "左滚",
    "Scroll Right": "右滚",
    "Scroll Home": "滚到开头",
    "Scroll End": "滚到末尾",
    "Delete character left": "删除左边一字",
    "Delete character right": "删除右边一字",
    "Delete all to the right": "删除右边全部",
    "Move cursor left": "左移",
    "Move cursor left a word": "左移一词",
    "Select line start": "选到行首",
    "Select line end": "选到行尾",
    "Delete all to the left": "删除左边全部",
    "Delete left to start of word": "删除左边一词",
    "Delete right to start of word": "删除右边一词",
    "Move cursor left a word and select": "左选一词",
    "Move cursor left and select": "左选一字",
    "Move cursor right": "右移",
    "Move cursor right a word": "右移一词",
    "Move cursor right a word and select": "右选一词",
    "Move cursor right and select": "右选一字",
    "Move cursor right or accept the completion suggestion": "右移或采用提示",
    "Cursor to next ancestor": "到上一级的下一项",
    "Cursor to next sibling": "到下一个同级",
    "Cursor to previous sibling": "到上一个同级",
    "Expand or collapse all": "全部展开 / 收起",
}

_done = False


def _chinese(binding: object) -> object:
    if isinstance(binding, tuple) and len(binding) >= 3:
        return (*binding[:2], CHINESE.get(binding[2], binding[2]), *binding[3:])
    if isinstance(binding, Binding) and binding.description in CHINESE:
        return dataclasses.replace(binding, description=CHINESE[binding.description])
    return binding


def _subclasses(cls: type) -> list[type]:
    found = [cls]
    for sub in cls.__subclasses__():
        found.extend(_subclasses(sub))
    return found


def localise() -> None:
    """Give the bindings of Textual's classes (every one loaded, and ``Select`` and its menu) Chinese
    descriptions (once per process; classes defined later inherit them)."""
    global _done
    if _done:
        return
    _done = True
    classes = list(dict.fromkeys([*_subclasses(DOMNode), Select, SelectOverlay]))
    for cls in classes:
        if cls.__module__.startswith("textual.") and "BINDINGS" in cls.__dict__:
            cls.BINDINGS = [_chinese(b) for b in cls.__dict__["BINDINGS"]]  # type: ignore[attr-defined]
    for cls in _subclasses(DOMNode):
        cls._merged_bindings = cls._merge_bindings()  # type: ignore[attr-defined]
