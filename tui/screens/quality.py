"""Quality panel (数据质量): the indicators of `docs/spec/quality.md` for the units of a township or county, with the
rules whose findings cost the selected unit the most score ("先改这些", 可提高 x.x 分).

The figures come from :func:`checks.quality.compute_quality` over the stored audit, computed in a worker
("计算中…" meanwhile). Rates are shown with one decimal and coloured by their verdict (pass, within 5 points,
fail); D shows the numerators and denominators of the selected row instead of the improvement list.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Static

from checks.quality import UnitCounts, UnitQuality, compute_quality
from store import findings_view as fv
from store.scope import in_scope
from tui.acting import actor_of
from tui.bindings import bindings
from tui.jobs import Jobs
from tui.text import display_text, plain
from tui.widgets import KeyBar

VERDICT_STYLE = {"pass": "green", "near": "yellow", "fail": "bold red"}
#: (header, width in cells including the one-cell gap before it, indicator key or "" for text columns).
COLUMNS = (
    ("村", 9, ""), ("人口", 8, "persons"), ("已婚育妇", 9, "married_wcba"), ("完整率", 8, "completeness_rate"),
    ("误差率", 8, "logic_error_rate"), ("身份证", 8, "id_valid_rate"), ("重复", 6, "duplicate_rate"),
    ("及时率", 8, "timeliness_rate"), ("准确率", 8, "accuracy_rate"), ("得分", 7, "score"),
)  # fmt: skip
RATE_KEYS = ("completeness_rate", "logic_error_rate", "id_valid_rate", "timeliness_rate", "accuracy_rate")
PANEL_LINES = 5
#: the word of the first column for the rows under a unit of each level.
LEVEL_WORD = {"county": "乡镇", "township": "村", "village": "村"}


def group(n: int) -> str:
    """1023 → "1 023" (thousands separated by a space, as on the paper returns)."""
    return f"{n:,}".replace(",", " ")


def right(text: str, width: int, style: str = "") -> Text:
    """`text` right-aligned in `width` cells."""
    return Text(" " * max(0, width - cell_len(text)) + text, style=style)


def percent(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def gain_text(gain: float) -> str:
    """A score gain with one decimal (two when it would round to 0.0)."""
    return f"{gain:.1f}" if gain >= 0.05 else f"{gain:.2f}"


def children_of(units: list[UnitQuality], code: str) -> tuple[UnitQuality | None, list[UnitQuality]]:
    """The unit `code` ('' = the top unit) and the rows under it: townships of a county, villages of a
    township, the village itself for a village."""
    by_code = {u.unit_code: u for u in units}
    if not code:
        tops = sorted(units, key=lambda u: (len(u.unit_code), u.unit_code))
        if not tops:
            return None, []
        code = tops[0].unit_code
    unit = by_code.get(code)
    if unit is None:
        return None, []
    if unit.level == "village":
        return unit, [unit]
    child = "township" if unit.level == "county" else "village"
    rows = [u for u in units if u.level == child and u.unit_code.startswith(code) and u.unit_code != code]
    if not rows and unit.level == "county":  # a county without township units: its villages
        rows = [u for u in units if u.level == "village" and u.unit_code.startswith(code)]
    return unit, sorted(rows, key=lambda u: u.unit_code)


def fractions(c: UnitCounts, multiplier: int = 10) -> list[tuple[str, str]]:
    """(label, "numerator/denominator") of each indicator of a unit's counts."""

    def frac(num: int, den: int) -> str:
        return f"{group(num)}/{group(den)}" if den else "—"

    logic_den = c.married_wcba * multiplier
    return [
        ("完整率", frac(c.persons - c.incomplete, c.persons)),
        ("误差率", f"{group(c.logic_errors)}/({group(c.married_wcba)}×{multiplier})" if logic_den else "—"),
        ("身份证", frac(c.id_total - c.id_invalid, c.id_total)),
        ("重复", frac(c.duplicates, c.persons)),
        ("及时率", frac(c.events_on_time, c.events)),
        ("准确率", frac(c.items_correct, c.items_verified)),
        ("错误记录", frac(c.error_records, c.persons)),
    ]


class QualityTable(DataTable[Any]):
    """The units and their indicators; Enter opens the findings of the row."""

    BINDINGS = bindings("units")


