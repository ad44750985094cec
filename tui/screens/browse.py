"""The main screen: the household tree (left, loaded a level at a time) and the household detail (right).

Every query runs in a worker through :mod:`store.browse`; the tree never holds more than the levels open: a
level closed (←, or by a jump elsewhere, which closes the open branches off its path) drops its children and
is read again when opened, so the memory does not grow as the clerk walks the county.
Opening a household logs a view (``store.service.log_view``) and shows the stored findings at once, then the
findings of the household audited as it is now (:func:`checks.engine.audit_record`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Static, Tree
from textual.widgets.tree import TreeNode

from store import browse, service
from store.browse import GROUP, HOUSEHOLD, PERSON, UNIT, Issue, Node
from store.search import Hit
from tui import severity
from tui.acting import actor_of
from tui.bindings import bindings
from tui.jobs import Jobs
from tui.records import RecordsChanged
from tui.text import display_text, plain, wrap_cells
from tui.widgets.key_bar import KeyBar

__all__ = ["BrowseScreen", "HouseholdTree", "render_detail", "wrap_cells"]


HELP = """\
户树：树上的人数为在册人数（不含注销）；E / W 为最近一次整库审核中
尚未核实的错误 / 预警条数。↑ ↓ 移动，PgUp PgDn 翻页，Home End 到开头 / 结尾。

查找（/ 或 F3）：可输入姓名、拼音首字母（如 ljg）、身份证号或其后 4 位以上、
户编码或其后 4 位以上。边输入边查找；↑ ↓ 选择，Enter 跳到该户并定位该人。

