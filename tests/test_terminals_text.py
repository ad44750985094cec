"""Terminals and text (issue 9): ASCII borders with visible input, E/W told apart without colour, the 80×24
notice, the GBK refusal read from the locale; no English or internal strings on any screen; names refused with
a message; a suggested surname typed again; quitting and discarding ask, defaulting to the safe answer; code
look-up by spoken names and every reading of a polyphone."""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest
from rich.text import Text
from textual import events
from textual.pilot import Pilot

from store import db
from store.codes import TABLES
from store.domain.names import NAME_MAX, name_problem
from store.domain.surnames import strip_repeated_surname
from store.records import load_households
from tests.support.apps import make_app
from tests.support.data import CODE
from tests.support.pilot import field, screen_text, settle
from tui import severity
from tui.app import TOO_SMALL, TooSmallScreen, ascii_terminal
from tui.cli.tui_launch import check_terminal_encoding, locale_encoding
from tui.screens.browse import BrowseScreen
from tui.screens.form_dialogs import ChoiceDialog
from tui.screens.person_form import PersonForm

REPO = Path(__file__).resolve().parents[1]
SNAPSHOTS = REPO / "tests" / "__snapshots__"

#: ASCII words a screen may show: key names, the product's name, and data of the test databases (user names,
#: pinyin typed into a search box, the rule codes of the specification)
ALLOWED_WORDS = {"Esc", "Enter", "Ins", "Ctrl", "PgUp", "PgDn", "Home", "End", "Tab", "Del", "Renkou",
                 "boss", "clerk", "demo", "cmh", "zjj", "ljg"}  # fmt: skip
RULE_CODE = re.compile(r"^[A-Z]{2,4}\d+$")


async def open_person(pilot: Pilot, key: str | None = "h12-1") -> PersonForm:
    form = PersonForm(CODE, key)
    pilot.app.push_screen(form)
    await settle(pilot, lambda: form.ready)
    await settle(pilot)
    return form


# --- terminals ----------------------------------------------------------------------------------------------


async def test_ascii_mode_shows_input_and_square_corners(example_db: db.DbTarget) -> None:
    app = make_app(example_db, "demo", ascii_borders=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, BrowseScreen))
        browse = screen_text(app.screen)
        assert "+" in browse and not set("╭╮╰╯┌┐└┘") & set(browse)
        form = await open_person(pilot)
        text = screen_text(form)
        assert "周建军" in text and field(form, "name").value == "周建军"  # the input text is drawn
        for path in ("name", "id_number", "relation"):
            assert field(form, path).value and field(form, path).value[:3] in text, path
        await pilot.press("escape")
        await settle(pilot, lambda: app.screen is not form)
    import textual._border as textual_border

    assert textual_border.BORDER_CHARS["round"][0][0] == "╭"  # restored when the app ended


def test_linux_console_gets_ascii_borders() -> None:
    assert ascii_terminal({"TERM": "linux"})
    assert not ascii_terminal({"TERM": "xterm-256color"}) and not ascii_terminal({})


async def test_markers_without_colour(example_db: db.DbTarget, monkeypatch: pytest.MonkeyPatch) -> None:
    from tui.screens.browse import node_label

    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(example_db, "demo")
    assert app.no_color
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, BrowseScreen))
        assert (severity.mark("E"), severity.mark("W")) == ("■E", "▲W")
        for level in "EW":  # no colour to turn into dark grey on black: E bold, W plain, by symbol
            style = severity.style(level)
            assert not {"red", "yellow", "grey", "dim"} & set(style.split())
        assert "bold" in severity.style("E").split()

        class Counts:
            persons, errors, warnings = 5, 2, 1

        class Node:
            name, kind, counts, closed = "东风村", "village", Counts(), False

        label: Text = node_label(Node())  # type: ignore[arg-type]
        assert "■E2" in label.plain and "▲W1" in label.plain
        assert all(span.style in ("", "bold") for span in label.spans if str(span.style) != "dim")
    monkeypatch.delenv("NO_COLOR")
    app = make_app(example_db, "demo", ascii_borders=True)
    assert not app.no_color and severity.mark("E") == "!E" and severity.style("E") == "bold red"


