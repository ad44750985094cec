"""The entry widgets driven at 80×24 as a clerk types: values, labels, messages, focus and error texts."""

from __future__ import annotations

import gc
import re
from datetime import date

import pytest
from rich.style import Style
from textual import events
from textual.app import App, ComposeResult
from textual.message import Message
from textual.screen import Screen
from textual.strip import Strip
from textual.widgets import Input

from bench.bench_widgets import CountingDriver, bytes_per_key
from tests.support.pilot import settle as settle_until
from tui.widgets import CodeField, DateField, IdField, SafeInput
from tui.widgets.key_hold import KeyHold

TODAY = date(2026, 5, 20)


class Form(App[None]):
    """A tiny person form: name, birth date, ethnicity, ID, remarks."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.messages: list[Message] = []

    def compose(self) -> ComposeResult:
        yield SafeInput(id="name", advance_on_enter=True)
        yield DateField(id="birth", today=TODAY)
        yield CodeField("ethnicity", id="eth")
        yield IdField(id="idn", today=TODAY)
        yield SafeInput(id="remark")

    def on_date_field_changed(self, message: DateField.Changed) -> None:
        self.messages.append(message)

    def on_code_field_changed(self, message: CodeField.Changed) -> None:
        self.messages.append(message)

    def on_id_field_parsed(self, message: IdField.Parsed) -> None:
        self.messages.append(message)

    def on_field_submitted(self, message: DateField.Submitted) -> None:
        self.messages.append(message)

    def of(self, kind: type[Message]) -> list:
        return [m for m in self.messages if type(m) is kind]


def burst(app: App, keys: list[str]) -> None:
    """Post several keys at once, as one terminal read over SSH or an IME commit delivers them."""
    for key in keys:
        app.post_message(events.Key(key, key if len(key) == 1 else None))


def screen_text(app: App) -> str:
    """What the terminal shows, one line per row (wide characters once, runs of spaces as one)."""
    return "\n".join(re.sub(" +", " ", strip.text).strip() for strip in app.screen._compositor.render_strips())


def focused_id(app: App) -> str | None:
    """Id of the focused field (the field around a FieldInput)."""
    focused = app.focused
    field = getattr(focused, "field", focused)
    return field.id if field is not None else None


async def settle(pilot) -> None:
    for _ in range(3):
        await pilot.pause()


# --- SafeInput: textual issue 6605 -----------------------------------------------------------------


class Plain(App[None]):
    def __init__(self, widget: Input) -> None:
        super().__init__()
        self.widget = widget

    def compose(self) -> ComposeResult:
        yield self.widget


async def typed_in_one_read(widget: Input, keys: list[str]) -> str:
    app = Plain(widget)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"张三丰")
        burst(app, keys)
        await settle(pilot)
        return widget.value


async def test_plain_input_applies_keys_of_one_read_out_of_order() -> None:
    """The bug SafeInput fixes: the bound ← runs after the printable key queued behind it."""
    assert await typed_in_one_read(Input(compact=True), ["left", "a"]) == "张三丰a"


async def test_safe_input_applies_keys_of_one_read_in_order() -> None:
    assert await typed_in_one_read(SafeInput(), ["left", "a"]) == "张三a丰"
    assert await typed_in_one_read(SafeInput(), ["left", "left", "a"]) == "张a三丰"
    assert await typed_in_one_read(SafeInput(), ["home", "a", "end", "backspace", "b"]) == "a张三b"


async def test_cjk_text_is_measured_in_double_cells() -> None:
    app = Plain(SafeInput(id="name"))
    async with app.run_test(size=(80, 24)) as pilot:
        widget = app.query_one(SafeInput)
        await pilot.press(*"张三丰")
        assert widget.cursor_position == 3
        await pilot.press("left")
        assert widget.cursor_position == 2 and widget.cursor_screen_offset.x == 4
        await pilot.press("left")
        assert widget.cursor_position == 1 and widget.cursor_screen_offset.x == 2
        await pilot.press("delete", "李")
        assert widget.value == "张李丰"
        assert screen_text(app).splitlines()[0].startswith("张李丰")
        assert not widget.cursor_blink and widget.compact


async def test_text_wider_than_the_input_scrolls_without_its_hidden_scrollbar() -> None:
    """Typing past the input's width scrolls the text to the cursor, and never moves the horizontal scrollbar
    (it has no size; moving it made Textual re-arrange every widget of the screen before each key's frame)."""
    widget = SafeInput(id="name")
    widget.styles.width = 6
    app = Plain(widget)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"abcdefgh")
        app.screen.refresh(layout=True)  # (the form lays out now and then: the scrollbar is "shown" after it)
        await pilot.pause()
        await pilot.press(*"ijkl")
        assert widget.value == "abcdefghijkl" and widget.scroll_x > 0
        assert screen_text(app).splitlines()[0].strip().endswith("l")
        bar = widget._horizontal_scrollbar  # (created by the layout, of no size)
        assert bar is None or bar.position == 0  # never moved, so never refreshed


