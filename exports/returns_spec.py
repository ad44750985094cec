"""The sheets of the monthly returns (`docs/spec/returns.md`): names, titles and columns, as plain data.

The header texts here are the contract: tests and county templates match them exactly. A column is a
count, or a rate/ratio recomputed from two count columns of the same sheet (so the 合计 row recomputes
rates from summed counts).
"""

from __future__ import annotations

from dataclasses import dataclass

UNIT_HEADER = "单位"
TOTAL_LABEL = "合计"


@dataclass(frozen=True)
class Column:
    """A figure column: `kind` count, rate (fraction, ``0.0%``) or ratio (plain number, ``0.0``)."""

    header: str
    group: str = ""
    kind: str = "count"
    numerator: str = ""
    denominator: str = ""
    scale: float = 1.0


@dataclass(frozen=True)
class SheetSpec:
    """One sheet of village rows: its sheet name, title suffix and figure columns (after 单位)."""

    key: str
    name: str
    title: str
    columns: tuple[Column, ...]

    @property
    def headers(self) -> tuple[str, ...]:
        return (UNIT_HEADER, *(c.header for c in self.columns))

    def index(self, header: str) -> int:
        """Position of a figure column among :attr:`columns`."""
        for i, column in enumerate(self.columns):
            if column.header == header:
                return i
        raise KeyError(header)

    @property
    def count_headers(self) -> tuple[str, ...]:
        return tuple(c.header for c in self.columns if c.kind == "count")


def _counts(group: str, *headers: str) -> tuple[Column, ...]:
    return tuple(Column(h, group) for h in headers)


POPULATION = SheetSpec(
    "population",
    "人口变动",
    "人口变动情况",
    (
        Column("期初人口"),
        *_counts("本月变动", "出生", "死亡", "迁入", "迁出", "其他减少"),
        Column("期末人口"),
        *_counts("补报（已封账月份的变动）", "补报出生", "补报死亡", "补报迁入", "补报迁出", "补报其他减少"),
        *_counts("县内户间变动（不计入增减）", "本月户间迁移", "本月分户", "本月并户"),
        *_counts("本年累计", "本年累计出生", "本年累计死亡", "本年累计迁入", "本年累计迁出", "本年累计其他减少"),
    ),
)

#: 本年累计 column → the month column it sums over the statistical year up to the month (`exports.month_source`)
YTD_COLUMNS = {
    "本年累计出生": "出生",
    "本年累计死亡": "死亡",
    "本年累计迁入": "迁入",
    "本年累计迁出": "迁出",
    "本年累计其他减少": "其他减少",
}

#: change kind → the 补报 column of the 人口变动 sheet (late reports of closed months, see `store.domain.months`)
LATE_COLUMNS = {
    "birth": "补报出生",
    "death": "补报死亡",
    "move_in": "补报迁入",
    "move_out": "补报迁出",
    "cancel": "补报其他减少",
}

#: the figures counted from the histories (`store.histories`): the entries that began or ended in the month
REMOVALS = "本月取环"
FLOW_RETURNS = "本月流出返回"
#: how a residence entry began → its 人口变动 column (moves between households inside the county)
MOVE_COLUMNS = {"transfer": "本月户间迁移", "split": "本月分户", "merge": "本月并户"}

METHOD_HEADERS = ("男性绝育", "女性绝育", "宫内节育器", "皮下埋植", "口服及注射避孕药", "避孕套", "外用药", "其他")

BIRTHS = SheetSpec(
    "births",
    "出生情况",
    "出生情况",
    (
        Column("出生合计"),
        *_counts("按性别", "男", "女"),
        *_counts("按孩次", "一孩", "二孩", "三孩及以上"),
        *_counts("按政策属性", "政策内", "政策外"),
        Column("出生人口性别比", kind="ratio", numerator="男", denominator="女", scale=100.0),
    ),
)

CONTRACEPTION = SheetSpec(
    "contraception",
    "避孕节育",
    "避孕节育情况",
    (
        Column("已婚育龄妇女"),
        Column("措施合计"),
        *_counts("各种避孕节育措施人数", *METHOD_HEADERS),
        Column("综合避孕率", kind="rate", numerator="措施合计", denominator="已婚育龄妇女"),
        *_counts("本月手术", "本月男扎", "本月女扎", "本月上环", "本月皮埋", "本月取环"),
    ),
)

PREGNANCY = SheetSpec(
    "pregnancy",
    "孕情婚姻",
    "孕情及婚姻情况",
    (
        Column("期末怀孕人数"),
        Column("本月怀孕"),
        *_counts("本月妊娠结局", "本月活产", "本月人工流产", "本月引产", "本月其他结局"),
        *_counts("女性初婚", "女性初婚人数", "其中未达法定婚龄"),
    ),
)

FLOWS = SheetSpec(
    "flows",
    "流动人口",
    "流动人口情况",
    (
        *_counts("流入", "流入人口", "流入已婚育龄妇女"),
        *_counts("流出", "流出人口", "流出已婚育龄妇女"),
        *_counts("本月新增", "本月新增流入", "本月新增流出"),
        *_counts("本月减少", "本月流出返回"),
    ),
)

#: columns that are a count at a moment, not over the month: a period shows the value at its start
#: (:data:`OPENING_COLUMNS`) or at its end (:data:`CLOSING_COLUMNS`); every other count column is summed
OPENING_COLUMNS = frozenset({"期初人口"})
CLOSING_COLUMNS = frozenset(
    {"期末人口", "已婚育龄妇女", "措施合计", *METHOD_HEADERS, "期末怀孕人数", "流入人口", "流入已婚育龄妇女",
     "流出人口", "流出已婚育龄妇女"}
)  # fmt: skip


def period_header(header: str) -> str:
    """A column header as the period returns show it: ``本月怀孕`` → ``本期怀孕``."""
    return header.replace("本月", "本期")


#: the village-row sheets computed from the person records, in workbook order
FIGURE_SHEETS: tuple[SheetSpec, ...] = (POPULATION, BIRTHS, CONTRACEPTION, PREGNANCY, FLOWS)

CHANGES_SHEET = "变更清单"
CHANGES_TITLE = "人口变更清单"
CHANGES_HEADERS = ("村", "户编码", "姓名", "身份证号", "变更类型", "变更日期", "录入日期", "录入人")
QUALITY_SHEET = "质量"
QUALITY_TITLE = "数据质量情况"
NOTES_SHEET = "说明"

#: every sheet name of the workbook, in order
SHEET_NAMES: tuple[str, ...] = (*(s.name for s in FIGURE_SHEETS), CHANGES_SHEET, QUALITY_SHEET, NOTES_SHEET)