户详情（右）：成员表中 E / W 为该人的问题数；下方列出该户的问题，打开时
按当前数据重新审核。每次打开户都记入操作日志。"""


def node_label(node: Node) -> Text:
    """A tree label: name, persons, E in red, W in yellow."""
    text = plain(node.name, no_wrap=True)
    if node.kind != PERSON:
        text.append(f" {node.counts.persons}人", style="dim" if node.kind == HOUSEHOLD else "")
    if node.counts.errors:
        text.append(f" {severity.mark('E')}{node.counts.errors}", style=severity.style("E"))
    if node.counts.warnings:
        text.append(f" {severity.mark('W')}{node.counts.warnings}", style=severity.style("W"))
    if node.closed:
        text.append(" 已销户" if node.kind == HOUSEHOLD else " 已注销", style="dim")
    return text


class HouseholdTree(Tree[Node]):
    """The unit → group → household → person tree with arrow keys to open and close levels."""

    BINDINGS = bindings("tree")

    ASCII_LINES = ("  ", "| ", "`-", "|-")

    def __init__(self, **kwargs: object) -> None:
        super().__init__("户", **kwargs)  # type: ignore[arg-type]
        self.show_root = False
        self.guide_depth = 2

    def on_mount(self) -> None:
        if self.app.has_class("ascii"):  # terminals that draw box glyphs double-wide (renkou --ascii)
            self.LINES = dict.fromkeys(("default", "bold", "double"), self.ASCII_LINES)
            self.ICON_NODE, self.ICON_NODE_EXPANDED = "+ ", "- "

    def action_open_level(self) -> None:
        node = self.cursor_node
        if node is None or not node.allow_expand:
            return
        if node.is_expanded:
            self.action_cursor_down()
        else:
            node.expand()

    def action_close_level(self) -> None:
        node = self.cursor_node
        if node is None:
            return
        if node.allow_expand and node.is_expanded:
            node.collapse()
        elif node.parent is not None and not node.parent.is_root:
            self.move_cursor(node.parent)


class BrowseScreen(Jobs, Screen[None]):
    """户树 + 户详情 (docs/spec/screens.md, Browse)."""

    HELP = HELP
    KEY_SCOPES = ("browse", "tree")
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    BINDINGS = bindings("browse")

    def __init__(self) -> None:
        super().__init__(id="browse")
        self.detail: browse.Detail | None = None
        self.person_key: str | None = None
        self.live = False
        self._loaded: set[int] = set()
        self._pending: dict[int, asyncio.Task[None]] = {}
        self._top_ready = asyncio.Event()
        self._top_code = ""
        self._jumping = False
        #: held while the tree is read again after a save, so that a jump waits for the new households
        self._tree_lock = asyncio.Lock()
        self._top_read: asyncio.Future[tuple[str, tuple[Node, list[Node]] | None]] | None = None

    def compose(self) -> ComposeResult:
        # the first level is read while the screen is built and styled (the query runs in the database thread)
        self._top_read = asyncio.ensure_future(self._read_top())
        with Horizontal(id="browse-head", classes="title-bar"):
            yield Static("人口信息", id="crumb")
            yield Static(self.app.status_line, id="status")  # type: ignore[attr-defined]
        with Horizontal(id="browse-body"):
            tree = HouseholdTree(id="tree")
            tree.border_title = "户"
            tree.root.add_leaf("加载中…")
            yield tree
            with VerticalScroll(id="detail") as detail:
                detail.border_title = "户"
                detail.can_focus = False
                yield Static("按 Enter 打开户，/ 查找。", id="detail-body")
        yield KeyBar(self.KEY_SCOPES, id="keys")

    def on_mount(self) -> None:
        self.query_one(HouseholdTree).focus()
        self.run_job(self._load_top(), group="tree")

    # --- the tree ------------------------------------------------------------------------------------------

    async def _read_top(self) -> tuple[str, tuple[Node, list[Node]] | None]:
        """Who is working (for the status line) and the top unit with its children."""
        username = str(getattr(self.app, "username", ""))
        who = await browse.operator_label(username) if username else ""
        return who, await browse.top(actor=await actor_of(self.app))

    async def _load_top(self) -> None:
        assert self._top_read is not None  # started in compose
        who, top = await self._top_read
        demo = "  演示数据" if getattr(self.app, "is_demo", False) else ""
        self.query_one("#status", Static).update(plain(f"{who}  {dt.date.today():%Y-%m-%d}{demo}".strip()))
        self.show_top(top)

    def show_top(self, top: tuple[Node, list[Node]] | None) -> None:
        """Fill the first level of the tree (a single township or village is opened at once)."""
        tree = self.query_one(HouseholdTree)
        tree.root.remove_children()
        if top is None:
            tree.root.add_leaf("（空数据库：请先导入户文件或生成演示数据）")
            self._top_ready.set()
            return
        root, kids = top
        self._top_code = root.code
        tree.root.data = root
        tree.border_subtitle = node_label(root).plain
        self._add_children(tree.root, kids)
        self._loaded.add(tree.root.id)
        self._top_ready.set()
        _ = tree.last_line
        tree.move_cursor(tree.root.children[0] if tree.root.children else None)
        if len(tree.root.children) == 1:
            tree.root.children[0].expand()
        warm_up = getattr(self.app, "warm_up", None)  # the first screen is usable: the app warms up behind it
        if warm_up is not None:
            self.call_after_refresh(warm_up)

    def _add_children(self, parent: TreeNode[Node], kids: list[Node]) -> None:
        for kid in kids:
            if kid.expandable:
                parent.add(node_label(kid), kid)
            else:
                parent.add_leaf(node_label(kid), kid)

    async def _fill(self, node: TreeNode[Node]) -> None:
        assert node.data is not None
        try:
            kids = await browse.children(node.data, actor=await actor_of(self.app))
        finally:
            self._pending.pop(node.id, None)
        node.remove_children()
        self._add_children(node, kids)
        if not kids:
            node.add_leaf(Text("（无）", style="dim"))
        self._loaded.add(node.id)

    async def _ensure(self, node: TreeNode[Node]) -> None:
        """Load the children of `node` once (waiting for a load already under way)."""
        if node.id in self._loaded or node.data is None:
            return
        task = self._pending.get(node.id)
        if task is None:
            node.remove_children()
            node.add_leaf(Text("加载中…", style="dim"))
            task = asyncio.ensure_future(self._fill(node))
            self._pending[node.id] = task
        await task

    @on(Tree.NodeExpanded)
    def _expanded(self, event: Tree.NodeExpanded[Node]) -> None:
        node = event.node
        if node.id not in self._loaded and node.data is not None:
            self.run_job(self._ensure(node), group="tree")

    @on(Tree.NodeCollapsed)
    def _collapsed(self, event: Tree.NodeCollapsed[Node]) -> None:
        """A closed level forgets its children (read again when it is opened)."""
        self.prune(event.node)

    def prune(self, node: TreeNode[Node]) -> None:
        """Drop the children of a closed node (they are read again when it is opened); a load under way for
        it is left to finish."""
        if node.is_root or node.is_expanded or node.id in self._pending or node.id not in self._loaded:
            return
        stack = list(node.children)
        while stack:
            child = stack.pop()
            self._loaded.discard(child.id)
            stack.extend(child.children)
        self._loaded.discard(node.id)
        node.remove_children()

    def _close_off_path(self, path: list[TreeNode[Node]]) -> None:
        """Close (and so prune) every open node beside `path` (the nodes from the root down to a jump's
        target): only the path to the household jumped to stays open."""
        on_path = {n.id for n in path}
        for parent in path:
            for child in parent.children:
                if child.id not in on_path and child.is_expanded:
                    child.collapse()

    @on(Tree.NodeHighlighted)
    def _highlighted(self, event: Tree.NodeHighlighted[Node]) -> None:
        names = []
        unit = ""  # the nearest unit above (or at) the cursor: its reporting month's state follows the path
        node: TreeNode[Node] | None = event.node
        while node is not None and not node.is_root:
            if node.data is not None and node.data.kind in (UNIT, GROUP):
                names.append(display_text(node.data.name))
            if node.data is not None and node.data.kind == UNIT and not unit:
                unit = node.data.code
            node = node.parent
        self.query_one("#crumb", Static).update(Text("人口信息  " + " › ".join(reversed(names)), no_wrap=True,
                                                     overflow="ellipsis"))  # fmt: skip
        if unit:
            self.run_job(self._month_state(unit), group="month-state", exclusive=True)

    async def _month_state(self, unit: str) -> None:
        """Show the state of the unit's reporting month in the tree's title (``户 〔10月已封账〕``)."""
        from tui import services

        state = await services.month_state(unit)
        self.query_one(HouseholdTree).border_title = f"户 〔{state.compact}〕"

    @on(Tree.NodeSelected)
    def _selected(self, event: Tree.NodeSelected[Node]) -> None:
        data = event.node.data
        if data is None:
            return
        if data.kind == HOUSEHOLD:
            self.open_detail(data.code)
        elif data.kind == PERSON and data.key:
            self.open_person(data.code, data.key)

    def show_household(self, code: str, person_key: str | None = None, *, log: bool = True) -> None:
        """Jump to a household (and person) in a worker: the search box and other screens call this. `log`
        False: showing again what a form has just shown (and logged)."""
        self._jumping = True
        self.run_job(self.reveal(code, person_key, log=log), group="reveal", exclusive=True)

    async def reveal(self, code: str, person_key: str | None = None, *, log: bool = True) -> None:
        """Open the tree down to a household (and person), put the cursor there and open the detail."""
        try:
            await self._reveal(code, person_key, log)
        finally:
            self._jumping = False

    async def _reveal(self, code: str, person_key: str | None, log: bool = True) -> None:
        await self._top_ready.wait()
        async with self._tree_lock:
            await self._reveal_in_tree(code, person_key)
        self.open_detail(code, person_key, log=log)

    async def _reveal_in_tree(self, code: str, person_key: str | None) -> None:
        tree = self.query_one(HouseholdTree)
        steps = [c for c in await browse.path_to(code, actor=await actor_of(self.app)) if len(c) > len(self._top_code)]
        steps += [code[:14], code] + ([person_key] if person_key else [])
        node = tree.root
        path = [node]
        for step in steps:
            await self._ensure(node)
            child = next((c for c in node.children if c.data is not None
                          and (c.data.key if c.data.kind == PERSON else c.data.code) == step), None)  # fmt: skip
            if child is None:
                break
            if not node.is_root:
                node.expand()
            node = child
            path.append(node)
        self._close_off_path(path)
        if not node.is_root:
            _ = tree.last_line  # lay out the nodes just added, so the cursor can find its line
            tree.move_cursor(node)
            middle = max(0, node.line - tree.scrollable_content_region.height // 2)
            tree.call_after_refresh(tree.scroll_to, y=middle, animate=False)  # once the new lines are laid out

    # --- the detail ----------------------------------------------------------------------------------------

    def open_detail(self, code: str, person_key: str | None = None, *, log: bool = True) -> None:
        """Show a household (with a member highlighted) and log the view (unless `log` is False)."""
        if self.detail is not None and self.detail.code == code:
            self.person_key = person_key
            self._paint_detail()
            if log:
                self.run_job(self._log_view(code, person_key), group="log")
            return
        self.query_one("#detail", VerticalScroll).border_subtitle = "加载中…"
        self.run_job(self._load_detail(code, person_key, log=log), group="detail", exclusive=True)

    @on(RecordsChanged)
    def _records_changed(self, event: RecordsChanged) -> None:
        """Households were saved (here or on a screen above): their tree counts, their members and the open
        household's panel are read again."""
        if self.detail is not None and self.detail.code in event.codes:
            code, key = self.detail.code, self.person_key
            self.detail = None  # a jump to it now reads it again instead of repainting the old one
            self.run_job(self._load_detail(code, key, log=False), group="detail", exclusive=True)
        self.run_job(self.refresh_counts(event.codes), group="refresh")

    async def refresh_counts(self, codes: tuple[str, ...]) -> None:
        """Read again the counts of every tree node above or at the households `codes`, the households of
        their open groups (new ones added) and the members of their open households."""
        async with self._tree_lock:
            await self._refresh_counts(codes)

    async def _refresh_counts(self, codes: tuple[str, ...]) -> None:
        tree = self.query_one(HouseholdTree)
        stack = [tree.root]
        while stack:
            node = stack.pop()
            stack.extend(node.children)
            data = node.data
            if data is None or data.kind == PERSON or not any(c.startswith(data.code) for c in codes):
                continue
            fresh = await browse.refreshed(data)
            if node.is_root:
                tree.root.data = fresh
                tree.border_subtitle = node_label(fresh).plain
            elif data.kind != HOUSEHOLD:  # a household's label is renewed with its group's list below
                node.data = fresh
                node.set_label(node_label(fresh))
            if node.id not in self._loaded:
                continue
            if data.kind == UNIT and data.level == "village":
                self._update_children(node, await browse.village_groups(data.code), lambda n: n.code)
            elif data.kind == GROUP:
                self._update_children(node, await browse.group_households(data.code), lambda n: n.code)
            elif data.kind == HOUSEHOLD:
                self._update_children(node, await browse.household_persons(data.code), lambda n: n.key or "")

    def _update_children(self, parent: TreeNode[Node], kids: list[Node], key: Any) -> None:
        """New labels for the children of `parent` that are still there; new ones added in order."""
        shown = {key(c.data): c for c in parent.children if c.data is not None}
        previous: TreeNode[Node] | None = None
        for kid in kids:
            node = shown.get(key(kid))
            if node is None:
                label = node_label(kid)
                if previous is None:
                    first = parent.children[0] if parent.children else None
                    node = (
                        parent.add(label, kid, before=first)
                        if kid.expandable
                        else parent.add_leaf(label, kid, before=first)
                    )
                else:
                    node = (
                        parent.add(label, kid, after=previous)
                        if kid.expandable
                        else parent.add_leaf(label, kid, after=previous)
                    )
            else:
                node.data = kid
                node.set_label(node_label(kid))
            previous = node

    def on_screen_resume(self) -> None:
        """Back from another screen (review, quality…): show the open household as it is stored now."""
        if self.detail is not None and not self._jumping:
            self.run_job(
                self._load_detail(self.detail.code, self.person_key, log=False), group="detail", exclusive=True
            )

    async def _log_view(self, code: str, person_key: str | None) -> None:
        await service.log_view(str(getattr(self.app, "username", "")), code, person_key)

    async def _load_detail(self, code: str, person_key: str | None, *, log: bool = True) -> None:
        detail = await browse.household_detail(code, actor=await actor_of(self.app))
        box = self.query_one("#detail", VerticalScroll)
        box.border_subtitle = ""
        if detail is None:
            self.query_one("#detail-body", Static).update(plain(f"户 {code} 不存在。"))
            return
        self.detail, self.person_key, self.live = detail, person_key, False
        self._paint_detail()
        if log:
            box.scroll_home(animate=False)
            await self._log_view(code, person_key)
        try:
            issues = await live_issues(code)
        except Exception as exc:  # keep the stored findings on screen
            self.notify(f"按当前数据审核失败：{display_text(exc)}", severity="warning", timeout=8, markup=False)
            return
        if issues is not None and self.detail is detail:
            detail.issues, self.live = issues, True
            self._paint_detail()

    def _paint_detail(self) -> None:
        detail = self.detail
        if detail is None:
            return
        box = self.query_one("#detail", VerticalScroll)
        box.border_title = plain(f"户 {detail.code} {detail.address}")
        body = self.query_one("#detail-body", Static)
        width = body.content_region.width or 44
        body.update(render_detail(detail, self.person_key, self.live, width))

    def on_resize(self) -> None:
        self._paint_detail()

    # --- keys ----------------------------------------------------------------------------------------------

    def action_search(self) -> None:
        from tui.screens.search import SearchScreen

        self.app.push_screen(SearchScreen(), self._picked)

    def _picked(self, hit: Hit | None) -> None:
        if hit is not None:
            self.show_household(hit.household_code, hit.person_key)

    def action_review(self) -> None:
        from tui.screens.review import ReviewScreen

        self.app.push_screen(ReviewScreen())

    def action_quality(self) -> None:
        from tui.screens.quality import QualityScreen

        self.app.push_screen(QualityScreen())

    # --- entry forms ----------------------------------------------------------------------------------------

    def open_person(self, code: str, person_key: str | None) -> None:
        """The person form of a member (None: a new member); the form logs the view. A member's form is loaded
        before it is pushed (:meth:`PersonForm.for_member`: its first frame is the whole form)."""
        from tui.screens.person_form import PersonForm

        self.person_key = person_key
        if person_key is None:
            self.app.push_screen(PersonForm(code, person_key), lambda stored: self._form_done(code, stored))
            return

        async def load() -> None:
            form = await PersonForm.for_member(self.app, code, person_key)
            if form is not None and self.app.screen is self:
                self.app.push_screen(form, lambda stored: self._form_done(code, stored))

        self.run_job(load(), group="person", exclusive=True)

    def action_edit_household(self) -> None:
        """e: the household form of the household at the cursor (or of the open one)."""
        from tui.screens.household_form import HouseholdForm

        node = self.query_one(HouseholdTree).cursor_node
        data = node.data if node is not None else None
        code = data.code if data is not None and data.kind in (HOUSEHOLD, PERSON) else None
        code = code or (self.detail.code if self.detail is not None else None)
        if code is None:
            self.notify("请先选到一户（或其成员）。", timeout=3)
            return
        self.app.push_screen(HouseholdForm(code, code[:12]), lambda stored: self._form_done(code, stored))

    def action_new_household(self) -> None:
        """Ins: a new household in the village / group at the cursor, then its householder."""
        from tui.screens.household_form import HouseholdForm

        node = self.query_one(HouseholdTree).cursor_node
        data = node.data if node is not None else None
        if data is None or not (data.kind in (GROUP, HOUSEHOLD, PERSON) or data.level == "village"):
            self.notify("请先选到村、组或户，再按 Ins 新建户。", timeout=3)
            return
        village = data.code[:12]
        group = data.code[12:14] if len(data.code) >= 14 else None
        form = HouseholdForm(None, village, group=group)
        self.app.push_screen(form, lambda stored: self._form_done(form.code, stored))

    def action_history(self) -> None:
        """F5: the timeline (历史数据) of the person at the cursor."""
        from tui.screens.timeline import open_timeline

        node = self.query_one(HouseholdTree).cursor_node
        data = node.data if node is not None else None
        if data is None or data.kind != PERSON or not data.key:
            self.notify("请先选到一个人，再按 F5 查看历史数据。", timeout=3)
            return
        open_timeline(self, data.key)

    def _form_done(self, code: str, stored: dict[str, Any] | None) -> None:
        """Back from a form: a saved household is shown (the tree and the panel were read again when the save
        completed, :class:`~tui.records.RecordsChanged`)."""
        if stored is None:
            return
        shown = self.person_key if self.detail is not None and self.detail.code == code else None
        self.show_household(code, shown, log=False)  # the form logged its opening: one entry per opening

    def _cursor_unit(self) -> str:
        """The unit at the cursor: a township or village as it is, anything below as its village."""
        node = self.query_one(HouseholdTree).cursor_node
        data = node.data if node is not None else None
        if data is None:
            return self._top_code
        return data.code if data.kind == UNIT else data.code[:12]

    def action_changes(self) -> None:
        """F4: the monthly change entry, for the village at the cursor."""
        from tui.screens.changes import ChangeEntryScreen

        unit = self._cursor_unit()
        self.app.push_screen(ChangeEntryScreen(unit_code=unit if len(unit) == 12 else ""))

    def action_export(self) -> None:
        """F8: the export dialog, for the township or village at the cursor."""
        from tui.screens.export import ExportScreen

        self.app.push_screen(ExportScreen(self._cursor_unit()))