class Busy(Screen[None]):
    """A screen with a key hold: Enter on the search box holds the keys behind it until `finish` runs (the
    test calls it: the hits took a while)."""

    BINDINGS = [("f2", "save")]

    def __init__(self, move: bool, stray: str = "") -> None:
        super().__init__()
        self.key_hold = KeyHold()
        self.move, self.stray = move, stray
        self.saved: list[str] = []

    def compose(self) -> ComposeResult:
        yield SafeInput(id="box")
        yield SafeInput(id="next", advance_on_enter=True)

    def finish(self) -> None:
        box = self.query_one("#box", SafeInput)
        if self.stray:  # a key forwarded to the box just before the release: it must stay behind the held ones
            box.post_message(events.Key(self.stray, self.stray))
        if self.move:
            self.set_focus(self.query_one("#next"))
        box.release_enter()

    def action_save(self) -> None:
        self.saved.append(self.query_one("#next", SafeInput).value)


class BusyApp(App[None]):
    def __init__(self, screen: Busy) -> None:
        super().__init__()
        self.busy = screen

    def on_mount(self) -> None:
        self.push_screen(self.busy)


@pytest.mark.parametrize(("move", "box", "next_"), [(True, "ab", "cd"), (False, "abcd", "")])
async def test_keys_behind_a_held_enter_go_in_order_where_the_focus_is(move: bool, box: str, next_: str) -> None:
    """Enter on a box whose screen is busy: the keys behind it wait, then go to the field focused then."""
    screen = Busy(move)
    app = BusyApp(screen)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        burst(app, ["a", "b", "enter", "c", "d"])
        await settle_until(pilot, lambda: len(screen.key_hold.events) == 2)
        assert screen.query_one("#box", SafeInput).value == "ab"  # c, d held
        screen.finish()
        await settle(pilot)
        assert (screen.query_one("#box", SafeInput).value, screen.query_one("#next", SafeInput).value) == (box, next_)


async def test_a_key_queued_before_the_release_stays_behind_the_held_keys() -> None:
    screen = Busy(False, stray="x")
    app = BusyApp(screen)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        burst(app, ["a", "enter", "b", "c"])
        await settle_until(pilot, lambda: len(screen.key_hold.events) == 2)
        screen.finish()
        await settle(pilot)
        assert screen.query_one("#box", SafeInput).value == "abcx"


async def test_a_screen_key_typed_in_one_read_runs_between_the_keys_around_it() -> None:
    """F2 after ``12`` and before ``34``: the screen's action sees ``12`` (it once ran after ``34`` was typed)."""
    screen = Busy(True)
    app = BusyApp(screen)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen.set_focus(screen.query_one("#next"))
        await settle(pilot)
        burst(app, ["1", "2", "f2", "3", "4", "f2"])
        await settle(pilot)
        assert screen.saved == ["12", "1234"]


# --- fields ----------------------------------------------------------------------------------------


