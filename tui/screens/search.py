"""The search box (/ or F3): answers while typing; Enter jumps the browse screen to the chosen hit."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from store.search import LIMIT, Hit, search
from tui.acting import actor_of
from tui.bindings import bindings
from tui.jobs import Jobs
from tui.text import display_text

HINT = "姓名、拼音首字母（ljg）、身份证号或后 4 位、户编码"


class SearchScreen(Jobs, ModalScreen[Hit | None]):
    """A compact input over a list of hits. Typing stays in the input; ↑ ↓ PgUp PgDn move through the hits,
    Enter picks the highlighted one, Esc closes."""

    KEY_SCOPES = ("search",)
    BINDINGS = bindings("search")

    def __init__(self, text: str = "") -> None:
        super().__init__()
        self.text = text
        self.hits: list[Hit] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="search-box"):
            yield Static(f"查找：{HINT}", id="search-hint")
            query = Input(value=self.text, placeholder="输入后即时查找", id="search-input", compact=True)
            query.cursor_blink = False
            yield query
            yield OptionList(id="search-hits", compact=True, markup=False)
            yield Static("", id="search-status")

    def on_mount(self) -> None:
        self.query_one("#search-hits", OptionList).can_focus = False
        self.query_one("#search-input", Input).focus()
        if self.text:
            self._start(self.text)

    @on(Input.Changed, "#search-input")
    def _changed(self, event: Input.Changed) -> None:
        self._start(event.value)

    def _start(self, text: str) -> None:
        if not text.strip():
            self._show([], "")
            return
        self.query_one("#search-status", Static).update("查找中…")
        self.run_job(self._search(text), exclusive=True, group="search")

    async def _search(self, text: str) -> None:
        hits = await search(text, actor=await actor_of(self.app))
        if self.query_one("#search-input", Input).value != text:
            return  # typed on meanwhile; the newer search answers
        if not hits:
            status = "没有找到。身份证号或户编码至少输入 4 位。"
        elif len(hits) >= LIMIT:
            status = f"前 {LIMIT} 条，请多输入几个字缩小范围"
        else:
            status = f"共 {len(hits)} 条"
        self._show(hits, status)

    def _show(self, hits: list[Hit], status: str) -> None:
        self.hits = hits
        options = self.query_one("#search-hits", OptionList)
        options.clear_options()
        options.add_options(Option(display_text(hit.line()), id=str(n)) for n, hit in enumerate(hits))
        if hits:
            options.highlighted = 0
        self.query_one("#search-status", Static).update(status)

    def action_move(self, action: str) -> None:
        if self.hits:
            getattr(self.query_one("#search-hits", OptionList), f"action_{action}")()

    @on(Input.Submitted, "#search-input")
    def _submitted(self) -> None:
        options = self.query_one("#search-hits", OptionList)
        if self.hits:
            self.dismiss(self.hits[options.highlighted or 0])

    @on(OptionList.OptionSelected, "#search-hits")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.hits[event.option_index])

    def action_close(self) -> None:
        self.dismiss(None)