class QualityScreen(Jobs, Screen[None]):
    """数据质量 of `unit_code` ('' = the top unit of the database) and the units under it."""

    HELP = """\
数据质量：各村（或各乡镇）和合计的质量指标，取自最近一次逻辑审核。
绿色达标，黄色与标准相差不到 5 个百分点，红色未达标（✗）；
“—”表示无法计算（如尚无抽查结果）。
↑ ↓ 选择一行；下方列出该单位“先改这些”的规则及全部改正后可提高的分数。
F9 封账：所选单位上月的报表上报后封存，以后的修改计入补报（审核员、管理员）。
F10 重新打开：所选单位已封账的上月重新打开，须写理由，记入操作日志（管理员）。"""

    KEY_SCOPES = ("quality", "units")
    BINDINGS = bindings("quality")

    DEFAULT_CSS = """
    QualityScreen #quality-title { height: 1; background: $primary; color: $text; padding: 0 1; }
    QualityScreen #q-left { width: 1fr; }
    QualityScreen #q-right { width: auto; }
    QualityScreen QualityTable { height: 1fr; scrollbar-size-vertical: 1; }
    QualityScreen #quality-panel-title { height: 1; padding: 0 1; color: $text-muted; }
    QualityScreen #quality-panel { height: 5; padding: 0 1; }
    """

    def __init__(self, unit_code: str = "", *, compute: Callable[[], Any] | None = None,
                 units: list[UnitQuality] | None = None) -> None:  # fmt: skip
        """`compute` returns the figures (default :func:`compute_quality`); `units`: figures already computed
        (a drill-down from another quality screen shows them at once; F5 computes afresh)."""
        super().__init__()
        self.unit_code = unit_code
        self.compute = compute or compute_quality
        self.units = units
        self.unit: UnitQuality | None = None
        self.rows: list[UnitQuality] = []
        self.show_fractions = False
        self.as_of: dt.date | None = None
        self._rule_counts: dict[str, dict[str, int]] = {}
        #: the state of the unit's reporting month (``10月已封账``)
        self.month_text = ""

    def compose(self) -> ComposeResult:
        with Horizontal(id="quality-title"):
            yield Static("数据质量", id="q-left")
            yield Static("", id="q-right")
        yield QualityTable(id="quality", cursor_type="row", zebra_stripes=False, cell_padding=0)
        yield Static("计算中…", id="quality-panel-title")
        yield Static("", id="quality-panel")
        yield KeyBar(self.KEY_SCOPES)

    def on_mount(self) -> None:
        self._columns("村")
        self.query_one(QualityTable).focus()
        if self.units is not None:
            self.run_job(self._present(self.units), exclusive=True, group="quality")
        else:
            self._load()

    def _columns(self, word: str) -> None:
        table = self.query_one(QualityTable)
        table.clear(columns=True)
        for label, width, key in COLUMNS:
            table.add_column(Text(" " + word) if not key else right(label, width), width=width, key=label)

    # --- loading ----------------------------------------------------------------------------------------

    def _load(self) -> None:
        self.query_one("#quality-panel-title", Static).update("计算中…")
        self.query_one("#quality-panel", Static).update("")
        self.run_job(self._compute(), exclusive=True, group="quality")

    async def _compute(self) -> None:
        await self._present(await self.compute())

    async def _present(self, units: list[UnitQuality]) -> None:
        actor = await actor_of(self.app)
        units = [u for u in units if in_scope(actor, u.unit_code)]  # the units of the logged-in account
        self.units = units
        self.as_of = await fv.audit_date()
        self._rule_counts = {}
        self.unit, self.rows = children_of(units, self.unit_code)
        self.month_text = ""
        if self.unit is not None:
            from tui import services

            self.month_text = (await services.month_state(self.unit.unit_code)).compact
        self._show()

    def _show(self) -> None:
        table = self.query_one(QualityTable)
        cursor = table.cursor_row
        unit = self.unit
        self._columns(LEVEL_WORD.get(unit.level, "村") if unit is not None else "村")
        if unit is None:
            self.query_one("#q-left", Static).update("数据质量  （没有数据）")
            self.query_one("#quality-panel-title", Static).update("没有可计算的单位。请先导入数据并审核。")
            return
        when = f"截至 {self.as_of:%Y-%m-%d}" if self.as_of else "尚未审核"
        note = "" if unit.timeliness_final else "  及时率暂计"
        self.query_one("#q-left", Static).update(plain(f"数据质量  {unit.unit_name}  {when}{note}"))
        score = unit.values.get("score")
        verdict = "达标" if unit.passed else "未达标"
        state = f"  {self.month_text}  " if self.month_text else ""
        self.query_one("#q-right", Static).update(
            Text(f"{state}得分 {score:.1f}  {verdict}" if score is not None else f"{state}{verdict}")
        )
        rows = self.rows if self.rows != [unit] else []
        for row in rows:
            table.add_row(*self._cells(row, display_text(row.unit_name)), key=row.unit_code)
        table.add_row(*self._cells(unit, "合计"), key=unit.unit_code)
        table.move_cursor(row=min(max(cursor, 0), table.row_count - 1))
        self._show_panel()

    def _cells(self, u: UnitQuality, name: str) -> list[Text]:
        cells: list[Text] = []
        for _label, width, key in COLUMNS:
            if not key:
                text = name if cell_len(name) <= width - 1 else name[: (width - 2) // 2] + "…"
                cells.append(Text(" " + text, style="bold" if name == "合计" else ""))
            elif key in ("persons", "married_wcba"):
                cells.append(right(group(int(u.values.get(key) or 0)), width))
            elif key == "score":
                score = u.values.get("score")
                text = "—" if score is None else f"{score:.1f}" + ("✓" if u.passed else "✗")
                cells.append(right(text, width, "green" if u.passed else "bold red"))
            elif key == "duplicate_rate":
                cells.append(self._judged(str(u.counts.duplicates), u, key, width))
            else:
                cells.append(self._judged(percent(u.values.get(key)), u, key, width))
        return cells

    @staticmethod
    def _judged(text: str, u: UnitQuality, key: str, width: int) -> Text:
        verdict = u.verdicts.get(key)
        if verdict is None or text == "—":
            return right(text + " ", width, "dim" if text == "—" else "")
        mark = " " if verdict == "pass" else "✗"
        return right(text + mark, width, VERDICT_STYLE[verdict])

    # --- the panel under the table ----------------------------------------------------------------------

    @property
    def selected(self) -> UnitQuality | None:
        """The unit of the cursor row."""
        table = self.query_one(QualityTable)
        if self.unit is None or table.row_count == 0:
            return None
        rows = (self.rows if self.rows != [self.unit] else []) + [self.unit]
        return rows[min(max(table.cursor_row, 0), len(rows) - 1)]

    def _show_panel(self) -> None:
        unit = self.selected
        if unit is None:
            return
        name = display_text(unit.unit_name)
        title = self.query_one("#quality-panel-title", Static)
        panel = self.query_one("#quality-panel", Static)
        if self.show_fractions:
            title.update(Text(f"── {name}：分子/分母 ──"))
            parts = [f"{label} {value}" for label, value in fractions(unit.counts)]
            panel.update(Text("\n".join(["   ".join(parts[0:3]), "   ".join(parts[3:6]), parts[6]])))
            return
        recheck = "（误差率超过 10%，需逐户复查）" if unit.full_recheck else ""
        title.update(Text(f"── {name}：先改这些{recheck} ──"))
        if not unit.improvements:
            panel.update("没有可提高得分的问题。" if unit.values.get("score") is not None else "")
            return
        counts = self._rule_counts.get(unit.unit_code)
        if counts is None:
            panel.update("")
            self.run_job(self._load_rule_counts(unit.unit_code), group="quality-rules")
            return
        panel.update(Text("\n".join(self._improvement_lines(unit, counts))))

    async def _load_rule_counts(self, code: str) -> None:
        self._rule_counts[code] = await fv.rule_counts(code, status="open", actor=await actor_of(self.app))
        self._show_panel()

    @staticmethod
    def _improvement_lines(unit: UnitQuality, counts: dict[str, int]) -> list[str]:
        from checks.registry import all_rules

        rules = all_rules()
        lines = []
        for number, (rule, gain) in enumerate(unit.improvements[:PANEL_LINES], start=1):
            found = rules.get(rule)
            title = found.title if found is not None else ""
            title = title if cell_len(title) <= 28 else title[:13] + "…"
            lines.append(f"{number} {rule:<5}{title}{' ' * max(1, 30 - cell_len(title))}"
                         f"{counts.get(rule, 0):>5} 条  可提高 {gain_text(gain)} 分")  # fmt: skip
        return lines

    @on(DataTable.RowHighlighted)
    def _highlighted(self) -> None:
        self._show_panel()

    # --- actions ----------------------------------------------------------------------------------------

    def action_open_row(self) -> None:
        unit = self.selected
        if unit is None:
            return
        if unit.level != "village" and unit is not self.unit:
            self.app.push_screen(QualityScreen(unit.unit_code, compute=self.compute, units=self.units))
            return
        from tui.screens.review import ReviewScreen

        self.app.push_screen(ReviewScreen(unit.unit_code))

    def action_toggle_fractions(self) -> None:
        self.show_fractions = not self.show_fractions
        self._show_panel()

    def action_refresh_quality(self) -> None:
        self._load()

    # --- closing the reporting month (封账) ------------------------------------------------------------

    def action_close_month(self) -> None:
        unit = self.selected
        if unit is not None:
            self.run_job(self._prepare_close(unit.unit_code, unit.unit_name), exclusive=True, group="month")

    async def _prepare_close(self, code: str, name: str) -> None:
        """Check who may close and which villages have no sign-off, then ask (封账 cannot be taken back by a
        reviewer: only an admin may reopen)."""
        from store import access
        from store.domain.months import reporting_month
        from tui import services

        actor = await actor_of(self.app)
        if not access.may(actor, access.Action.MONTH_CLOSE):
            self.notify(access.refusal(actor, access.Action.MONTH_CLOSE), severity="warning")
            await access.log_refusal(actor, access.Action.MONTH_CLOSE)
            return
        month = reporting_month(dt.date.today())
        unsigned = await services.villages_not_signed(code, month)
        question = f"封账：{name} {month}？封账后该月报表不再变动，只有管理员可以重新打开。"
        if unsigned:
            names = "、".join(n for _, n in unsigned[:6]) + (f" 等 {len(unsigned)} 个村" if len(unsigned) > 6 else "")
            question = f"{names} 还没有审核签字。\n仍然封账 {name} {month}？只有管理员可以重新打开。"

        def answered(choice: str | None) -> None:
            if choice == "y":
                self.run_job(self._close(code, month, actor.username), exclusive=True, group="month")

        from tui.screens.form_dialogs import ChoiceDialog

        self.app.push_screen(ChoiceDialog(question, [("y", "封账"), ("n", "取消")]), answered)

    async def _close(self, code: str, month: str, operator: str) -> None:
        from tui import services

        result = await services.close_month(month, operator, code, force=True)
        self.month_text = (await services.month_state(self.unit.unit_code if self.unit else code)).compact
        self._show()
        self.notify(f"已封账：{result.unit.name} {result.closed.month}")

    # --- reopening a closed month (admins) --------------------------------------------------------------

    def action_reopen_month(self) -> None:
        unit = self.selected
        if unit is not None:
            self.run_job(self._prepare_reopen(unit.unit_code, unit.unit_name), exclusive=True, group="month")

    async def _prepare_reopen(self, code: str, name: str) -> None:
        """Admins only; the month must be closed for this very unit. Ask first (Enter: 取消), then the reason."""
        from store import access
        from tui import services
        from tui.screens.form_dialogs import ChoiceDialog, ReasonDialog

        actor = await actor_of(self.app)
        if not access.may(actor, access.Action.MONTH_REOPEN):
            self.notify(access.refusal(actor, access.Action.MONTH_REOPEN), severity="warning")
            await access.log_refusal(actor, access.Action.MONTH_REOPEN)
            return
        state = await services.month_state(code)
        closed = state.closed
        if closed is None:
            self.notify(f"{name} {state.month} 没有封账，无需重新打开。", severity="warning")
            return
        if closed.unit_code != code:
            self.notify(f"{name} {state.month} 是随上级单位（{closed.unit_code or '全部'}）一起封账的，"
                        "请在上级单位重新打开。", severity="warning")  # fmt: skip
            return
        question = (f"重新打开 {name} {state.month}？该月于 {closed.closed_at:%Y-%m-%d %H:%M} 由 {closed.closed_by} "
                    "封账；重新打开后报表按当时的数据重新计算，重新封账前请再上报。")  # fmt: skip

        def reason_given(reason: str | None) -> None:
            if reason:
                self.run_job(self._reopen(code, state.month, reason, actor.username), exclusive=True, group="month")

        def answered(choice: str | None) -> None:
            if choice == "y":
                self.app.push_screen(ReasonDialog(f"重新打开 {name} {state.month}", "理由将记入操作日志。", "",
                                                  missing="请填写重新打开的理由。"), reason_given)  # fmt: skip

        self.app.push_screen(ChoiceDialog(question, [("y", "重新打开"), ("n", "取消")], default="n"), answered)

    async def _reopen(self, code: str, month: str, reason: str, operator: str) -> None:
        from tui import services

        closed = await services.reopen_month(month, code, reason, operator)
        self.month_text = (await services.month_state(self.unit.unit_code if self.unit else code)).short
        self._show()
        self.notify(f"已重新打开：{closed.unit_code} {closed.month}（理由已记入操作日志）")

    def action_back(self) -> None:
        self.dismiss(None)