async def test_date_auto_advances_and_shows_iso() -> None:
    app = Form()
    async with app.run_test(size=(80, 24)) as pilot:
        app.query_one("#birth", DateField).focus()
        await pilot.press(*"19850312")
        field = app.query_one("#birth", DateField)
        assert field.value_date == date(1985, 3, 12) and field.value == "1985-03-12"
        assert focused_id(app) == "eth"
        assert [(m.value_date, m.error) for m in app.of(DateField.Changed)] == [(date(1985, 3, 12), None)]
        assert "1985-03-12" in screen_text(app)


async def test_impossible_date_stays_with_its_message_and_text() -> None:
    app = Form()
    async with app.run_test(size=(80, 24)) as pilot:
        field = app.query_one("#birth", DateField)
        field.focus()
        await pilot.press(*"19850230")
        assert focused_id(app) == "birth"
        assert field.value == "19850230" and field.value_date is None
        assert field.error == "日期不存在：1985-02-30，请核对"
        assert field.tooltip == field.error and field.has_class("-error")
        assert "19850230 ✗" in screen_text(app)
        await pilot.press("enter")
        assert focused_id(app) == "birth"
        await pilot.press("backspace", "backspace", "2", "8")
        assert field.value_date == date(1985, 2, 28) and field.error is None
        assert focused_id(app) == "eth"


async def test_short_and_separated_dates_need_enter() -> None:
    app = Form()
    async with app.run_test(size=(80, 24)) as pilot:
        field = app.query_one("#birth", DateField)
        field.focus()
        await pilot.press(*"850312")
        assert field.value_date is None and focused_id(app) == "birth"
        await pilot.press("enter")
        assert field.value_date == date(1985, 3, 12) and field.value == "1985-03-12"
        assert focused_id(app) == "eth"
        assert len(app.of(DateField.Submitted)) == 1
        field.focus()
        await pilot.press(*"1985.3.1", "enter")
        assert field.value_date == date(1985, 3, 1) and focused_id(app) == "eth"
        field.focus()
        await pilot.press(*"1985-3-12")  # a two-digit day completes it
        assert field.value_date == date(1985, 3, 12) and focused_id(app) == "eth"


async def test_date_refuses_letters_and_flags_the_future() -> None:
    app = Form()
    async with app.run_test(size=(80, 24)) as pilot:
        field = app.query_one("#birth", DateField)
        field.focus()
        await pilot.press("a", "b", *"20300101")
        assert field.value == "2030-01-01" and field.warning == "日期晚于今天：2030-01-01"
        assert field.value_date == date(2030, 1, 1) and field.has_class("-warning")


async def test_code_typed_in_full_shows_label_and_advances() -> None:
    app = Form()
    async with app.run_test(size=(80, 24)) as pilot:
        field = app.query_one("#eth", CodeField)
        field.focus()
        await pilot.press("0", "1")
        assert field.code == "01" and field.label == "汉族"
        assert focused_id(app) == "idn"
        assert "01 汉族" in screen_text(app)
        assert [(m.code, m.label) for m in app.of(CodeField.Changed)] == [("01", "汉族")]


async def test_pinyin_initials_offer_candidates_and_enter_takes_one() -> None:
    app = Form()
    async with app.run_test(size=(80, 24)) as pilot:
        field = app.query_one("#eth", CodeField)
        field.focus()
        await pilot.press("h", "z")
        assert field.code is None and field.candidates[:2] == ("01", "03")
        assert "hz 01汉族 03回族" in screen_text(app)
        await pilot.press("enter")
        assert field.code == "01" and field.value == "01" and focused_id(app) == "idn"
        assert "01 汉族" in screen_text(app)
        field.focus()
        await pilot.press("h", "z", "down", "enter")
        assert field.code == "03" and field.label == "回族"
        field.focus()
        await pilot.press("h", "z", "down", "up", "enter")
        assert field.code == "01"