async def test_small_window_says_so_until_resized(example_db: db.DbTarget) -> None:
    app = make_app(example_db, "demo")
    async with app.run_test(size=(70, 20)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, TooSmallScreen))
        assert TOO_SMALL in screen_text(app.screen) and TOO_SMALL == "窗口太小，请放大到 80×24"
        await pilot.resize_terminal(80, 24)
        await settle(pilot, lambda: isinstance(app.screen, BrowseScreen))
        await pilot.resize_terminal(80, 23)
        await settle(pilot, lambda: isinstance(app.screen, TooSmallScreen))
        await pilot.resize_terminal(100, 30)
        await settle(pilot, lambda: isinstance(app.screen, BrowseScreen))


@pytest.mark.parametrize(
    ("environ", "stream", "refused"),
    [
        ({"LANG": "zh_CN.GBK"}, "utf-8", True),  # the GBK locale, even when it is not installed
        ({"LC_ALL": "zh_CN.gb18030", "LANG": "zh_CN.UTF-8"}, "utf-8", True),
        ({"LC_CTYPE": "zh_CN.GBK"}, "utf-8", True),
        ({"LANG": "zh_CN.GBK", "LC_CTYPE": "C.UTF-8"}, "utf-8", True),  # Python's coercion of a missing locale
        ({"LANG": "zh_CN"}, "utf-8", True),  # a bare zh_CN is GB2312
        ({"LANG": "zh_CN.UTF-8"}, "utf-8", False),
        ({"LC_ALL": "C.UTF-8", "LANG": "zh_CN.GBK"}, "utf-8", False),
        ({}, "utf-8", False),
        ({"LANG": "C.UTF-8"}, "gbk", True),
    ],
)
def test_gbk_refusal_reads_the_locale(environ: dict[str, str], stream: str, refused: bool) -> None:
    message = check_terminal_encoding(environ, stream)
    assert (message is not None) == refused
    if message:
        assert message.startswith("终端编码不是 UTF-8")  # Chinese first
        assert "LANG=zh_CN.UTF-8" in message


def test_locale_encoding() -> None:
    assert locale_encoding({"LANG": "zh_CN.GBK"}) == "gbk"
    assert locale_encoding({"LANG": "en_US.UTF-8@euro"}) == "utf8"
    assert locale_encoding({"LANG": "C"}) is None


