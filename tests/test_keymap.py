"""The key table (tui/bindings.py) and the keymap file (tui/keymap.py): unique ids, every BINDINGS entry from
the table, footer and F1 generated from it, a keymap file remapping a key, a broken file never a crash."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from rich.cells import cell_len
from textual.binding import Binding
from textual.dom import DOMNode
from textual.screen import ModalScreen
from textual.widgets import Static

import tui.screens
import tui.widgets
from store import db
from tests.support.pilot import settle, shown
from tui.app import RenkouApp
from tui.bindings import BY_ID, FOOTER_WIDTH, GLOBAL, TABLE, footer_text, key_name
from tui.keymap import load_keymap, parse_keymap
from tui.widgets.key_bar import KeyBar


def _our_classes() -> Iterator[type[DOMNode]]:
    """Every screen, widget and app class defined in tui/ (importing every module: a broken one fails here)."""
    modules = [importlib.import_module("tui.app")]
    for package in (tui.screens, tui.widgets):
        for info in pkgutil.iter_modules(package.__path__):
            modules.append(importlib.import_module(f"{package.__name__}.{info.name}"))
    for module in modules:
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, DOMNode) and cls.__module__ == module.__name__:
                yield cls


def test_the_table_has_unique_namespaced_ids() -> None:
    ids = [key.id for key in TABLE]
    assert len(ids) == len(set(ids))
    for key in TABLE:
        assert key.id.count(".") == 1 and key.scope and key.label and key.help, key.id


def test_every_binding_comes_from_the_table() -> None:
    checked = 0
    for cls in _our_classes():
        for binding in cls.__dict__.get("BINDINGS", ()):
            assert isinstance(binding, Binding), f"{cls.__name__}: {binding!r} is not from the key table"
            assert binding.id in BY_ID, f"{cls.__name__}: binding {binding.id!r} is not in the key table"
            key = BY_ID[binding.id]
            assert (binding.key, binding.action, binding.description) == (key.keys, key.action, key.label)
            checked += 1
    assert checked >= 40


def test_footers_fit_80_columns() -> None:
    screens = [cls for cls in _our_classes() if getattr(cls, "KEY_SCOPES", None)]
    assert {c.__name__ for c in screens} >= {"BrowseScreen", "PersonForm", "ChangeEntryScreen", "ReviewScreen",
                                             "QualityScreen", "ExportScreen"}  # fmt: skip
    for cls in screens:
        modal = issubclass(cls, ModalScreen)  # the app's keys do not reach into a modal screen
        text = footer_text(cls.KEY_SCOPES, {}, with_global=not modal)  # type: ignore[attr-defined]
        assert 0 < cell_len(text.plain) <= FOOTER_WIDTH, cls.__name__
        assert text.plain.startswith(" F1帮助") or (modal and cls.__name__ != "ExportScreen"), cls.__name__
    # what the table says goes into the footer: the browse line as the clerks know it
    browse = footer_text(("browse", "tree"), {}).plain
    assert browse == " F1帮助 Enter打开 Ins新户 /查找 F4变更录入 F6审核 F7质量 F8导出 Esc退出"
    assert "编辑户" not in browse  # show=False keys stay out of the footer


def test_keymap_file_parsing(tmp_path: Path) -> None:
    assert load_keymap(tmp_path / "none.toml") == ({}, [])
    good = tmp_path / "keymap.toml"
    good.write_text('"browse.search" = "ctrl+f"\n"form.save" = "f2, ctrl+w"\n', encoding="utf-8")
    assert load_keymap(good) == ({"browse.search": "ctrl+f", "form.save": "f2,ctrl+w"}, [])
    keymap, problems = parse_keymap(
        {"browse.nothing": "f4", "browse.changes": 5, "browse.review": "", "browse.open": "x"}
    )
    assert keymap == {}
    assert len(problems) == 4 and "browse.nothing" in problems[0] and all("已忽略" in p for p in problems)
    bad = tmp_path / "bad.toml"
    bad.write_text('"browse.search" = \n[[', encoding="utf-8")
    keymap, problems = load_keymap(bad)
    assert keymap == {} and len(problems) == 1 and "格式有误" in problems[0]
    assert key_name("ctrl+f") == "^F" and key_name("f12") == "F12" and key_name("slash") == "/"


@pytest.fixture
async def empty_db(sqlite_path: Path) -> AsyncIterator[db.DbTarget]:
    async with db.database(sqlite_path) as target:
        yield target


def _app(target: db.DbTarget) -> RenkouApp:
    return RenkouApp(target_label=target.label, is_demo=True, needs_login=False, username="demo")


def _help_text(app: RenkouApp) -> str:
    return shown(app.screen.query_one("#help-box Static", Static))


async def test_f1_is_generated_from_the_table(empty_db: db.DbTarget, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.setenv("RENKOU_CONFIG_DIR", str(tmp_path / "config"))
    app = _app(empty_db)
    async with app.run_test(size=(100, 60)) as pilot:
        browse = app.screen
        await settle(pilot)
        await pilot.press("f1")
        assert type(app.screen).__name__ == "HelpScreen"
        text = _help_text(app)
        for key_id in ("browse.edit_household", "tree.close_level", "app.users"):
            assert BY_ID[key_id].help in text, key_id
        assert "拼音首字母" in text  # the screen's prose stays
        await pilot.press("escape")
        await pilot.press("f4")
        await settle(pilot, lambda: type(app.screen).__name__ == "ChangeEntryScreen")
        await pilot.press("f1")
        text = _help_text(app)
        assert BY_ID["changes.check"].help in text and BY_ID["form.save"].help not in text
        await pilot.press("escape")
        keys = shown(app.screen.query_one(KeyBar))
        assert "F2保存并继续" in keys and "F5核对本批" in keys
        await pilot.press("escape")
        await settle(pilot, lambda: app.screen is browse)


async def test_a_keymap_file_remaps_a_key(empty_db: db.DbTarget, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    config = tmp_path / "config"
    config.mkdir()
    (config / "keymap.toml").write_text('# 按键设置\n"browse.changes" = "f12"\n', encoding="utf-8")
    monkeypatch.setenv("RENKOU_CONFIG_DIR", str(config))
    app = _app(empty_db)
    async with app.run_test(size=(80, 24)) as pilot:
        browse = app.screen
        await settle(pilot)
        assert not app._notifications
        keys = shown(browse.query_one(KeyBar))
        assert "F12变更录入" in keys and "F4" not in keys
        await pilot.press("f4")  # the old key does nothing now
        await settle(pilot)
        assert app.screen is browse
        await pilot.press("f1")
        assert "F12" in _help_text(app)
        await pilot.press("escape")
        await pilot.press("f12")
        await settle(pilot, lambda: type(app.screen).__name__ == "ChangeEntryScreen")


async def test_a_broken_keymap_file_gives_a_notice_and_the_app_starts(empty_db: db.DbTarget, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    config = tmp_path / "config"
    config.mkdir()
    (config / "keymap.toml").write_text('"browse.changes" = "f12\n', encoding="utf-8")
    monkeypatch.setenv("RENKOU_CONFIG_DIR", str(config))
    app = _app(empty_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert type(app.screen).__name__ == "BrowseScreen"
        assert any("按键设置文件" in n.message and "格式有误" in n.message for n in app._notifications)
        await pilot.press("f4")  # the default keys hold
        await settle(pilot, lambda: type(app.screen).__name__ == "ChangeEntryScreen")
    (config / "keymap.toml").write_text('"browse.nothing" = "f12"\n', encoding="utf-8")
    app = _app(empty_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert any("没有编号为 browse.nothing" in n.message for n in app._notifications)


def test_the_global_scope_is_the_apps() -> None:
    assert {b.id for b in RenkouApp.BINDINGS if isinstance(b, Binding)} == {k.id for k in TABLE if k.scope == GLOBAL}