async def test_chinese_label_through_the_ime() -> None:
    app = Form()
    async with app.run_test(size=(80, 24)) as pilot:
        field = app.query_one("#eth", CodeField)
        field.focus()
        await pilot.press("汉")
        assert field.candidates[0] == "01" and "01汉族" in screen_text(app)
        await pilot.press("enter")
        assert (field.code, field.value, focused_id(app)) == ("01", "01", "idn")


async def test_unknown_code_is_an_error_and_up_goes_back() -> None:
    app = Form()
    async with app.run_test(size=(80, 24)) as pilot:
        field = app.query_one("#eth", CodeField)
        field.focus()
        await pilot.press("q", "q")
        assert field.error == "民族代码无效：qq" and "✗ 无此代码" in screen_text(app)
        await pilot.press("enter")
        assert focused_id(app) == "eth" and field.code is None
        await pilot.press("up")
        assert focused_id(app) == "birth"


async def test_valid_id_fills_sex_and_birth_and_advances() -> None:
    app = Form()
    async with app.run_test(size=(80, 24)) as pilot:
        field = app.query_one("#idn", IdField)
        field.focus()
        await pilot.press(*"11010219900101002x")
        assert field.value == "11010219900101002X"
        parsed = app.of(IdField.Parsed)
        assert [(m.number, m.sex, m.birth_date, m.legacy) for m in parsed] == [
            ("11010219900101002X", "2", date(1990, 1, 1), False)
        ]
        assert focused_id(app) == "remark"
        assert "11010219900101002X ✓" in screen_text(app)


async def test_wrong_check_character_is_shown_at_once() -> None:
    app = Form()
    async with app.run_test(size=(80, 24)) as pilot:
        field = app.query_one("#idn", IdField)
        field.focus()
        await pilot.press(*"43042619820615002")
        assert field.error is None and "✗" not in screen_text(app)
        await pilot.press("4")
        assert field.error == "校验位应为 3，现为 4"
        assert "430426198206150024 ✗ 校验位应为 3，现为 4" in screen_text(app)
        assert focused_id(app) == "idn" and app.of(IdField.Parsed) == []
        await pilot.press("backspace", "3")
        assert field.sex == "2" and field.birth_date == date(1982, 6, 15)
        assert focused_id(app) == "remark"


async def test_legacy_fifteen_digits_on_enter() -> None:
    app = Form()
    async with app.run_test(size=(80, 24)) as pilot:
        field = app.query_one("#idn", IdField)
        field.focus()
        await pilot.press(*"610104620927690")
        assert focused_id(app) == "idn" and app.of(IdField.Parsed) == []
        await pilot.press("enter")
        parsed = app.of(IdField.Parsed)
        assert [(m.sex, m.birth_date, m.legacy) for m in parsed] == [("2", date(1962, 9, 27), True)]
        assert field.warning == "15位旧号码，18位为 610104196209276908"
        assert focused_id(app) == "remark"
        field.focus()
        await pilot.press("a", "b")  # letters are refused
        assert field.value == "610104620927690"


async def test_a_whole_record_typed_ahead_in_one_read_lands_field_by_field() -> None:
    """Keys that follow an Enter or a completing character go to the next field, not the full one."""
    app = Form()
    async with app.run_test(size=(80, 24)) as pilot:
        app.query_one("#name").focus()
        burst(app, [*"王秀英", "enter", *"19820615", *"hz", "enter", *"430426198206150023", *"备注"])
        await settle(pilot)
        assert app.query_one("#name", SafeInput).value == "王秀英"
        assert app.query_one("#birth", DateField).value_date == date(1982, 6, 15)
        assert app.query_one("#eth", CodeField).code == "01"
        assert app.query_one("#idn", IdField).value == "430426198206150023"
        assert app.query_one("#remark", SafeInput).value == "备注"
        assert focused_id(app) == "remark"


async def test_values_set_by_code_show_status_without_moving() -> None:
    app = Form()
    async with app.run_test(size=(80, 24)) as pilot:
        app.query_one("#name").focus()
        app.query_one("#eth", CodeField).code = "03"
        app.query_one("#birth", DateField).value_date = date(1982, 6, 15)
        app.query_one("#idn", IdField).value = "430426198206150024"
        await settle(pilot)
        assert "03 回族" in screen_text(app)
        assert app.query_one("#idn", IdField).error == "校验位应为 3，现为 4"
        assert focused_id(app) == "name"