def test_gbk_locale_refused_by_the_real_command(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LC_")}
    env.update(LANG="zh_CN.GBK", PYTHONIOENCODING="utf-8", XDG_DATA_HOME=str(tmp_path / "xdg"))
    database = tmp_path / "r.sqlite3"
    done = subprocess.run([sys.executable, "-m", "tui.cli", "--db", str(database)], cwd=REPO, env=env,
                          capture_output=True, text=True, encoding="utf-8", timeout=60, check=False)  # fmt: skip
    assert done.returncode != 0
    assert done.stderr.startswith("终端编码不是 UTF-8（当前为 GBK）")
    assert not database.exists()


# --- text -----------------------------------------------------------------------------------------------------


def svg_lines(path: Path) -> list[str]:
    """The rows of text of a snapshot picture."""
    rows: dict[float, list[tuple[float, str]]] = defaultdict(list)
    source = path.read_text(encoding="utf-8")
    for found in re.finditer(r'<text class="[^"]*" x="([\d.]+)" y="([\d.]+)"[^>]*>(.*?)</text>', source, re.S):
        rows[float(found.group(2))].append((float(found.group(1)), html.unescape(found.group(3))))
    return ["".join(text for _, text in sorted(row)).replace("\xa0", " ") for _, row in sorted(rows.items())]


def english_words(line: str) -> list[str]:
    words = []
    for token in line.split():
        if "/" in token and "." in token:  # a file path the clerk chose
            continue
        words += [w for w in re.findall(r"[A-Za-z]{3,}\d*", token)
                  if w not in ALLOWED_WORDS and not RULE_CODE.match(w)]  # fmt: skip
    return words


def test_no_english_on_any_snapshot_screen() -> None:
    pictures = sorted(SNAPSHOTS.rglob("*.svg"))
    assert len(pictures) >= 15
    found = {f"{p.name}: {line.strip()}": words for p in pictures for line in svg_lines(p)
             if (words := english_words(line))}  # fmt: skip
    assert not found, found


def test_textual_words_are_chinese() -> None:
    from textual.widgets._select import SelectOverlay

    from tui import textual_text

    textual_text.localise()
    overlay = SelectOverlay._merged_bindings
    assert overlay is not None
    descriptions = {b.description for _, b in overlay}
    assert "关闭列表" in descriptions and not {d for d in descriptions if re.search(r"[A-Za-z]{3,}", d)}


def test_field_paths_read_as_chinese() -> None:
    from exports.fields import field_label

    assert field_label("members[0].relation") == "第 1 名成员·与户主关系"
    assert not re.search(r"[A-Za-z]", field_label("members[1].woman.children[0].birth_date"))


def test_name_rules() -> None:
    assert name_problem("王😀红") is not None and "表情符号" in name_problem("王😀红")  # type: ignore[operator]
    assert "30" in (name_problem("王" * 200) or "") and "200" in (name_problem("王" * 200) or "")
    assert name_problem("王\x1b[2J红") is not None
    assert name_problem("王\u200d红") is not None
    for good in ("张三", "欧阳明", "阿卜杜·热合曼", "王" * NAME_MAX, ""):
        assert name_problem(good) is None, good
    assert strip_repeated_surname("张张浩然", "张") == "张浩然"
    assert strip_repeated_surname("张张", "张") == "张张"
    assert strip_repeated_surname("欧阳欧阳明", "欧阳") == "欧阳明"
    assert strip_repeated_surname("张浩然", "") == "张浩然"


async def test_bad_names_are_refused_with_a_message(example_db: db.DbTarget) -> None:
    app = make_app(example_db, "demo")
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_person(pilot)
        name = field(form, "name")
        name.focus()
        name.value = "王" * 200  # pasted: kept whole, not cut to a limit
        await settle(pilot, lambda: form.person["name"] == "王" * 200)
        assert len(name.value) == 200
        assert any("最多 30 个字" in n for n in app.notices)
        await pilot.press("f2")
        await settle(pilot)
        assert any(n.startswith("未保存：姓名最多") for n in app.notices)
        name.value = "王😀红"  # as an input method or a paste delivers it
        await settle(pilot, lambda: form.person["name"] == "王😀红")
        assert any("表情符号“😀”" in n for n in app.notices)
        await pilot.press("f2")
        await settle(pilot)
        assert not form.stored or form.dirty
    stored = (await load_households([CODE]))[CODE]["members"][0]
    assert stored["name"] == "周建军"


async def test_surname_typed_again_is_not_doubled(example_db: db.DbTarget) -> None:
    app = make_app(example_db, "demo")
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_person(pilot, None)
        await pilot.press("2", "3")  # 次子: the surname 周 is suggested
        assert field(form, "name").value == "周"
        await pilot.press(*"周小明")  # the clerk types the whole name anyway
        await settle(pilot, lambda: form.person["name"] == "周小明")
        assert field(form, "name").value == "周小明"


async def test_escape_on_the_tree_asks_and_defaults_to_no(example_db: db.DbTarget) -> None:
    app = make_app(example_db, "demo")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, BrowseScreen))
        browse = app.screen
        await pilot.press("escape")
        await settle(pilot, lambda: isinstance(app.screen, ChoiceDialog))
        assert "退出 Renkou？" in screen_text(app.screen)
        await pilot.press("enter")  # the default: stay
        await settle(pilot, lambda: app.screen is browse)
        assert app.return_code is None
        await pilot.press("escape")
        await settle(pilot, lambda: isinstance(app.screen, ChoiceDialog))
        await pilot.press("escape")  # Esc: stay too
        await settle(pilot, lambda: app.screen is browse)
        await pilot.press("escape", "y")
        await settle(pilot)
    assert app.return_code == 0