async def live_issues(code: str) -> list[Issue] | None:
    """The findings of a household audited as it is stored now (None when the audit cannot run)."""
    from checks.engine import audit_record, load_config, load_context
    from store.records import load_households

    record = (await load_households([code])).get(code)
    if record is None:
        return None
    as_of = await browse.audit_as_of() or dt.date.today()
    config = await load_config()
    context = await load_context(record, as_of, config)
    found = audit_record(record, context, as_of, config=config)
    order = {"E": 0, "W": 1}
    issues = [Issue(f.severity, f.rule, f.person_key, f.message, f.confirmed) for f in found]
    return sorted(issues, key=lambda i: (i.confirmed, order.get(i.severity, 2)))


def _badge(errors: int, warnings: int) -> Text:
    text = Text()
    if errors:
        text.append(f"{severity.mark('E')}{errors}", style=severity.style("E"))
    if warnings:
        text.append((" " if errors else "") + f"{severity.mark('W')}{warnings}", style=severity.style("W"))
    return text


def render_detail(detail: browse.Detail, person_key: str | None, live: bool, width: int) -> Group:
    """Header line, members table and findings of a household, for a panel `width` cells wide."""
    head = Text(f"户口 {detail.hukou_type or '—'}  {detail.kind}  {detail.persons} 人")
    if detail.status == "closed":
        head.append("  已销户", style="bold")
    village = detail.place.split(" › ")[1] if detail.place.count(" › ") >= 1 else detail.place
    if village not in detail.address:
        head.append(f"\n{display_text(detail.place)}", style="dim")
    per_person: dict[str, list[int]] = {}
    for issue in detail.issues:
        if issue.person_key and not issue.confirmed and issue.severity in ("E", "W"):
            counts = per_person.setdefault(issue.person_key, [0, 0])
            counts[0 if issue.severity == "E" else 1] += 1
    table = Table(box=None, show_edge=False, pad_edge=False, padding=(0, 1, 0, 0), header_style="bold")
    for title in ("关系", "姓名"):
        table.add_column(title, no_wrap=True, overflow="ellipsis", max_width=8)
    table.add_column("性别", no_wrap=True, max_width=4)
    table.add_column("出生日期", no_wrap=True, min_width=10)
    table.add_column("身份证号", no_wrap=True, min_width=9)
    table.add_column("问题", no_wrap=True)
    for m in detail.members:
        style = "reverse" if m.key == person_key else ("dim" if m.cancelled else "")
        errors, warnings = per_person.get(m.key, [0, 0])
        badge = Text(f"注销 {m.cancelled}", style="dim") if m.cancelled else _badge(errors, warnings)
        born = m.birth_date.isoformat() if m.birth_date else ""
        table.add_row(plain(m.relation), plain(m.name), plain(m.sex), born, plain(m.id_masked), badge, style=style)
    open_issues = [i for i in detail.issues if not i.confirmed]
    confirmed = len(detail.issues) - len(open_issues)
    lines = Text()
    lines.append("问题", style="bold")
    lines.append("（按当前数据审核）" if live else "（最近一次审核）", style="dim")
    if confirmed:
        lines.append(f"  已核实 {confirmed} 条", style="dim")
    if not open_issues:
        lines.append("\n无")
    for issue in open_issues:
        mine = bool(person_key) and issue.person_key == person_key
        name = display_text(detail.name_of(issue.person_key))
        badge = f"{severity.mark(issue.severity)} {issue.rule}"
        prefix = f"{badge} " + (f"{name} " if name else "")
        for n, row in enumerate(wrap_cells(prefix + display_text(issue.message), width)):
            lines.append("\n")
            if n == 0:
                lines.append(badge, style=severity.style(issue.severity))
                lines.append(row[len(badge) :], style="bold" if mine else "")
            else:
                lines.append(row, style="bold" if mine else "")
    return Group(head, table, Text(""), lines)