async def test_leaving_a_field_resolves_or_keeps_what_was_typed() -> None:
    app = Form()
    async with app.run_test(size=(80, 24)) as pilot:
        date_field, code_field = app.query_one("#birth", DateField), app.query_one("#eth", CodeField)
        date_field.focus()
        await pilot.press(*"850312", "tab")
        assert date_field.value == "1985-03-12" and focused_id(app) == "eth"
        await pilot.press(*"hzz", "tab")  # one candidate left: taken on leaving
        assert code_field.code == "53" and code_field.label == "赫哲族" and focused_id(app) == "idn"
        code_field.focus()
        await pilot.press("h", "shift+tab")  # several: the text stays, the field says so
        assert code_field.value == "h" and code_field.code is None
        assert code_field.error is not None and code_field.error.startswith("民族未选定：h")
        assert focused_id(app) == "birth"
        await pilot.press(*"1985-3", "tab")
        assert date_field.value == "1985-3" and date_field.error is not None
        assert date_field.error.startswith("日期格式不对：1985-3")


class Search(App[None]):
    """A search box over a list: Up is the screen's, not the box's."""

    BINDINGS = [("up", "pressed_up")]

    def compose(self) -> ComposeResult:
        yield SafeInput(id="box")
        yield SafeInput(id="other", advance_on_enter=True)

    def action_pressed_up(self) -> None:
        self.ups = getattr(self, "ups", 0) + 1


async def test_up_goes_back_only_in_form_inputs() -> None:
    app = Search()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("a", "up")
        assert getattr(app, "ups", 0) == 1 and app.focused is app.query_one("#box")
        await pilot.press("enter")
        assert app.focused is app.query_one("#box")  # Enter does not move a plain SafeInput
        await pilot.press("tab", "b", "up")
        assert app.focused is app.query_one("#box") and getattr(app, "ups", 0) == 1