async def test_ctrl_q_asks_only_when_something_would_be_lost(example_db: db.DbTarget) -> None:
    app = make_app(example_db, "demo")
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_person(pilot)
        field(form, "occupation").focus()
        await pilot.press(*"木匠", "ctrl+q")
        await settle(pilot, lambda: isinstance(app.screen, ChoiceDialog))
        assert "有未保存的修改" in screen_text(app.screen)
        await pilot.press("enter")  # 不退出
        await settle(pilot, lambda: app.screen is form)
        assert field(form, "occupation").value == "木匠"
    app = make_app(example_db, "demo")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, BrowseScreen))
        await pilot.press("ctrl+q")  # nothing unsaved: quits at once
        await settle(pilot)
    assert app.return_code == 0


async def test_discard_dialog_defaults_to_keep_editing(example_db: db.DbTarget) -> None:
    app = make_app(example_db, "demo")
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_person(pilot)
        field(form, "occupation").focus()
        await pilot.press(*"木匠", "escape")
        await settle(pilot, lambda: isinstance(app.screen, ChoiceDialog))
        text = screen_text(app.screen)
        assert "放弃修改？" in text and "Enter：继续编辑" in text and "Esc：继续编辑" in text
        await pilot.press("enter")  # neither saves nor discards
        await settle(pilot, lambda: app.screen is form)
        assert field(form, "occupation").value == "木匠" and form.dirty
        await pilot.press("escape")
        await settle(pilot, lambda: isinstance(app.screen, ChoiceDialog))
        await pilot.press("escape")
        await settle(pilot, lambda: app.screen is form)
        assert form.dirty
    stored = (await load_households([CODE]))[CODE]["members"][0]
    assert stored["occupation"] is None


def test_codes_by_spoken_names_and_every_reading() -> None:
    method = TABLES["contraception_method"]
    assert [c.code for c in method.match("sh")][:1] == ["03"]  # 上环 → 宫内节育器
    assert [c.code for c in method.match("上环")][:1] == ["03"]
    assert {c.code for c in method.match("结扎")} == {"01", "02"}
    assert [c.code for c in method.match("pm")][:1] == ["04"]  # 皮埋
    assert [c.code for c in method.match("byy")][:1] == ["05"]  # 避孕药
    relation = TABLES["relation"]
    assert "22" in [c.code for c in relation.match("zz")][:2]  # 长子: zhǎng zǐ
    assert "22" in [c.code for c in relation.match("cz")][:2]  # and cháng zǐ
    done = subprocess.run([sys.executable, "bench/tools/build_code_initials.py", "--check"], cwd=REPO,
                          capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr


async def test_login_typed_in_one_burst(accounts_db: db.DbTarget) -> None:
    """User name, Enter, password, Enter arriving in one read (SSH): each key reaches its field."""
    app = make_app(accounts_db, "", is_demo=False, needs_login=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, lambda: type(app.screen).__name__ == "LoginScreen")
        for key in [*"boss", "enter", *"secret123", "enter"]:  # posted at once: one terminal read
            app.post_message(events.Key(key, key if len(key) == 1 else "\r"))
        await settle(pilot, lambda: isinstance(app.screen, BrowseScreen))
        assert app.username == "boss"


async def test_demo_database_asks_its_login(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """README: the demo database's account is demo / demo, asked at the start and named on the login screen."""
    from store.demo_build import build_demo
    from tui import app as app_module

    database = tmp_path / "demo.sqlite3"
    await build_demo(db.resolve(database), persons=200, seed=1, error_rate=0.03)
    seen: dict[str, object] = {}

    async def fake_run(self: app_module.RenkouApp) -> int:
        seen.update(needs_login=self.needs_login, is_demo=self.is_demo)
        return 0

    monkeypatch.setattr(app_module.RenkouApp, "run_async", fake_run)
    assert await app_module.run_app(db.resolve(database)) == 0
    assert seen == {"needs_login": True, "is_demo": True}
