"""The keymap file: ``keymap.toml`` in the config folder remaps keys by binding id.

One line per key, e.g. ``"browse.search" = "ctrl+f"`` (several keys: ``"f2,ctrl+s"``). The ids are those of
:data:`tui.bindings.TABLE` (the F1 help shows the keys as they are now). A bad file or an unknown id gives a
Chinese notice and is ignored; the app always starts. No widgets here.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Any

from tui.bindings import BY_ID

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

FILE_NAME = "keymap.toml"
#: a Textual key name (``f4``, ``ctrl+f``, ``shift+tab``, ``pagedown``) or one printable character
KEY_NAME = re.compile(r"^(?:(?:ctrl|shift|alt|super|meta)\+)*(?:[a-z0-9_]+|[!-~])$")


def config_dir() -> Path:
    """The config folder: ``RENKOU_CONFIG_DIR`` when set, else the platform's (``~/.config/renkou``)."""
    override = os.environ.get("RENKOU_CONFIG_DIR")
    if override:
        return Path(override)
    from platformdirs import user_config_dir

    return Path(user_config_dir("renkou"))


def keymap_path() -> Path:
    """Where the keymap file is read from."""
    return config_dir() / FILE_NAME


def parse_keymap(data: dict[str, Any]) -> tuple[dict[str, str], list[str]]:
    """The valid entries of a parsed keymap file, and a Chinese notice for each entry ignored."""
    keymap: dict[str, str] = {}
    problems: list[str] = []
    for binding_id, value in data.items():
        key = BY_ID.get(binding_id)
        if key is None or not key.bound:
            problems.append(f"按键设置：没有编号为 {binding_id} 的按键，已忽略。")
            continue
        keys = [k.strip() for k in value.split(",")] if isinstance(value, str) else []
        if not keys or not all(k and KEY_NAME.match(k) for k in keys):
            problems.append(f"按键设置：{binding_id} 的键“{value}”无法识别，已忽略。")
            continue
        keymap[binding_id] = ",".join(keys)
    return keymap, problems


def load_keymap(path: Path | None = None) -> tuple[dict[str, str], list[str]]:
    """Read the keymap file (none: an empty keymap); returns the keymap and the notices for the clerk."""
    path = path or keymap_path()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}, []
    except OSError as exc:
        return {}, [f"按键设置文件 {path} 无法读取（{exc.strerror or exc}），使用默认按键。"]
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return {}, [f"按键设置文件 {path} 格式有误（{exc}），使用默认按键。"]
    return parse_keymap(data)