class Loaded(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.changes: list[Message] = []

    def compose(self) -> ComposeResult:
        yield CodeField("ethnicity", "03", id="eth")
        yield DateField(date(1985, 3, 12), id="birth")
        yield IdField("430426198206150024", id="idn")

    def on_code_field_changed(self, message: CodeField.Changed) -> None:
        self.changes.append(message)

    def on_date_field_changed(self, message: DateField.Changed) -> None:
        self.changes.append(message)


async def test_values_given_at_construction_show_without_change_messages() -> None:
    app = Loaded()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.query_one("#eth", CodeField).label == "回族"
        assert app.query_one("#birth", DateField).value_date == date(1985, 3, 12)
        assert app.query_one("#idn", IdField).error == "校验位应为 3，现为 4"
        assert "03 回族" in screen_text(app) and app.changes == []
        app.query_one("#eth", CodeField).code = "01"
        await settle(pilot)
        assert [(m.code, m.label) for m in app.changes] == [("01", "汉族")]


# --- terminals -------------------------------------------------------------------------------------


async def test_sixteen_colour_theme_uses_ansi_colours() -> None:
    app = Form(ansi_color=True)
    async with app.run_test(size=(80, 24)) as pilot:
        field = app.query_one("#idn", IdField)
        field.focus()
        await pilot.press(*"430426198206150024")
        style = field.get_component_rich_style("field--error", partial=True)
        assert style.color is not None and style.color.number == 9  # ANSI bright red
        assert field.input.styles.background.ansi == 1  # the input turns ANSI red
        assert "✗ 校验位应为 3" in screen_text(app)


async def test_sixteen_colour_terminal_gets_only_16_colour_codes(monkeypatch: pytest.MonkeyPatch) -> None:
    from textual import constants

    monkeypatch.setattr(constants, "COLOR_SYSTEM", "standard")
    # Textual keeps rendered codes on shared Rich styles (``Style._ansi``) and cached blank strips whatever the
    # console's colour system: an earlier test's true-colour screenshot (export_screenshot) in this process would
    # leak into this app's output. A running app has one console; forget those codes first.
    Strip.blank.cache_clear()
    Strip.render_ansi.cache_clear()
    for obj in gc.get_objects():
        if isinstance(obj, Style):
            obj._ansi = None  # type: ignore[attr-defined]
        elif isinstance(obj, Strip):
            obj._render_cache = None
    app = Form(driver_class=CountingDriver)
    async with app.run_test(size=(80, 24), headless=False) as pilot:
        app.query_one("#idn").focus()
        await pilot.press(*"430426198206150024")
        await settle(pilot)
        driver = app._driver
        assert isinstance(driver, CountingDriver)
        output = "".join(driver.log)
    assert output and "✗" in output
    assert not re.search(r"\x1b\[[0-9;]*[34]8;[25];", output)  # no 256-colour or true-colour codes


@pytest.mark.parametrize(
    ("name", "factory", "keys"),
    [
        ("SafeInput", lambda: SafeInput(), "abcdefgh"),
        ("SafeInput CJK", lambda: SafeInput(), "张三丰李四"),
        ("DateField", lambda: DateField(today=TODAY), "1985031"),
        ("CodeField", lambda: CodeField("ethnicity"), "hz"),
        ("IdField", lambda: IdField(today=TODAY), "43042619820615002"),
    ],
)
async def test_bytes_per_typed_character_stay_small(name: str, factory, keys: str) -> None:
    """design §5: median ≤ 300 B written to the terminal per typed character."""
    counts = await bytes_per_key(factory, list(keys))
    assert all(count > 0 for count in counts), name
    assert sorted(counts)[len(counts) // 2] <= 300, (name, counts)


async def test_typing_repaints_the_input_without_a_screen_layout() -> None:
    """Input's value watcher requests a layout of the whole screen on every key (4× slower in a form of 100
    widgets); SafeInput drops that request for a fixed-size input and still scrolls to its cursor."""
    from textual.app import App
    from textual.screen import Screen

    class Narrow(App[None]):
        CSS = "SafeInput { width: 10; }"

        def compose(self) -> ComposeResult:
            yield SafeInput()

    layouts = 0
    original = Screen._refresh_layout

    def counting(self: Screen, *args: object, **kwargs: object) -> None:
        nonlocal layouts
        layouts += 1
        original(self, *args, **kwargs)  # type: ignore[arg-type]

    app = Narrow()
    async with app.run_test(size=(80, 24)) as pilot:
        field = app.query_one(SafeInput)
        field.focus()
        await pilot.pause()
        Screen._refresh_layout = counting  # type: ignore[method-assign]
        try:
            await pilot.press(*"abcdefghijklmnopqrstuvwxyz")
            await pilot.pause()
        finally:
            Screen._refresh_layout = original  # type: ignore[method-assign]
        assert layouts == 0
        assert field.value == "abcdefghijklmnopqrstuvwxyz"
        assert field.scroll_x == field.max_scroll_x > 0  # the cursor at the end is in view
        await pilot.press("home")
        assert field.scroll_x == 0


async def test_a_hold_never_released_gives_the_keys_back() -> None:
    """A screen that forgot to release (a bug) must not leave the keyboard dead."""
    screen = Busy(False)
    screen.key_hold.limit = 0.2
    app = BusyApp(screen)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        burst(app, ["a", "enter", "b"])
        await settle_until(pilot, lambda: len(screen.key_hold.events) == 1)
        await pilot.pause(0.3)
        await settle(pilot)
        assert screen.query_one("#box", SafeInput).value == "ab" and not screen.key_hold.active
        burst(app, ["enter", "c"])  # the next Enter holds again
        await settle_until(pilot, lambda: len(screen.key_hold.events) == 1)
        screen.finish()
        await settle(pilot)
        assert screen.query_one("#box", SafeInput).value == "abc"
