"""Synthetic demo county (演示数据): realistic households in the interchange format, with planted faults.

`generate()` builds a deterministic county (430426 祁东县) household by household and yields each one as
an interchange payload (`interchange.md` §1), so a county of 400 000 persons never sits in memory at once.
With ``error_rate`` 0 the data raises no E finding of `rules.md` at ``as_of``; with ``error_rate`` R about
R × persons records carry one planted fault each, every rule code of the catalogue at least once (for
2 000 persons or more), and ``manifest["faults"]`` names the records the audit must report.

Layout of the module: name and place tables; the in-memory person/household classes; the clean
generator (`_Gen`: templates → deaths → flows → woman records → benefits → relations); the fault
catalogue (`MUTATIONS`, one small function per rule code); the public API at the end.
"""

from __future__ import annotations

import json
import math
import random
import zlib
from bisect import bisect
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import accumulate, pairwise
from pathlib import Path
from typing import Any

from store.idnumber import check_char, make_id
from store.regions import county_codes_of_province, is_known_region, region_name

__all__ = ["MUTATIONS", "RULE_CODES", "DemoCounty", "entry_lag", "generate", "to_jsonl_lines", "write_manifest"]

COUNTY = "430426"
COUNTY_NAME = "祁东县"
SMALL_COUNTY = 20_000  # up to this many persons: one township
MAX_TOWNSHIPS = 20

# Every rule code of rules.md, in catalogue order.
RULE_CODES: tuple[str, ...] = (
    *(f"ID0{i}" for i in range(1, 8)),
    "DUP1",
    "DUP2",
    *(f"REQ{i}" for i in range(1, 9)),
    *(f"MAR{i}" for i in range(1, 10)),
    *(f"CH0{i}" for i in range(1, 8)),
    *(f"CON{i}" for i in range(1, 6)),
    *(f"PRG{i}" for i in range(1, 7)),
    "DTH1",
    "DTH2",
    "DTH3",
    "DAT1",
    "DAT2",
    *(f"HH0{i}" for i in range(1, 6)),
    *(f"FLW{i}" for i in range(1, 5)),
    "BEN1",
    "BEN2",
    "BEN3",
    "CRT1",
)

# --- names and places ------------------------------------------------------------------------------

TOWNSHIPS: tuple[str, ...] = (
    "城关镇", "白地市镇", "砖塘镇", "归阳镇", "过水坪镇", "双桥镇", "灵官镇", "风石堰镇", "黄土铺镇", "石亭子镇",
    "官家嘴镇", "步云桥镇", "河洲镇", "蒋家桥镇", "金桥镇", "马杜桥乡", "鸟江镇", "太和堂镇", "凤歧坪乡", "四明山乡",
)  # fmt: skip

VILLAGES: tuple[str, ...] = (
    "东风", "红星", "新民", "和平", "光明", "胜利", "前进", "联合", "新华", "长乐", "永兴", "福田", "石塘", "桐梓",
    "白鹤", "荷叶", "金盆", "青山", "枫树", "竹山", "杨柳", "石门", "大塘", "双江", "花桥", "新塘", "龙泉", "凤凰",
    "黄泥", "桃花", "杉木", "茶园", "大坪", "松山", "清水", "高田", "梅溪", "长冲", "太平", "兴隆", "群英", "五星",
    "三联", "四新", "六合", "民主", "团结", "先锋", "建新", "红旗", "东升", "向阳", "朝阳", "新农", "中和", "永安",
    "长塘", "洪塘", "上湾", "下湾", "塘湾", "石桥", "木林", "泉塘", "板桥", "岭头", "坪上", "东湖", "西湖", "南岭",
    "北山", "蒋家", "罗家", "刘家", "谢家", "唐家", "曾家", "马塘", "樟树", "檀山", "荆竹", "古井", "鹿门", "鸭塘",
)  # fmt: skip

SURNAMES: tuple[tuple[str, int], ...] = (
    ("李", 80), ("王", 60), ("刘", 60), ("陈", 60), ("周", 50), ("罗", 40), ("唐", 40), ("邓", 30), ("谭", 30),
    ("肖", 30), ("蒋", 30), ("曾", 30), ("彭", 30), ("黄", 30), ("张", 40), ("谢", 30), ("邹", 20), ("廖", 20),
    ("雷", 20), ("贺", 20), ("何", 20), ("胡", 20), ("杨", 30), ("欧阳", 8), ("管", 10), ("申", 10), ("颜", 10),
    ("龙", 10), ("段", 10), ("伍", 10), ("赵", 20), ("吴", 20), ("徐", 10), ("孙", 10), ("朱", 20), ("高", 10),
    ("林", 10), ("郭", 10), ("马", 10), ("袁", 10), ("阳", 10), ("宁", 10), ("文", 10), ("许", 10), ("尹", 10),
    ("姚", 10), ("易", 10), ("石", 10), ("邱", 10), ("汤", 10), ("戴", 10), ("左", 8), ("江", 8), ("向", 8),
    ("钟", 8), ("毛", 8), ("田", 8), ("夏", 8), ("丁", 6), ("秦", 6),
)  # fmt: skip

# Given names by sex and birth cohort (<1960, 1960-79, 1980-99, 2000-14, 2015-).
GIVEN: dict[tuple[str, int], tuple[str, ...]] = {
    ("1", 0): ("建国", "国强", "德明", "志强", "新华", "长生", "福生", "金生", "春生", "桂生", "有才", "德胜", "秋生",
               "冬生", "国庆", "建华", "振华", "玉林", "家富", "永福", "明德", "连生", "水生", "光明", "正国", "国富",
               "德华", "友良", "伯清", "海清", "学文", "运来", "茂林", "石生", "和平", "东生", "顺生", "仁贵"),
    ("1", 1): ("建军", "卫东", "红兵", "志刚", "文斌", "海波", "建平", "小平", "伟", "勇", "军", "斌", "强", "刚",
               "建新", "立新", "国平", "新民", "跃进", "向阳", "志勇", "建明", "爱民", "东升", "晓东", "卫国", "红军",
               "少华", "国华", "建忠", "正华", "双喜", "再兴", "云飞", "金龙", "铁军"),
    ("1", 2): ("伟", "磊", "超", "鹏", "杰", "涛", "浩", "俊", "明亮", "志伟", "海涛", "振宇", "文杰", "晓峰", "俊杰",
               "家豪", "鹏飞", "建波", "志鹏", "小龙", "敏", "波", "亮", "帅", "阳", "剑", "林峰", "宇", "子健",
               "文龙", "俊峰", "国栋", "永强", "海军", "凯", "勇军"),
    ("1", 3): ("子豪", "宇轩", "浩然", "俊杰", "浩宇", "宇航", "子轩", "博文", "梓豪", "嘉豪", "晨阳", "锦涛", "天佑",
               "思远", "泽宇", "俊熙", "一鸣", "文博", "皓轩", "奕辰", "子涵", "雨泽", "明轩", "宇豪", "志豪", "家乐"),
    ("1", 4): ("沐宸", "宇辰", "梓睿", "子墨", "沐阳", "浩宇", "一诺", "睿泽", "宸睿", "奕辰", "铭泽", "景行", "亦辰",
               "锦程", "俊熙", "梓轩", "瑞霖", "思齐", "浩轩", "嘉懿", "承泽", "煜城"),
    ("2", 0): ("秀英", "桂英", "玉兰", "秀兰", "凤英", "桂兰", "翠兰", "玉英", "冬梅", "淑珍", "春兰", "菊英", "三妹",
               "满秀", "玉梅", "桂花", "金花", "翠英", "月娥", "秀珍", "银花", "凤娥", "桂香", "兰英", "秋菊", "腊梅"),
    ("2", 1): ("红梅", "丽华", "小红", "艳", "芳", "丽", "燕", "敏", "海燕", "春燕", "红霞", "小玲", "美华", "桂芳",
               "秀梅", "艳红", "小英", "玉华", "翠华", "建英", "爱华", "冬英", "美玲", "晓红", "红英", "丽萍"),
    ("2", 2): ("丽", "婷", "静", "娟", "敏", "霞", "倩", "芳芳", "丹", "琴", "佳", "雪梅", "晓燕", "婷婷", "丽娟",
               "雪", "慧", "玲", "颖", "思思", "美玲", "露", "莎", "晶晶", "兰兰", "媛媛"),
    ("2", 3): ("欣怡", "梓涵", "诗涵", "雨涵", "紫涵", "佳怡", "可馨", "雨桐", "思涵", "梦琪", "诗琪", "佳琪", "子琪",
               "雨欣", "语嫣", "若曦", "欣妍", "梓萱", "语桐", "心怡", "艺涵", "思琪"),
    ("2", 4): ("一诺", "依诺", "梓涵", "沐晨", "若汐", "语汐", "欣然", "星悦", "可欣", "安然", "诗雨", "芷若", "梦瑶",
               "清妍", "知夏", "沐瑶", "语晨", "梓玥"),
}  # fmt: skip

CHINESE_DIGITS = "零一二三四五六七八九"
OCCUPATIONS: tuple[tuple[str, int], ...] = (
    ("农林牧渔劳动者", 50), ("生产运输工人", 20), ("商业工作人员", 8), ("服务性工作人员", 8), ("其他劳动者", 6),
    ("不在业", 6), ("办事人员和有关人员", 2),
)  # fmt: skip
FLOW_REASONS = ("务工经商", "务工经商", "务工经商", "随同流动", "其他")

# Where brides, inflow persons and outflow persons come from / go to: province prefix → weight.
BRIDE_ORIGINS = (("local", 55), ("43", 38), ("45", 3), ("36", 2), ("52", 2))
INFLOW_ORIGINS = (("45", 20), ("52", 15), ("51", 15), ("36", 12), ("42", 10), ("50", 8), ("43", 20))
OUTFLOW_DESTS = (("44", 50), ("33", 12), ("31", 5), ("43", 20), ("32", 5), ("35", 8))

POLICY_TWO = date(2016, 1, 1)
POLICY_THREE = date(2021, 5, 31)
LEGAL_AGE_CHANGE = date(1981, 1, 1)


# --- small helpers ----------------------------------------------------------------------------------


class _Choice:
    """Weighted choice over fixed items (bisect over cumulative weights: fast)."""

    __slots__ = ("cum", "items", "total")

    def __init__(self, pairs: Sequence[tuple[Any, float]]) -> None:
        self.items = [p[0] for p in pairs]
        self.cum = list(accumulate(p[1] for p in pairs))
        self.total = self.cum[-1]

    def pick(self, rng: random.Random) -> Any:
        return self.items[bisect(self.cum, rng.random() * self.total)]


def add_years(d: date, years: int) -> date:
    """The same day `years` later; 29 February becomes 1 March (the day the age is reached)."""
    try:
        return d.replace(year=d.year + years)
    except ValueError:
        return date(d.year + years, 3, 1)


def age_at(birth: date, d: date) -> int:
    """Completed years (周岁) at `d`."""
    return d.year - birth.year - ((d.month, d.day) < (birth.month, birth.day))


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d is not None else None


def _days(n: int) -> timedelta:
    return timedelta(days=n)


def _era(year: int) -> int:
    """Cohort index for given names."""
    return 0 if year < 1960 else 1 if year < 1980 else 2 if year < 2000 else 3 if year < 2015 else 4


def _group_name(group: int) -> str:
    """一, 二 … 十, 十一 … for a group number (< 100)."""
    tens, ones = divmod(group, 10)
    if tens == 0:
        return CHINESE_DIGITS[ones]
    head = "" if tens == 1 else CHINESE_DIGITS[tens]
    return head + "十" + (CHINESE_DIGITS[ones] if ones else "")


def mortality(age: int) -> float:
    """Rough annual death probability in rural Hunan (Gompertz)."""
    if age < 40:
        return 0.0
    return min(0.35, 0.0012 * math.exp(0.085 * (age - 40)))


def policy_for(order: int, born: date, exception: bool) -> str:
    """政策属性 consistent with the national ceiling at the birth date (CH07); pre-2016 order 2 as recorded."""
    if born >= POLICY_THREE:
        return "1" if order <= 3 else "2"
    if born >= POLICY_TWO:
        return "1" if order <= 2 else "2"
    if order == 1:
        return "1"
    if order == 2:
        return "1" if exception else "2"
    return "2"


def policy_consistent(order: int, born: date, policy: str | None) -> bool:
    """Whether a recorded policy agrees with CH07's ceiling (pre-2016 orders ≤ 2 trusted)."""
    if policy is None:
        return True
    if born >= POLICY_THREE:
        return (policy == "1") == (order <= 3)
    if born >= POLICY_TWO:
        return (policy == "1") == (order <= 2)
    return order <= 2 or policy == "2"


# --- in-memory records ------------------------------------------------------------------------------


@dataclass(slots=True)
class _Child:
    """One childbirth-history entry."""

    order: int
    name: str | None
    sex: str | None
    birth: date | None
    policy: str | None
    blood: str = "1"
    alive: bool = True
    disabled: str | None = None
    member: _P | None = None


@dataclass(slots=True)
class _Preg:
    """One pregnancy."""

    lmp: date | None
    edd: date | None
    outcome: str | None = None
    outcome_date: date | None = None


@dataclass(slots=True)
class _Woman:
    """The woman record: history, contraception, pregnancies, only-child certificate."""

    children: list[_Child] = field(default_factory=list)
    method: str | None = None
    since: date | None = None
    failure: str | None = None
    has_contraception: bool = False
    pregnancies: list[_Preg] = field(default_factory=list)
    cert: tuple[str, date] | None = None


@dataclass(slots=True, eq=False)
class _P:
    """A person while being generated (dates as `date`, links as objects)."""

    name: str | None
    sex: str | None
    birth: date
    surname: str
    region: str
    id_number: str | None = None
    id_type: str = "1"
    key: str = ""
    relation: str | None = None
    ethnicity: str | None = "01"
    hukou: str | None = "2"
    rural: bool = True
    education: str | None = None
    political: str | None = None
    occupation: str | None = None
    marital: str | None = "10"
    fm: date | None = None
    mc: date | None = None
    spouse: _P | None = None
    partner: _P | None = None  # generation only: the spouse, kept after a death
    spouse_ext: dict[str, Any] | None = None
    mother: _P | None = None
    father: _P | None = None
    residence: str = "1"
    mgmt: str = "01"
    reg_place: str | None = None
    flow: dict[str, Any] | None = None
    moved_in: dict[str, Any] | None = None
    death: date | None = None
    cancel: tuple[str, date] | None = None
    benefits: list[tuple[str, int]] = field(default_factory=list)
    woman: _Woman | None = None
    adopted: bool = False

    @property
    def active(self) -> bool:
        return self.cancel is None

    @property
    def married(self) -> bool:
        return self.marital in ("20", "21", "22", "23")


@dataclass(slots=True, eq=False)
class _HH:
    """A household while being generated."""

    code: str
    prefix: str  # address up to the group, e.g. 城关镇东风村一组
    hukou_type: str = "2"
    kind: str = "family"
    status: str = "active"
    closed_date: date | None = None
    phone: str | None = None
    address_note: str = ""
    members: list[_P] = field(default_factory=list)

    @property
    def active_members(self) -> list[_P]:
        return [p for p in self.members if p.cancel is None]


def _live_births(w: _P) -> list[_Child]:
    return [c for c in w.woman.children if c.blood == "1"] if w.woman else []


def _deliveries(w: _P) -> list[date]:
    """Dates of her deliveries (live births at most 1 day apart are one delivery), ascending."""
    out: list[date] = []
    for d in sorted(c.birth for c in _live_births(w) if c.birth is not None):
        if not out or (d - out[-1]).days > 1:
            out.append(d)
    return out


def _renumber(w: _P) -> None:
    """孩次 1..n in birth-date order."""
    w.woman.children.sort(key=lambda c: c.birth)
    for i, c in enumerate(w.woman.children, start=1):
        c.order = i


# --- serialisation ----------------------------------------------------------------------------------


def _flow_dict(flow: dict[str, Any] | None) -> dict[str, Any] | None:
    if flow is None:
        return None
    return {
        "type": flow["type"],
        "since": _iso(flow["since"]),
        "place_code": flow["place_code"],
        "place": flow["place"],
        "reason": flow["reason"],
    }


def _woman_dict(w: _Woman | None) -> dict[str, Any] | None:
    if w is None:
        return None
    return {
        "children": [
            {
                "order": c.order,
                "name": c.name,
                "sex": c.sex,
                "birth_date": _iso(c.birth),
                "policy": c.policy,
                "blood": c.blood,
                "alive": c.alive,
                "disabled_grade": c.disabled,
                "member": c.member.key if c.member is not None else None,
            }
            for c in w.children
        ],
        "contraception": (
            {"method": w.method, "since": _iso(w.since), "failure": w.failure} if w.has_contraception else None
        ),
        "pregnancies": [
            {"lmp": _iso(g.lmp), "edd": _iso(g.edd), "outcome": g.outcome, "outcome_date": _iso(g.outcome_date)}
            for g in w.pregnancies
        ],
        "only_child_certificate": {"number": w.cert[0], "date": _iso(w.cert[1])} if w.cert else None,
    }


def _member_dict(p: _P) -> dict[str, Any]:
    """The interchange member object, every key of §1 present."""
    moved = p.moved_in
    return {
        "key": p.key,
        "name": p.name,
        "id_type": p.id_type,
        "id_number": p.id_number,
        "sex": p.sex,
        "birth_date": _iso(p.birth),
        "relation": p.relation,
        "ethnicity": p.ethnicity,
        "hukou_nature": p.hukou,
        "rural": p.rural,
        "education": p.education,
        "political_status": p.political,
        "occupation": p.occupation,
        "marital_status": p.marital,
        "first_marriage_date": _iso(p.fm),
        "marriage_change_date": _iso(p.mc),
        "spouse": p.spouse.key if p.spouse is not None else None,
        "mother": p.mother.key if p.mother is not None else None,
        "father": p.father.key if p.father is not None else None,
        "residence_status": p.residence,
        "mgmt": p.mgmt,
        "registered_place_code": p.reg_place,
        "death_date": _iso(p.death),
        "spouse_external": dict(p.spouse_ext) if p.spouse_ext else None,
        "flow": _flow_dict(p.flow),
        "moved_in": (
            {"date": _iso(moved["date"]), "from_code": moved["from_code"], "reason": moved["reason"]} if moved else None
        ),
        "cancel": {"reason": p.cancel[0], "date": _iso(p.cancel[1])} if p.cancel else None,
        "benefits": [{"kind": k, "since": y} for k, y in p.benefits],
        "confirmations": [],
        "woman": _woman_dict(p.woman),
    }


def _household_dict(hh: _HH) -> dict[str, Any]:
    """The interchange household payload."""
    serial = int(hh.code[14:])
    return {
        "household": {
            "code": hh.code,
            "unit": hh.code[:12],
            "group": hh.code[12:14],
            "address": f"{hh.prefix}{serial}号{hh.address_note}",
            "hukou_type": hh.hukou_type,
            "kind": hh.kind,
            "status": hh.status,
            "closed_date": _iso(hh.closed_date),
            "phone": hh.phone,
        },
        "members": [_member_dict(p) for p in hh.members],
    }


# --- ID numbers ---------------------------------------------------------------------------------------


class _Ids:
    """Unique ID numbers: per (region, birth date, sex) order codes, township ranges for this county.

    Local numbers of township t use order codes t*30+1 … t*30+30 (a county-wide overflow 601–900,
    practically never used); other regions 1–900; 901–999 is left to the fault catalogue, so planted IDs
    never collide.
    """

    def __init__(self) -> None:
        self.local: dict[tuple[int, str], int] = {}
        self.overflow: dict[tuple[int, str], int] = {}
        self.other: dict[tuple[str, int, str], int] = {}
        self.township = 0

    def new_township(self, index: int) -> None:
        self.local.clear()
        self.township = index

    def new(self, region: str, birth: date, sex: str) -> str:
        parity = 1 if sex == "1" else 2
        if region == COUNTY:
            key = (birth.toordinal(), sex)
            k = self.local.get(key, 0)
            self.local[key] = k + 1
            if k < 15:
                seq = self.township * 30 + 2 * k + parity
            else:
                j = self.overflow.get(key, 0)
                self.overflow[key] = j + 1
                seq = 600 + 2 * j + parity
        else:
            okey = (region, birth.toordinal(), sex)
            k = self.other.get(okey, 0)
            self.other[okey] = k + 1
            seq = 2 * k + parity
        return make_id(region, birth, seq)


# --- the clean generator ----------------------------------------------------------------------------


@dataclass(slots=True)
class _Village:
    code: str
    name: str
    town: str
    town_index: int
    budget: int
    first: bool


class _Gen:
    """Builds the county household by household (one `random.Random` for the clean data)."""

    def __init__(self, persons: int, seed: int, error_rate: float, as_of: date) -> None:
        self.n = persons
        self.seed = seed
        self.as_of = as_of
        self.rng = random.Random(seed)
        self.ids = _Ids()
        self.surnames = _Choice(SURNAMES)
        self.occupations = _Choice(OCCUPATIONS)
        self.bride_origin = _Choice(BRIDE_ORIGINS)
        self.inflow_origin = _Choice(INFLOW_ORIGINS)
        self.outflow_dest = _Choice(OUTFLOW_DESTS)
        self._counties: dict[str, list[str]] = {}
        self.templates = _Choice(
            (
                ("couple", 42.0),
                ("three_gen", 31.0),
                ("elder_single", 8.0),
                ("single", 6.0),
                ("inflow", 5.0),
                ("closed", 0.6),
            )
        )
        self.couple_age = _Choice(
            [(a, 0.6) for a in range(24, 30)]
            + [(a, 1.7) for a in range(30, 50)]
            + [(a, 2.0) for a in range(50, 66)]
            + [(a, 1.6) for a in range(66, 80)]
            + [(a, 0.7) for a in range(80, 92)]
        )
        self.elder_age = _Choice([(a, 1.5 if a < 75 else 1.0 if a < 85 else 0.4) for a in range(48, 90)])
        self.units, self.villages = self._plan_units()
        self.manifest: dict[str, Any] = {
            "as_of": as_of.isoformat(),
            "seed": seed,
            "error_rate": error_rate,
            "persons": persons,
            "faults": {},
        }
        self.faults = _Faults(self, error_rate)
        self.generated_persons = 0
        self.generated_households = 0

    # --- units -------------------------------------------------------------------------------------

    def _plan_units(self) -> tuple[list[dict[str, Any]], list[_Village]]:
        """County, townships and villages with person budgets."""
        rng, n = self.rng, self.n
        towns = 1 if n <= SMALL_COUNTY else min(MAX_TOWNSHIPS, math.ceil(n / 20_000))
        units: list[dict[str, Any]] = [{"code": COUNTY, "name": COUNTY_NAME, "level": "county", "parent": None}]
        villages: list[_Village] = []
        town_weights = [rng.uniform(0.85, 1.15) for _ in range(towns)]
        for t in range(towns):
            tcode = f"{COUNTY}{101 + t}"
            units.append({"code": tcode, "name": TOWNSHIPS[t], "level": "township", "parent": COUNTY})
            tbudget = n * town_weights[t] / sum(town_weights)
            count = min(8, max(3, round(n / 2500))) if towns == 1 else min(14, max(3, round(tbudget / 1800)))
            weights = [rng.uniform(0.6, 1.4) for _ in range(count)]
            names = rng.sample(VILLAGES, count)
            for v in range(count):
                vcode = f"{tcode}{201 + v}"
                units.append({"code": vcode, "name": f"{names[v]}村", "level": "village", "parent": tcode})
                budget = round(tbudget * weights[v] / sum(weights))
                villages.append(_Village(vcode, f"{names[v]}村", TOWNSHIPS[t], t, budget, v == 0))
        return units, villages

    def county_of(self, prefix: str, rng: random.Random | None = None) -> str:
        """A random county-level code of a province (never this county)."""
        codes = self._counties.get(prefix)
        if codes is None:
            codes = [c for c in county_codes_of_province(prefix) if c != COUNTY and is_known_region(c)]
            self._counties[prefix] = codes
        return codes[int((rng or self.rng).random() * len(codes))]

    # --- random helpers ----------------------------------------------------------------------------

    def rdate(self, lo: date, hi: date) -> date:
        """Uniform date in [lo, hi] (lo when hi < lo)."""
        span = (hi - lo).days
        return lo if span <= 0 else lo + _days(int(self.rng.random() * (span + 1)))

    def birth_for_age(self, age: int) -> date:
        """A birth date giving exactly `age` completed years at as_of."""
        hi = add_years(self.as_of, -age)
        lo = add_years(self.as_of, -age - 1) + _days(1)
        return self.rdate(lo, hi)

    def given_name(self, sex: str, year: int, avoid: str = "") -> str:
        pool = GIVEN[(sex, _era(year))]
        name = pool[int(self.rng.random() * len(pool))]
        if name == avoid:
            name = pool[(pool.index(name) + 1) % len(pool)]
        return name

    def phone(self) -> str | None:
        if self.rng.random() < 0.35:
            return None
        head = ("139", "138", "137", "136", "135", "150", "151", "152", "158", "180", "186", "189", "191")
        return head[int(self.rng.random() * len(head))] + f"{int(self.rng.random() * 1e8):08d}"

    # --- persons -----------------------------------------------------------------------------------

    def person(self, sex: str, birth: date, surname: str, region: str = COUNTY, hukou: str = "2") -> _P:
        """A new person with name, ID and social items drawn for their age."""
        rng = self.rng
        p = _P(surname + self.given_name(sex, birth.year), sex, birth, surname, region)
        age = age_at(birth, self.as_of)
        if not (age == 0 and rng.random() < 0.2):
            p.id_number = self.ids.new(region, birth, sex)
        p.hukou = hukou
        p.rural = hukou != "1"
        if rng.random() < 0.02:
            p.ethnicity = ("06", "13", "15", "12")[int(rng.random() * 4)]
        self._social(p, age)
        return p

    def _social(self, p: _P, age: int) -> None:
        """Education, political status and occupation for the age and cohort."""
        rng, year = self.rng, p.birth.year
        r = rng.random()
        if age < 6:
            p.education = None
        elif age < 12:
            p.education = "80"
        elif age < 15:
            p.education = "70"
        elif year < 1950:
            p.education = "90" if r < 0.4 else "80" if r < 0.9 else "70"
        elif year < 1965:
            p.education = "80" if r < 0.45 else "70" if r < 0.85 else "60" if r < 0.97 else "90"
        elif year < 1980:
            p.education = "70" if r < 0.55 else "80" if r < 0.75 else "60" if r < 0.9 else "40" if r < 0.97 else "30"
        elif year < 1995:
            p.education = "70" if r < 0.45 else "60" if r < 0.65 else "40" if r < 0.8 else "30" if r < 0.92 else "20"
        else:
            p.education = "70" if r < 0.2 else "60" if r < 0.45 else "40" if r < 0.65 else "30" if r < 0.85 else "20"
        r = rng.random()
        if age < 14:
            p.political = None
        elif age <= 28:
            p.political = "03" if r < 0.4 else "01" if r < 0.44 else "13"
        else:
            p.political = "01" if r < 0.08 else "02" if r < 0.085 else "13"
        p.occupation = self.occupations.pick(rng) if 18 <= age <= 64 and rng.random() < 0.7 else None

    def surname(self) -> str:
        return self.surnames.pick(self.rng)

    def origin_region(self, choice: _Choice) -> str:
        prefix = choice.pick(self.rng)
        return COUNTY if prefix == "local" else self.county_of(prefix)

    # --- marriages and births ----------------------------------------------------------------------

    def marriage_date(self, husband: date, wife: date) -> date | None:
        """A first-marriage date at legal ages (women ≥ 20, men ≥ 22), early-skewed; None if too young."""
        lower = max(add_years(wife, 20), add_years(husband, 22))
        latest = self.as_of - _days(1)
        if lower > latest:
            return None
        year = wife.year
        span = 3 * 365 if year < 1970 else 5 * 365 if year < 1990 else 8 * 365
        m = lower + _days(int(self.rng.random() ** 1.6 * span))
        return m if m <= latest else self.rdate(lower, latest)

    def wed(self, h: _P, w: _P, m: date) -> None:
        h.marital = w.marital = "21"
        h.fm = w.fm = m
        h.spouse, w.spouse, h.partner, w.partner = w, h, w, h

    def spouse_for(self, p: _P, *, region: str | None = None, moved: bool = True) -> _P | None:
        """A spouse (wife for a man, in-marrying husband for a woman) with a first marriage; None if
        no legal date fits. The wife gets her childbirth history."""
        rng = self.rng
        region = region or self.origin_region(self.bride_origin)
        gap = _days(int(rng.triangular(-2 * 365, 6 * 365, 2 * 365)))
        youngest = _days(int(rng.random() * 900))
        if p.sex == "1":
            hb, wb = p.birth, min(p.birth + gap, add_years(self.as_of, -21) - youngest)
        else:
            hb, wb = min(p.birth - gap, add_years(self.as_of, -23) - youngest), p.birth
        m = self.marriage_date(hb, wb)
        if m is None:
            return None
        other_sex = "2" if p.sex == "1" else "1"
        s = self.person(other_sex, wb if p.sex == "1" else hb, self.surname(), region, p.hukou)
        s.ethnicity = p.ethnicity if rng.random() < 0.9 else s.ethnicity
        if moved:
            s.moved_in = {
                "date": self.rdate(m, min(self.as_of, m + _days(120))),
                "from_code": region,
                "reason": "婚姻迁入",
            }
        h, w = (p, s) if p.sex == "1" else (s, p)
        self.wed(h, w, m)
        self._remarriage(h, w)
        self.history(w, h.surname if p.sex == "1" or rng.random() < 0.5 else w.surname)
        return s

    def _remarriage(self, h: _P, w: _P) -> None:
        """A few couples are remarried (22) or reunited (23): dates stay consistent with MAR/REQ rules."""
        rng, m = self.rng, h.fm
        r = rng.random()
        if r < 0.05:
            first = add_years(h.birth, 22) + _days(int(rng.random() * 1500))
            if first < m - _days(3 * 365):
                h.marital, h.fm, h.mc = "22", first, m
        elif r < 0.07:
            first = add_years(w.birth, 20) + _days(int(rng.random() * 700))
            if first < m - _days(2 * 365):
                w.marital, w.fm, w.mc = "22", first, m
        elif r < 0.085:
            later = m + _days(3 * 365 + int(rng.random() * 4000))
            if later < self.as_of:
                h.marital = w.marital = "23"
                h.mc = w.mc = later

    def history(self, w: _P, surname: str) -> None:
        """Her childbirth history (生养史) from her first marriage, consistent with the policy eras."""
        rng = self.rng
        woman = w.woman = w.woman or _Woman()
        start = w.mc if w.marital == "22" and w.mc else w.fm
        stop = min(self.as_of, add_years(w.birth, 42))
        if rng.random() < 0.03:  # no births; half of these couples adopt
            born = start + _days(2 * 365 + int(rng.random() * 1500))
            if rng.random() < 0.5 and born <= stop:
                sex = "1" if rng.random() < 0.55 else "2"
                woman.children.append(_Child(1, surname + self.given_name(sex, born.year), sex, born, "1", blood="2"))
            return
        d = start + _days(280 + int(rng.random() ** 1.5 * 900))
        order, daughters_only = 0, True
        while d <= stop:
            n = 2 if rng.random() < 0.012 else 1
            exception = daughters_only if rng.random() < 0.9 else rng.random() < 0.3
            policy = policy_for(order + 1, d, exception)
            prev = ""
            for _ in range(n):
                sex = "1" if rng.random() < 0.53 else "2"
                given = self.given_name(sex, d.year, prev)
                prev = given
                alive = rng.random() >= (0.06 if d.year < 1980 else 0.02 if d.year < 2000 else 0.005)
                child = _Child(order + 1, surname + given, sex, d, policy, alive=alive)
                if alive and rng.random() < 0.004:
                    child.disabled = str(1 + int(rng.random() * 4))
                woman.children.append(child)
                order += 1
                daughters_only = daughters_only and sex == "2"
            nxt = d + _days(700 + int(rng.random() ** 1.3 * 2600))
            if rng.random() >= self._p_next(order, nxt, daughters_only):
                break
            d = nxt

    @staticmethod
    def _p_next(order: int, d: date, daughters_only: bool) -> float:
        """Probability of another birth after `order` births, by the era of the next birth."""
        if d.year < 1980:
            return (0.92, 0.8, 0.55, 0.3)[order - 1] if order <= 4 else 0.0
        if d < POLICY_TWO:
            return (0.8 if daughters_only else 0.35) if order == 1 else 0.1 if order == 2 else 0.0
        if d < POLICY_THREE:
            return 0.5 if order == 1 else (0.15 if daughters_only else 0.05) if order == 2 else 0.0
        return 0.42 if order == 1 else 0.12 if order == 2 else 0.03 if order == 3 else 0.0

    def kid(self, entry: _Child, mother: _P, father: _P | None, region: str = COUNTY) -> _P:
        """The person record of a history entry that lives in the household."""
        surname = father.surname if father is not None and entry.name.startswith(father.surname) else mother.surname
        p = self.person(entry.sex, entry.birth, surname, region, mother.hukou)
        p.name = entry.name
        p.mother, p.father = mother, father
        p.adopted = entry.blood != "1"
        p.ethnicity = (father or mother).ethnicity
        entry.member = p
        return p

    def home_children(self, w: _P, h: _P | None, skip: _Child | None = None) -> list[_P]:
        """Her living children who live at home: minors, unmarried adults, recently married-out daughters."""
        out: list[_P] = []
        if w.woman is None:
            return out
        rng, as_of = self.rng, self.as_of
        for c in w.woman.children:
            if not c.alive or c is skip:
                continue
            age = age_at(c.birth, as_of)
            if age < 18:
                out.append(self.kid(c, w, h))
            elif c.sex == "1":
                if rng.random() >= min(0.95, max(0.0, (age - 23) * 0.14)):
                    out.append(self.kid(c, w, h))
            else:
                married = rng.random() < min(0.97, max(0.0, (age - 21) * 0.2))
                if not married:
                    out.append(self.kid(c, w, h))
                    continue
                lo, hi = add_years(c.birth, 21), min(as_of - _days(10), add_years(c.birth, 28))
                m = self.rdate(lo, hi)
                if m >= as_of - _days(730) and rng.random() < 0.8:
                    out.append(self._married_out(self.kid(c, w, h), m))
        return out

    def _married_out(self, d: _P, m: date) -> _P:
        """A daughter who married and moved her registration away (cancelled 02 / 03)."""
        rng = self.rng
        region = self.origin_region(self.bride_origin)
        husband_birth = add_years(d.birth, -2)
        d.marital, d.fm = "21", m
        d.spouse_ext = {
            "name": self.surname() + self.given_name("1", husband_birth.year),
            "id_number": make_id(region, husband_birth, 951 + 2 * int(rng.random() * 20)),
            "registered_place_code": region,
        }
        reason = "03" if region[:2] != "43" else "02"
        d.cancel = (reason, self.rdate(m + _days(10), min(self.as_of, m + _days(120))))
        return d

    # --- household templates -----------------------------------------------------------------------

    def t_couple(self) -> tuple[list[_P], _P]:
        """A couple with the children who live at home (nuclear or elderly couple)."""
        h = self.person("1", self.birth_for_age(self.couple_age.pick(self.rng)), self.surname())
        w = self.spouse_for(h)
        if w is None:
            return [h], h
        head = w if self.rng.random() < 0.08 else h
        return [h, w, *self.home_children(w, h)], head

    def t_three_gen(self) -> tuple[list[_P], _P]:
        """Parents, a married child with spouse and grandchildren, and unmarried children."""
        rng, as_of = self.rng, self.as_of
        h = self.person("1", self.birth_for_age(self.elder_age.pick(rng)), self.surname())
        w = self.spouse_for(h)
        if w is None:
            return [h], h
        living = [c for c in w.woman.children if c.alive]
        sons = [c for c in living if c.sex == "1" and age_at(c.birth, as_of) >= 23]
        daughters = [c for c in living if c.sex == "2" and age_at(c.birth, as_of) >= 22]
        entry = None
        if sons:
            entry = sons[int(rng.random() * len(sons))]
        elif daughters and rng.random() < 0.5:
            entry = daughters[int(rng.random() * len(daughters))]
        members = [h, w]
        heir = None
        if entry is not None:
            heir = self.kid(entry, w, h)
            members.append(heir)
            spouse = self.spouse_for(heir)
            if spouse is not None:
                members.append(spouse)
                wife, husband = (spouse, heir) if heir.sex == "1" else (heir, spouse)
                members += self.home_children(wife, husband)
        members += self.home_children(w, h, skip=entry)
        old = age_at(h.birth, as_of) >= 70
        head = heir if old and heir is not None and heir.spouse is not None else h
        return members, head

    def widowed(self, age: int, *, with_kids: bool) -> list[_P]:
        """A widowed elder (spouse died more than two years ago, no record), maybe with children at home."""
        rng, as_of = self.rng, self.as_of
        h = self.person("1", self.birth_for_age(age), self.surname())
        w = self.spouse_for(h)
        if w is None:
            return [h]
        survivor, gone = (w, h) if rng.random() < 0.72 else (h, w)
        dels = _deliveries(w)
        lo = max(add_years(gone.birth, 40), (dels[-1] if dels else w.fm) + _days(365))
        hi = as_of - _days(731)
        if lo > hi:
            return [h, w, *(self.home_children(w, h) if with_kids else [])]
        death = self.rdate(lo, hi)
        survivor.marital, survivor.mc, survivor.spouse = "30", death, None
        kids = self.home_children(w, h) if with_kids else []
        for k in kids:
            if survivor is w:
                k.father = None
            else:
                k.mother = None
        return [survivor, *kids]

    def t_elder_single(self) -> tuple[list[_P], _P]:
        """A widowed or never-married elder."""
        rng = self.rng
        age = 64 + int(rng.random() ** 1.3 * 32)
        if rng.random() < 0.1:
            p = self.person("1", self.birth_for_age(age), self.surname())
            return [p], p
        members = self.widowed(age, with_kids=True)
        return members, members[0]

    def t_single(self) -> tuple[list[_P], _P]:
        """A never-married man, a divorced man, or a divorced/widowed mother with her children."""
        rng, as_of = self.rng, self.as_of
        r = rng.random()
        if r < 0.75:
            p = self.person("1", self.birth_for_age(26 + int(rng.random() * 38)), self.surname())
            if r >= 0.5 and age_at(p.birth, as_of) >= 28:
                fm = self.rdate(add_years(p.birth, 22), min(add_years(p.birth, 30), as_of - _days(800)))
                p.marital, p.fm, p.mc = "40", fm, self.rdate(fm + _days(365), as_of - _days(1))
            return [p], p
        h = self.person("1", self.birth_for_age(30 + int(rng.random() * 26)), self.surname())
        w = self.spouse_for(h)
        if w is None:
            return [h], h
        dels = _deliveries(w)
        start = w.mc if w.mc else w.fm
        lo = max(start + _days(365), (dels[-1] + _days(30)) if dels else start)
        if lo > as_of - _days(1):
            return [h, w, *self.home_children(w, h)], h
        w.marital = "40" if rng.random() < 0.7 else "30"
        w.mc, w.spouse = self.rdate(lo, as_of - _days(1)), None
        kids = self.home_children(w, h)
        for k in kids:
            k.father = None
        return [w, *kids], w

    def t_inflow(self) -> tuple[list[_P], _P]:
        """A family or a single worker registered in another county (流入人口)."""
        rng, as_of = self.rng, self.as_of
        origin = self.county_of(self.inflow_origin.pick(rng))
        r = rng.random()
        if r < 0.01:
            arrival = as_of - _days(5 + int(rng.random() * 80))
        elif r < 0.33:
            arrival = self.rdate(as_of - _days(730), as_of - _days(92))
        else:
            arrival = self.rdate(as_of - _days(10 * 365), as_of - _days(731))
        h = None
        members: list[_P] = []
        if rng.random() < 0.7:
            h = self.person("1", self.birth_for_age(22 + int(rng.random() * 27)), self.surname(), origin)
            h.mgmt = "02"
            w = self.spouse_for(h, region=origin, moved=False)
            if w is not None:
                w.mgmt = "02"
                members = [h, w]
                for c in w.woman.children:
                    if c.alive and age_at(c.birth, as_of) < 16:
                        members.append(self.kid(c, w, h, origin))
        if not members:
            sex = "1" if rng.random() < 0.6 else "2"
            members = [self.person(sex, self.birth_for_age(18 + int(rng.random() * 18)), self.surname(), origin)]
        place = region_name(origin)
        for i, p in enumerate(members):
            p.mgmt, p.residence, p.reg_place = "02", "2", origin
            reason = "务工经商" if i == 0 else "随同流动"
            p.flow = {
                "type": "inflow",
                "since": max(arrival, p.birth),
                "place_code": origin,
                "place": place,
                "reason": reason,
            }
        return members, members[0]

    def t_closed(self) -> tuple[list[_P], _P]:
        """A one-person household closed after its member died or moved away."""
        rng, as_of = self.rng, self.as_of
        members = self.widowed(70 + int(rng.random() * 25), with_kids=False)
        p = members[0]
        if len(members) > 1 or p.spouse is not None:
            p = self.person("1", self.birth_for_age(70 + int(rng.random() * 20)), self.surname())
        last = max(d for d in (p.fm, p.mc, p.birth + _days(1)) if d is not None)
        when = self.rdate(max(last + _days(1), as_of - _days(1000)), as_of - _days(1))
        if rng.random() < 0.75:
            p.death = when
            p.cancel = ("01", min(as_of, when + _days(int(rng.random() * 20))))
        else:
            p.cancel = ("02", when)
        return [p], p

    def collective(self) -> list[_P]:
        """Residents of the township old people's home (敬老院): a collective household."""
        rng = self.rng
        out = []
        for _ in range(5 + int(rng.random() * 8)):
            p = self.person("1", self.birth_for_age(62 + int(rng.random() * 30)), self.surname())
            if rng.random() < 0.2:
                p.marital, p.fm = "30", add_years(p.birth, 23) + _days(int(rng.random() * 1500))
                p.mc = self.rdate(p.fm + _days(3650), self.as_of - _days(400))
            p.relation = "99"
            out.append(p)
        return out

    # --- life events -------------------------------------------------------------------------------

    @staticmethod
    def last_event(p: _P) -> date:
        """The latest dated fact of a person (before woman records are finished)."""
        dates = [p.birth, p.fm, p.mc]
        if p.moved_in:
            dates.append(p.moved_in["date"])
        if p.flow:
            dates.append(p.flow["since"])
        if p.woman:
            dates += [c.birth for c in p.woman.children]
        return max(d for d in dates if d is not None)

    def kill(self, p: _P, death: date) -> None:
        """Record a death (cancel 01); the spouse becomes widowed."""
        p.death = death
        p.cancel = ("01", min(self.as_of, death + _days(int(self.rng.random() * 20))))
        s = p.spouse
        if s is not None:
            s.marital, s.mc, s.spouse = "30", death, None
            p.spouse = None
        if p.mother is not None and p.mother.woman is not None:
            for c in p.mother.woman.children:
                if c.member is p:
                    c.alive = False

    def deaths(self, members: list[_P]) -> None:
        """Deaths in the 24 months before as_of, at rural Hunan mortality."""
        rng, as_of = self.rng, self.as_of
        for p in members:
            if not p.active:
                continue
            age = age_at(p.birth, as_of)
            if age < 45 or rng.random() >= 2 * mortality(age):
                continue
            death = as_of - _days(1 + int(rng.random() * 729))
            if death > self.last_event(p):
                self.kill(p, death)

    def new_head(self, members: list[_P], head: _P) -> _P | None:
        """The householder after deaths: the widowed spouse, else the oldest adult (men first)."""
        if head.active:
            return head
        if head.partner is not None and head.partner in members and head.partner.active:
            return head.partner
        adults = [p for p in members if p.active and age_at(p.birth, self.as_of) >= 18]
        if not adults:
            adults = [p for p in members if p.active]
        if not adults:
            return None
        return min(adults, key=lambda p: (p.sex != "1", p.birth))

    def go_out(self, p: _P) -> None:
        """Make a registered person an outflow person (流出, away ≥ 3 months mostly)."""
        rng, as_of = self.rng, self.as_of
        lo = add_years(p.birth, 16)
        if p.moved_in:
            lo = max(lo, p.moved_in["date"] + _days(1))
        r = rng.random()
        if r < 0.01:
            since = as_of - _days(5 + int(rng.random() * 80))
        elif r < 0.3:
            since = self.rdate(as_of - _days(730), as_of - _days(92))
        else:
            since = self.rdate(as_of - _days(12 * 365), as_of - _days(731))
        if since < lo:
            if lo > as_of - _days(92):
                return
            since = self.rdate(lo, as_of - _days(92))
        dest = self.county_of(self.outflow_dest.pick(rng))
        reason = FLOW_REASONS[int(rng.random() * len(FLOW_REASONS))]
        p.mgmt, p.residence = "03", "3"
        p.flow = {"type": "outflow", "since": since, "place_code": dest, "place": region_name(dest), "reason": reason}

    def outflows(self, members: list[_P]) -> None:
        """Working-age registered persons away for work; some children go with both parents."""
        rng, as_of = self.rng, self.as_of
        for p in sorted(members, key=lambda q: q.sex != "1"):
            if not p.active or p.mgmt != "01":
                continue
            age = age_at(p.birth, as_of)
            if not 18 <= age <= 52:
                continue
            chance = (0.33 if age <= 45 else 0.15) if p.sex == "1" else (0.22 if age <= 40 else 0.08)
            if p.spouse is not None and p.spouse.mgmt == "03":
                chance = 0.6
            if rng.random() < chance:
                self.go_out(p)
        for p in members:
            m, f = p.mother, p.father
            if not (p.active and p.mgmt == "01" and m is not None and f is not None):
                continue
            if m.mgmt == "03" and f.mgmt == "03" and age_at(p.birth, as_of) < 16 and rng.random() < 0.45:
                flow = dict(m.flow)
                flow["since"], flow["reason"] = max(flow["since"], p.birth), "随同流动"
                if flow["since"] <= as_of - _days(92):
                    p.mgmt, p.residence, p.flow = "03", "3", flow

    # --- woman records -----------------------------------------------------------------------------

    METHODS = (
        _Choice((("00", 35), ("07", 35), ("05", 15), ("06", 5), ("09", 5), ("08", 5))),
        _Choice(
            (
                ("03", 55),
                ("04", 8),
                ("07", 15),
                ("05", 6),
                ("06", 3),
                ("02", 4),
                ("01", 2),
                ("08", 2),
                ("09", 2),
                ("00", 3),
            )
        ),
        _Choice((("02", 35), ("03", 40), ("01", 6), ("04", 6), ("07", 6), ("05", 3), ("09", 2), ("00", 2))),
    )
    OUTCOMES = _Choice((("4", 45), ("5", 25), ("3", 20), ("6", 5), ("2", 2), ("7", 2), ("9", 1)))

    def finish_woman(self, w: _P) -> None:
        """Pregnancies, contraception and certificate of a woman record, consistent with her history."""
        rng, as_of = self.rng, self.as_of
        woman = w.woman
        dels = _deliveries(w)
        last = dels[-1] if dels else None
        recent = add_years(as_of, -6)
        for d in dels:
            if d >= recent:
                lmp = d - _days(266 + int(rng.random() * 22))
                woman.pregnancies.append(_Preg(lmp, lmp + _days(280), "1", d))
        kids = woman.children
        one = len(kids) == 1 and kids[0].blood == "1" and kids[0].alive and 1980 <= kids[0].birth.year <= 2015
        if one and rng.random() < 0.65:
            b = kids[0].birth
            number = f"湘独{b.year}{int(rng.random() * 9000) + 1000}"
            woman.cert = (number, self.rdate(b + _days(60), min(as_of, b + _days(700))))
        if not w.active:
            return
        age = age_at(w.birth, as_of)
        if not w.married or age > 49:
            if age > 49 and len(dels) >= 2 and w.marital != "10" and rng.random() < 0.5:
                woman.has_contraception = True
                woman.method = "02" if rng.random() < 0.9 else "01"
                woman.since = self.rdate(last + _days(42), min(as_of, last + _days(400)))
            return
        self._wcba_status(w, dels, age)

    def _wcba_status(self, w: _P, dels: list[date], age: int) -> None:
        """Current pregnancy or contraception of a married woman aged 15–49."""
        rng, as_of, woman = self.rng, self.as_of, w.woman
        last = dels[-1] if dels else None
        start = w.mc if w.marital == "22" and w.mc else w.fm
        woman.has_contraception = True
        p_open = (0.07 if len(dels) <= 1 else 0.025) if age <= 40 else 0.0
        if rng.random() < p_open and (last is None or last <= as_of - _days(400)):
            lo = max(as_of - _days(265), start + _days(30), (last + _days(300)) if last else start)
            if lo <= as_of - _days(14):
                lmp = self.rdate(lo, as_of - _days(14))
                woman.pregnancies.append(_Preg(lmp, lmp + _days(280)))
                woman.method = "00"
                return
        base = last or start
        if last is not None and age <= 44 and rng.random() < 0.05:
            outcome = self.OUTCOMES.pick(rng)
            weeks = _days((100 + int(rng.random() * 60)) if outcome == "6" else (35 + int(rng.random() * 40)))
            if last + _days(200) <= as_of - weeks:
                lmp = self.rdate(last + _days(200), as_of - weeks)
                woman.pregnancies.append(_Preg(lmp, lmp + _days(280), outcome, lmp + weeks))
                base = lmp + weeks
        if base + _days(42) > as_of:
            woman.method = "00"
            return
        n = len(dels)
        method = self.METHODS[min(n, 2)].pick(rng)
        woman.method = method
        if method == "00":
            return
        if method in ("01", "02"):
            woman.since = self.rdate(base + _days(42), min(as_of, base + _days(400)))
        elif rng.random() < 0.2:
            woman.since = self.rdate(max(base + _days(30), as_of - _days(730)), as_of)
        else:
            woman.since = self.rdate(base + _days(30), min(as_of, base + _days(500)))

    def benefits(self, members: list[_P]) -> None:
        """奖励扶助 for eligible rural elders, 特别扶助 for couples whose only child died or is disabled."""
        as_of = self.as_of
        for p in members:
            if not p.active or not p.rural or p.birth < date(1933, 1, 1):
                continue
            wife = p if p.sex == "2" else p.spouse
            if wife is None or wife.woman is None or not wife.active or not wife.rural:
                continue
            kids = wife.woman.children
            if not kids or any(c.blood != "1" for c in kids):
                continue
            living = [c for c in kids if c.alive]
            special = not living or living[0].disabled in ("1", "2", "3")
            reward = len(living) == 1 or not living or (len(living) == 2 and all(c.sex == "2" for c in living))
            # about half of the families with a qualifying history get 奖扶 (the rest had an out-of-policy
            # birth 1973–2001 or did not apply); decided per wife so that both spouses agree
            reward = reward and (zlib.crc32(wife.name.encode()) + wife.birth.toordinal()) % 2 == 0
            if len(kids) == 1 and as_of.year - wife.birth.year >= 49 and special:
                p.benefits.append(("special", max(2008, wife.birth.year + 49)))
            elif as_of.year - p.birth.year >= 60 and reward:
                p.benefits.append(("reward", max(2004, p.birth.year + 60)))

    # --- households ----------------------------------------------------------------------------------

    def household(self, code: str, prefix: str) -> _HH:
        """One clean household (all members, relations, events, woman records, benefits)."""
        rng = self.rng
        kind = self.templates.pick(rng)
        members, head = getattr(self, "t_" + kind)()
        hh = _HH(code, prefix, phone=self.phone())
        if kind == "inflow":
            hh.address_note = "（租住）"
        else:
            r = rng.random()
            hh.hukou_type = "2" if r < 0.9 else "1" if r < 0.95 else "3"
            for p in members:
                p.hukou, p.rural = hh.hukou_type, hh.hukou_type != "1"
        assign_relations(members, head)
        if kind == "closed":
            hh.status, hh.closed_date = "closed", head.cancel[1]
        else:
            self.deaths(members)
            new = self.new_head(members, head)
            if new is None:
                hh.status, hh.closed_date = "closed", max(p.cancel[1] for p in members)
            elif new is not head:
                assign_relations([p for p in members if p.active], new)
            if kind != "inflow":
                self.outflows(members)
        for p in members:
            if p.woman is not None and p.sex == "2":
                self.finish_woman(p)
        self.benefits(members)
        hh.members = members
        village = code[:12]
        for i, p in enumerate(members, start=1):
            p.key = f"{code}-{i}"
            if p.reg_place is None:
                p.reg_place = village
        return hh

    def collective_household(self, code: str, prefix: str) -> _HH:
        hh = _HH(code, prefix, kind="collective", address_note="（乡敬老院）")
        hh.members = self.collective()
        for i, p in enumerate(hh.members, start=1):
            p.key, p.reg_place = f"{code}-{i}", code[:12]
        return hh

    def village_households(self, v: _Village) -> Iterator[dict[str, Any]]:
        """The households of one village, groups of 25–50 households, faults planted on the way."""
        rng = self.rng
        prefix_of = lambda g: f"{v.town}{v.name}{_group_name(g)}组"  # noqa: E731
        group, serial, size = 1, 0, 25 + int(rng.random() * 26)
        persons = 0
        self.faults.start_village(v)
        if v.first and self.n >= 2000:
            serial = 1
            hh = self.collective_household(f"{v.code}{group:02d}{serial:04d}", prefix_of(group))
            persons += len(hh.members)
            yield from self._emit(hh)
        while persons < v.budget:
            serial += 1
            if serial > size:
                group, serial, size = group + 1, 1, 25 + int(rng.random() * 26)
            hh = self.household(f"{v.code}{group:02d}{serial:04d}", prefix_of(group))
            persons += len(hh.members)
            yield from self._emit(hh)

    def _emit(self, hh: _HH) -> Iterator[dict[str, Any]]:
        extra = self.faults.plant(hh)
        for h in (hh, *extra):
            self.generated_households += 1
            self.generated_persons += len(h.members)
            yield _household_dict(h)

    def households(self) -> Iterator[dict[str, Any]]:
        """Every household of the county, township by township."""
        town = -1
        for v in self.villages:
            if v.town_index != town:
                town = v.town_index
                self.ids.new_township(town)
            yield from self.village_households(v)
        self.faults.finish()
        self.manifest["generated"] = {"households": self.generated_households, "persons": self.generated_persons}


# --- relation codes -----------------------------------------------------------------------------------


def _is_child_of(x: _P | None, a: _P, b: _P | None) -> bool:
    """Whether x is a child of a (or of a's spouse b)."""
    if x is None:
        return False
    m, f = x.mother, x.father
    return (m is not None and (m is a or m is b)) or (f is not None and (f is a or f is b))


def _child_code(p: _P) -> str:
    """子/女 codes: 独生, 长/次/三…, 养; rank from the mother's history."""
    male = p.sex == "1"
    if p.adopted:
        return "27" if male else "37"
    m = p.mother
    if m is None or m.woman is None:
        return "20" if male else "30"
    kids = m.woman.children
    if len(kids) == 1:
        return "21" if male else "31"
    mine = next((c for c in kids if c.member is p), None)
    if mine is None:
        return "20" if male else "30"
    rank = 1 + sum(1 for c in kids if c.sex == p.sex and c.blood == "1" and c.order < mine.order)
    if rank > 5:
        return "29" if male else "39"
    return str((21 if male else 31) + rank)


def _relation(p: _P, head: _P) -> str:
    """GB/T 4761 code of p relative to the householder, derived from the person links."""
    hp = head.partner
    male = p.sex == "1"
    if p is head:
        return "02"
    if hp is not None and p is hp:
        return "11" if male else "12"
    if p is head.mother:
        return "52"
    if p is head.father:
        return "51"
    if _is_child_of(p, head, hp):
        return _child_code(p)
    if p.partner is not None and _is_child_of(p.partner, head, hp):
        return "28" if male else "38"
    for parent in (p.father, p.mother):
        if _is_child_of(parent, head, hp):
            return ("41" if male else "42") if parent.sex == "1" else ("43" if male else "44")
    siblings = (head.mother is not None and p.mother is head.mother) or (
        head.father is not None and p.father is head.father
    )
    if siblings:
        older = p.birth < head.birth
        return ("71" if older else "73") if male else ("75" if older else "77")
    if hp is not None and p in (hp.mother, hp.father):
        if head.sex == "1":
            return "55" if male else "56"
        return "53" if male else "54"
    return "97"


def assign_relations(members: Sequence[_P], head: _P) -> None:
    """Relation codes of all `members` relative to `head` (collective residents keep theirs)."""
    for p in members:
        p.relation = _relation(p, head)


# --- planted faults -----------------------------------------------------------------------------------

Target = tuple[str, "str | None"]
Planted = tuple[list[Target], list[_HH]]
Mutation = Callable[["_Faults", _HH], "Planted | None"]


class _Faults:
    """Plans and plants faults: a quota per village, codes taken in turn from the catalogue.

    Uses its own random stream, so the clean data of a seed is the same whatever the error rate; IDs of
    mutated records use order codes 901–999 and extra households serials 9001+, never used by clean data.
    """

    def __init__(self, gen: _Gen, error_rate: float) -> None:
        self.gen = gen
        self.as_of = gen.as_of
        self.rng = random.Random(gen.seed * 1_000_003 + 99_991)
        n = gen.n
        total = round(error_rate * n) if error_rate > 0 else 0
        if total and n >= 2000:
            total = max(total, len(RULE_CODES))
        self.total = min(total, max(int(0.4 * n / 3), len(RULE_CODES) if total else 0))
        self.quota = self._quotas([v.budget for v in gen.villages])
        self.cursor = 0
        self.pending: list[str] = []
        self.debt = 0.0
        self.rate = 0.0
        self.village_index = 0
        self.planted = 0
        self._extra: dict[str, int] = {}
        self._seq: dict[str, int] = {}

    def _quotas(self, budgets: list[int]) -> list[int]:
        """Faults per village, proportional to its persons (largest remainder)."""
        total_budget = sum(budgets) or 1
        raw = [self.total * b / total_budget for b in budgets]
        out = [int(x) for x in raw]
        for i in sorted(range(len(raw)), key=lambda i: raw[i] - out[i], reverse=True)[: self.total - sum(out)]:
            out[i] += 1
        return out

    def start_village(self, v: _Village) -> None:
        q = self.quota[self.village_index]
        self.village_index += 1
        for _ in range(q):
            self.pending.append(PLANT_ORDER[self.cursor % len(PLANT_ORDER)])
            self.cursor += 1
        self.rate = q / max(1.0, 0.75 * v.budget / 3.0)

    def plant(self, hh: _HH) -> list[_HH]:
        """Try the pending codes on this household; at most one fault per household."""
        if not self.pending or hh.kind != "family":
            return []
        self.debt += self.rate
        if self.debt < 1:
            return []
        for code in self.pending[:24]:
            done = MUTATIONS[code](self, hh)
            if done is None:
                continue
            targets, extra = done
            faults = self.gen.manifest["faults"].setdefault(code, [])
            faults.extend({"household_code": c, "person_key": k} for c, k in targets)
            self.pending.remove(code)
            self.debt -= 1
            self.planted += 1
            return extra
        return []

    def finish(self) -> None:
        self.gen.manifest["planted"] = self.planted
        self.gen.manifest["unplanted"] = sorted(self.pending)

    # --- helpers for the mutation functions ---------------------------------------------------------

    def age(self, p: _P) -> int:
        return age_at(p.birth, self.as_of)

    def pick(self, items: Sequence[Any]) -> Any:
        return items[int(self.rng.random() * len(items))] if items else None

    def rdate(self, lo: date, hi: date) -> date:
        """Uniform date in [lo, hi] from the fault stream."""
        span = (hi - lo).days
        return lo if span <= 0 else lo + _days(int(self.rng.random() * (span + 1)))

    def days(self, lo: int, hi: int) -> timedelta:
        return _days(lo + int(self.rng.random() * (hi - lo + 1)))

    def mut_number(self, first14: str, sex: str | None) -> str:
        """An ID number with these address and date digits, a fresh order code 901–999 (never used by
        clean records) and a correct check character."""
        k = self._seq.get(first14, 0)
        self._seq[first14] = k + 1
        first17 = f"{first14}{901 + 2 * (k % 49) + (0 if sex == '1' else 1)}"
        return first17 + check_char(first17)

    def mut_id(self, region: str, birth: date, sex: str | None) -> str:
        """A valid ID for this region, birth date and sex, unused by any other record."""
        return self.mut_number(f"{region}{birth:%Y%m%d}", sex)

    def new_code(self, hh: _HH) -> str:
        """An unused household code in the same group (serial 9001+)."""
        group = hh.code[:14]
        k = self._extra.get(group, 0) + 1
        self._extra[group] = k
        return f"{group}{9000 + k:04d}"

    def person(self, sex: str, birth: date) -> _P:
        """A plain registered person for an extra household (fault stream only)."""
        surname = self.gen.surnames.pick(self.rng)
        pool = GIVEN[(sex, _era(birth.year))]
        p = _P(surname + self.pick(pool), sex, birth, surname, COUNTY)
        p.id_number = self.mut_id(COUNTY, birth, sex)
        p.education, p.political = "70", "13"
        return p


def _t(hh: _HH, *people: _P) -> list[Target]:
    return [(hh.code, p.key) for p in people]


def _act(hh: _HH, cond: Callable[[_P], bool]) -> list[_P]:
    return [p for p in hh.members if p.cancel is None and cond(p)]


def _id18(p: _P) -> bool:
    return p.id_number is not None and len(p.id_number) == 18


def _wcba(f: _Faults, p: _P) -> bool:
    return p.cancel is None and p.sex == "2" and p.married and 15 <= f.age(p) <= 49


def _open(p: _P) -> list[_Preg]:
    return [g for g in p.woman.pregnancies if g.outcome is None] if p.woman else []


def _no_benefits(p: _P) -> bool:
    return not p.benefits and (p.partner is None or not p.partner.benefits)


def _couples(hh: _HH) -> list[tuple[_P, _P]]:
    """(husband, wife) pairs linked both ways, both active members."""
    out = []
    for h in hh.members:
        w = h.spouse
        linked = w is not None and w.spouse is h and w.cancel is None and w.sex == "2"
        if h.sex == "1" and h.cancel is None and linked and w in hh.members:
            out.append((h, w))
    return out


def _women(hh: _HH) -> list[_P]:
    return _act(hh, lambda p: p.sex == "2" and p.woman is not None)


def _near_pregnancy(w: _P, d: date, days: int = 30) -> bool:
    return any(g.outcome_date is not None and abs((g.outcome_date - d).days) <= days for g in w.woman.pregnancies)


def _twin(w: _P, c: _Child) -> bool:
    return any(o is not c and o.blood == "1" and abs((o.birth - c.birth).days) <= 1 for o in w.woman.children)


def _clean_entry(w: _P, c: _Child) -> bool:
    """A live-birth entry with no linked member, no twin and no pregnancy record near it."""
    return c.blood == "1" and c.member is None and not _twin(w, c) and not _near_pregnancy(w, c.birth)


# ID rules: one changed number each, check character recomputed unless the check is the fault.


def _m_id01(f: _Faults, hh: _HH) -> Planted | None:
    p = f.pick(_act(hh, _id18))
    if p is None:
        return None
    i = 7 + int(f.rng.random() * 10)
    p.id_number = p.id_number[:i] + p.id_number[i + 1 :]
    return _t(hh, p), []


def _m_id02(f: _Faults, hh: _HH) -> Planted | None:
    p = f.pick(_act(hh, _id18))
    if p is None:
        return None
    wrong = [c for c in "0123456789X" if c != p.id_number[17]]
    p.id_number = p.id_number[:17] + f.pick(wrong)
    return _t(hh, p), []


def _m_id03(f: _Faults, hh: _HH) -> Planted | None:
    p = f.pick(_act(hh, _id18))
    if p is None:
        return None
    p.id_number = f.mut_number(p.id_number[:10] + "13" + p.id_number[12:14], p.sex)
    return _t(hh, p), []


def _m_id04(f: _Faults, hh: _HH) -> Planted | None:
    p = f.pick(_act(hh, lambda q: _id18(q) and f.age(q) >= 1))
    if p is None:
        return None
    other = p.birth + f.days(1, 300) * (1 if f.rng.random() < 0.5 else -1)
    p.id_number = f.mut_id(p.id_number[:6], min(other, f.as_of - _days(1)), p.sex)
    return _t(hh, p), []


def _m_id05(f: _Faults, hh: _HH) -> Planted | None:
    p = f.pick(_act(hh, _id18))
    if p is None:
        return None
    p.id_number = f.mut_id(p.id_number[:6], p.birth, "2" if p.sex == "1" else "1")
    return _t(hh, p), []


_UNKNOWN_REGIONS = ("439901", "439902", "431199", "990426")


def _m_id06(f: _Faults, hh: _HH) -> Planted | None:
    p = f.pick(_act(hh, _id18))
    region = next((r for r in _UNKNOWN_REGIONS if not is_known_region(r)), None)
    if p is None or region is None:
        return None
    p.id_number = f.mut_id(region, p.birth, p.sex)
    return _t(hh, p), []


def _m_id07(f: _Faults, hh: _HH) -> Planted | None:
    p = f.pick(_act(hh, lambda q: _id18(q) and 1900 <= q.birth.year <= 1999))
    if p is None:
        return None
    p.id_number = p.id_number[:6] + p.id_number[8:17]
    return _t(hh, p), []


def _copy(f: _Faults, hh: _HH, p: _P, *, with_id: bool) -> _P:
    """A second record of the same person in the same household (no parent links)."""
    q = _P(p.name, p.sex, p.birth, p.surname, p.region, p.id_number if with_id else None)
    for attr in (
        "relation",
        "ethnicity",
        "hukou",
        "rural",
        "education",
        "political",
        "occupation",
        "marital",
        "residence",
        "mgmt",
        "reg_place",
    ):
        setattr(q, attr, getattr(p, attr))
    q.flow = dict(p.flow) if p.flow else None
    q.moved_in = dict(p.moved_in) if p.moved_in else None
    q.key = f"{hh.code}-{len(hh.members) + 1}"
    hh.members.append(q)
    return q


def _m_dup1(f: _Faults, hh: _HH) -> Planted | None:
    def ok(p: _P) -> bool:
        return (
            p.id_number is not None
            and p.relation not in ("02", "10", "11", "12")
            and p.marital in ("10", None)
            and p.spouse is None
            and p.woman is None
            and not p.benefits
            and p.flow is None
        )

    p = f.pick(_act(hh, ok))
    if p is None:
        return None
    q = _copy(f, hh, p, with_id=True)
    return _t(hh, p, q), []


def _m_dup2(f: _Faults, hh: _HH) -> Planted | None:
    p = f.pick(_act(hh, lambda q: f.age(q) == 0 and q.relation not in ("02", "10", "11", "12") and q.flow is None))
    if p is None:
        return None
    q = _copy(f, hh, p, with_id=False)
    return _t(hh, p, q), []


# Completeness rules.


def _m_req1(f: _Faults, hh: _HH) -> Planted | None:
    p = f.pick(_act(hh, lambda q: f.age(q) >= 1 and q.ethnicity is not None))
    if p is None:
        return None
    p.ethnicity = None
    return _t(hh, p), []


def _m_req2(f: _Faults, hh: _HH) -> Planted | None:
    p = f.pick(_act(hh, lambda q: f.age(q) >= 15 and q.marital == "10" and q.spouse is None and q.fm is None))
    if p is None:
        return None
    p.marital = None
    return _t(hh, p), []


def _m_req3(f: _Faults, hh: _HH) -> Planted | None:
    pairs = [(h, w) for h, w in _couples(hh) if h.marital == "21" and h.fm is not None]
    if not pairs:
        return None
    h = f.pick(pairs)[0]
    h.fm = None
    return _t(hh, h), []


def _m_req4(f: _Faults, hh: _HH) -> Planted | None:
    p = f.pick(_act(hh, lambda q: q.marital in ("22", "23", "30", "40") and q.mc is not None))
    if p is None:
        return None
    p.mc = None
    return _t(hh, p), []


def _m_req5(f: _Faults, hh: _HH) -> Planted | None:
    w = f.pick([w for w in _women(hh) if w.woman.children])
    if w is None:
        return None
    f.pick(w.woman.children).policy = None
    return _t(hh, w), []


def _m_req6(f: _Faults, hh: _HH) -> Planted | None:
    w = f.pick([w for w in _women(hh) if w.woman.method not in (None, "00") and w.woman.since is not None])
    if w is None:
        return None
    w.woman.since = None
    return _t(hh, w), []


def _m_req7(f: _Faults, hh: _HH) -> Planted | None:
    p = f.pick(_act(hh, lambda q: f.age(q) == 0 and q.id_number is not None))
    if p is None:
        return None
    p.id_number = None
    return _t(hh, p), []


def _m_req8(f: _Faults, hh: _HH) -> Planted | None:
    w = f.pick([w for w in _women(hh) if _wcba(f, w) and w.woman.has_contraception])
    if w is None:
        return None
    w.woman.has_contraception, w.woman.method, w.woman.since = False, None, None
    return _t(hh, w), []


# Marriage rules.


def _legal_floor(birth: date, sex: str, when: date) -> date:
    """The day a person reaches the legal marriage age in force at `when` (MAR2)."""
    if when < LEGAL_AGE_CHANGE:
        return add_years(birth, 18 if sex == "2" else 20)
    return add_years(birth, 20 if sex == "2" else 22)


def _m_mar1(f: _Faults, hh: _HH) -> Planted | None:
    p = f.pick(_act(hh, lambda q: q.marital in ("22", "23", "30", "40") and q.fm is not None))
    if p is None:
        return None
    p.fm = p.birth - f.days(30, 3000)
    return _t(hh, p), []


def _m_mar2(f: _Faults, hh: _HH) -> Planted | None:
    for h, w in _couples(hh):
        if h.marital != "21" or w.marital != "21" or h.fm != w.fm:
            continue
        young, other = (w, h) if f.rng.random() < 0.5 else (h, w)
        for p, q in ((young, other), (other, young)):
            when = add_years(p.birth, 18 if p.sex == "2" else 20) + f.days(0, 300)
            if when < LEGAL_AGE_CHANGE:
                when = add_years(p.birth, 17 if p.sex == "2" else 19) + f.days(0, 300)
            if when < _legal_floor(p.birth, p.sex, when) and when >= _legal_floor(q.birth, q.sex, when) and when < p.fm:
                h.fm = w.fm = when
                return _t(hh, p), []
    return None


def _m_mar3(f: _Faults, hh: _HH) -> Planted | None:
    p = f.pick(_act(hh, lambda q: q.marital == "10" and f.age(q) >= 23 and q.spouse is None and q.fm is None))
    if p is None:
        return None
    p.fm = f.rdate(add_years(p.birth, 22), f.as_of - _days(1))
    return _t(hh, p), []


def _m_mar4(f: _Faults, hh: _HH) -> Planted | None:
    p = f.pick(_act(hh, lambda q: q.sex == "1" and q.marital == "10" and f.age(q) >= 25 and q.fm is None))
    if p is None:
        return None
    p.marital = "21"
    p.fm = add_years(p.birth, 22) + f.days(0, (f.age(p) - 23) * 365)
    region = f.gen.county_of("43", f.rng)
    birth = add_years(p.birth, 2)
    p.spouse_ext = {
        "name": f.gen.surnames.pick(f.rng) + f.pick(GIVEN[("2", _era(birth.year))]),
        "id_number": None,
        "registered_place_code": region,
    }
    return _t(hh, p), []


def _m_mar5(f: _Faults, hh: _HH) -> Planted | None:
    pairs = [
        (h, w)
        for h, w in _couples(hh)
        if w.relation in ("12", "38", "02")
        and w.mother is None
        and _no_benefits(h)
        and w.fm >= _legal_floor(w.birth, "1", w.fm)
    ]
    if not pairs:
        return None
    h, w = f.pick(pairs)
    w.sex = "1"
    if w.id_number is not None and len(w.id_number) == 18:
        w.id_number = f.mut_id(w.id_number[:6], w.birth, "1")
    w.woman = None
    w.relation = {"12": "10", "38": "28"}.get(w.relation, w.relation)
    return _t(hh, h, w), []


def _m_mar6(f: _Faults, hh: _HH) -> Planted | None:
    pairs = _couples(hh)
    if not pairs:
        return None
    x, y = f.pick(pairs)
    y.spouse = None  # the wife drops the link (the husband's 奖扶 check reads her history through his link)
    return _t(hh, x), []


def _m_mar7(f: _Faults, hh: _HH) -> Planted | None:
    pairs = [
        (x, y)
        for h, w in _couples(hh)
        for x, y in ((h, w), (w, h))
        if x.relation in ("02", "22", "23", "24", "25", "26", "29", "32", "33", "34", "35", "36", "39")
        and y.relation in ("10", "11", "12", "28", "38")
    ]
    if not pairs:
        return None
    x, y = f.pick(pairs)
    hh.members.remove(y)
    new = _HH(f.new_code(hh), hh.prefix, hukou_type=hh.hukou_type, members=[y])
    y.relation = "02"
    return [*_t(hh, x), (new.code, y.key)], [new]


def _m_mar8(f: _Faults, hh: _HH) -> Planted | None:
    def ok(q: _P) -> bool:
        return q.marital in ("22", "23", "30", "40") and q.fm is not None and q.mc is not None

    p = f.pick([q for q in _act(hh, ok) if q.fm - _days(60) > add_years(q.birth, 16)])
    if p is None:
        return None
    p.mc = max(add_years(p.birth, 16), p.fm - f.days(30, 900))
    return _t(hh, p), []


def _m_mar9(f: _Faults, hh: _HH) -> Planted | None:
    for h, w in _couples(hh):
        if h.marital != "21" or w.marital != "21" or h.fm != w.fm:
            continue
        for p in (w, h) if f.rng.random() < 0.5 else (h, w):
            when = p.fm - f.days(30, 200)
            if when >= _legal_floor(p.birth, p.sex, when):
                p.fm = when
                return _t(hh, h, w), []
    return None


# Childbirth-history rules.


def _m_ch01(f: _Faults, hh: _HH) -> Planted | None:
    cands = [(w, c) for w in _women(hh) if _no_benefits(w) for c in w.woman.children if c.member is not None]
    if not cands:
        return None
    w, c = f.pick(cands)
    c.sex = "1" if c.sex == "2" else "2"
    return _t(hh, w), []


def _m_ch02(f: _Faults, hh: _HH) -> Planted | None:
    for w in _women(hh):
        kids = w.woman.children
        if len(kids) < 2 or any(c.blood != "1" for c in kids[:3]) or _twin(w, kids[0]) or _twin(w, kids[1]):
            continue
        a, b = kids[0], kids[1]
        if policy_consistent(1, b.birth, b.policy) and policy_consistent(2, a.birth, a.policy):
            a.order, b.order = 2, 1
            return _t(hh, w), []
    return None


def _m_ch03(f: _Faults, hh: _HH) -> Planted | None:
    for w in _women(hh):
        kids = w.woman.children
        for prev, c in pairwise(kids):
            if prev.blood != "1" or not _clean_entry(w, c) or _twin(w, prev):
                continue
            new = prev.birth + f.days(60, 170)
            if new < c.birth and policy_consistent(c.order, new, c.policy):
                c.birth = new
                return _t(hh, w), []
    return None


def _m_ch04(f: _Faults, hh: _HH) -> Planted | None:
    for w in _women(hh):
        kids = w.woman.children
        if not kids or f.age(w) < 51 or w.woman.method in ("01", "02"):
            continue
        c = kids[-1]
        new = add_years(w.birth, 50) + f.days(0, 200)
        if _clean_entry(w, c) and c.birth < new <= f.as_of and policy_consistent(c.order, new, c.policy):
            c.birth = new
            return _t(hh, w), []
    return None


def _m_ch05(f: _Faults, hh: _HH) -> Planted | None:
    for w in _women(hh):
        kids = w.woman.children
        if kids and _clean_entry(w, kids[0]):
            kids[0].birth = add_years(w.birth, 11) + f.days(0, 300)
            return _t(hh, w), []
    return None


def _m_ch06(f: _Faults, hh: _HH) -> Planted | None:
    for h, w in _couples(hh):
        dels = _deliveries(w)
        if h.marital != "21" or w.marital != "21" or h.fm != w.fm or not dels:
            continue
        limit = min(f.as_of - _days(1), (dels[1] - _days(2)) if len(dels) > 1 else f.as_of, dels[0] + _days(300))
        if (limit - dels[0]).days > 40:
            h.fm = w.fm = f.rdate(dels[0] + _days(30), limit)
            return _t(hh, w), []
    return None


def _m_ch07(f: _Faults, hh: _HH) -> Planted | None:
    for w in _women(hh):
        for c in w.woman.children:
            if c.blood != "1" or _twin(w, c) or (w.fm is not None and c.birth < w.fm):
                continue
            if c.order <= 2 and c.birth >= POLICY_TWO and c.policy == "1":
                c.policy = "2"
                return _t(hh, w), []
            if c.order >= 3 and c.birth < POLICY_THREE and c.policy == "2":
                c.policy = "1"
                return _t(hh, w), []
    return None


# Contraception rules.


def _m_con1(f: _Faults, hh: _HH) -> Planted | None:
    pairs = [(h, w) for h, w in _couples(hh) if f.age(h) < 50 and w.woman is not None and w.woman.since]
    if not pairs:
        return None
    h, w = f.pick(pairs)
    method = w.woman.method if w.woman.method in ("02", "03", "04", "05", "06") else "03"
    h.woman = _Woman(method=method, since=w.woman.since, has_contraception=True)
    return _t(hh, h), []


def _m_con2(f: _Faults, hh: _HH) -> Planted | None:
    p = f.pick(_act(hh, lambda q: q.sex == "2" and q.marital == "10" and 18 <= f.age(q) <= 45 and q.woman is None))
    if p is None:
        return None
    since = f.rdate(max(add_years(p.birth, 18), f.as_of - _days(1000)), f.as_of - _days(1))
    p.woman = _Woman(method=f.pick(("05", "07")), since=since, has_contraception=True)
    return _t(hh, p), []


def _last_delivery(w: _P) -> date | None:
    dels = _deliveries(w)
    return dels[-1] if dels else None


def _free_for_pregnancy(f: _Faults, w: _P, lmp: date) -> bool:
    """No open pregnancy and no delivery or pregnancy in the 180 days before `lmp` (or after it)."""
    last = _last_delivery(w)
    ends = [g.outcome_date for g in w.woman.pregnancies if g.outcome_date is not None]
    latest = max([d for d in (last, *ends) if d is not None], default=None)
    return not _open(w) and (latest is None or latest + _days(180) < lmp) and (w.fm is None or w.fm < lmp)


def _m_con3(f: _Faults, hh: _HH) -> Planted | None:
    lmp = f.as_of - f.days(30, 250)
    w = f.pick(
        [
            w
            for w in _women(hh)
            if _wcba(f, w)
            and 20 <= f.age(w) <= 44
            and w.woman.method in ("01", "02", "03", "04")
            and _free_for_pregnancy(f, w, lmp)
        ]
    )
    if w is None:
        return None
    w.woman.pregnancies.append(_Preg(lmp, lmp + _days(280)))
    return _t(hh, w), []


def _m_con4(f: _Faults, hh: _HH) -> Planted | None:
    w = f.pick([w for w in _women(hh) if _wcba(f, w) and w.woman.method in ("03", "04", "05", "06", "07", "08", "09")])
    if w is None:
        return None
    w.woman.since = max(w.birth + _days(1), add_years(w.birth, 15) - f.days(30, 700))
    return _t(hh, w), []


def _m_con5(f: _Faults, hh: _HH) -> Planted | None:
    def ok(w: _P) -> bool:
        last = _last_delivery(w)
        return last is not None and not _open(w) and last - _days(120) > add_years(w.birth, 15)

    w = f.pick([w for w in _women(hh) if ok(w)])
    if w is None:
        return None
    last = _last_delivery(w)
    since = max(add_years(w.birth, 15) + _days(1), last - f.days(100, 700))
    w.woman.has_contraception, w.woman.method, w.woman.since, w.woman.failure = True, "02", since, None
    return _t(hh, w), []


# Pregnancy rules.


def _m_prg1(f: _Faults, hh: _HH) -> Planted | None:
    w = f.pick([w for w in _women(hh) if f.age(w) >= 57])
    if w is None:
        return None
    lmp = min(add_years(w.birth, 56) + f.days(0, 200), f.as_of - _days(100))
    w.woman.pregnancies.append(_Preg(lmp, lmp + _days(280), "3", lmp + f.days(40, 80)))
    return _t(hh, w), []


def _m_prg2(f: _Faults, hh: _HH) -> Planted | None:
    lmp = f.as_of - f.days(310, 520)
    w = f.pick(
        [
            w
            for w in _women(hh)
            if _wcba(f, w)
            and 22 <= f.age(w) <= 45
            and w.woman.method not in ("01", "02", "03", "04")
            and _free_for_pregnancy(f, w, lmp)
        ]
    )
    if w is None:
        return None
    w.woman.pregnancies.append(_Preg(lmp, lmp + _days(280)))
    return _t(hh, w), []


def _m_prg3(f: _Faults, hh: _HH) -> Planted | None:
    cands = [(w, g) for w in _women(hh) for g in w.woman.pregnancies if g.lmp is not None]
    if not cands:
        return None
    w, g = f.pick(cands)
    g.edd = g.lmp + _days(280) + f.days(20, 60) * (1 if f.rng.random() < 0.5 else -1)
    return _t(hh, w), []


def _m_prg4(f: _Faults, hh: _HH) -> Planted | None:
    cands = [
        (w, g)
        for w in _women(hh)
        for g in w.woman.pregnancies
        if g.outcome_date is not None and g.outcome_date + _days(25) <= f.as_of
    ]
    if not cands:
        return None
    w, g = f.pick(cands)
    g.lmp = g.outcome_date + f.days(3, 25)
    g.edd = g.lmp + _days(280)
    return _t(hh, w), []


def _m_prg5(f: _Faults, hh: _HH) -> Planted | None:
    for w in _women(hh):
        births = [c.birth for c in _live_births(w)]
        for g in w.woman.pregnancies:
            if g.outcome_date is None:
                continue
            if g.outcome != "1":
                if all(abs((b - g.outcome_date).days) > 30 for b in births):
                    g.outcome = "1"
                    return _t(hh, w), []
                continue
            new = g.outcome_date + f.days(45, 150)
            if new <= f.as_of and all(abs((b - new).days) > 30 for b in births):
                g.outcome_date = new
                return _t(hh, w), []
    return None


def _m_prg6(f: _Faults, hh: _HH) -> Planted | None:
    for w in _women(hh):
        opened = _open(w)
        if opened and _wcba(f, w):
            lmp = min(f.as_of - _days(1), max(f.as_of - _days(280), opened[0].lmp + f.days(7, 30)))
            w.woman.pregnancies.append(_Preg(lmp, lmp + _days(280)))
            return _t(hh, w), []
    lmp = f.as_of - f.days(60, 250)
    w = f.pick(
        [
            w
            for w in _women(hh)
            if _wcba(f, w)
            and 20 <= f.age(w) <= 44
            and w.woman.method not in ("01", "02", "03", "04")
            and _free_for_pregnancy(f, w, lmp)
        ]
    )
    if w is None:
        return None
    second = lmp + f.days(7, 30)
    w.woman.pregnancies += [_Preg(lmp, lmp + _days(280)), _Preg(second, second + _days(280))]
    return _t(hh, w), []


# Death and date rules.


def _event_dates(p: _P) -> list[date]:
    """Life events of DTH2/DAT1: marriage, change, method start, LMP, outcome, move, flow."""
    out = [p.fm, p.mc]
    if p.moved_in:
        out.append(p.moved_in["date"])
    if p.flow:
        out.append(p.flow["since"])
    if p.woman:
        out.append(p.woman.since)
        for g in p.woman.pregnancies:
            out += [g.lmp, g.outcome_date]
    return [d for d in out if d is not None]


def _m_dth1(f: _Faults, hh: _HH) -> Planted | None:
    death = f.as_of - f.days(20, 300)
    p = f.pick(_act(hh, lambda q: f.age(q) >= 70 and q.mother is None and all(d < death for d in _event_dates(q))))
    if p is None:
        return None
    p.death = death
    return _t(hh, p), []


def _m_dth2(f: _Faults, hh: _HH) -> Planted | None:
    dead = [p for p in hh.members if p.cancel is not None and p.cancel[0] == "01" and p.death is not None]
    p = f.pick(dead)
    if p is None:
        return None
    if p.fm is not None and p.fm - _days(60) > p.birth:
        p.death = max(p.birth + _days(1), p.fm - f.days(30, 400))
    else:
        p.death = p.birth - f.days(1, 30)
    return _t(hh, p), []


def _m_dth3(f: _Faults, hh: _HH) -> Planted | None:
    dead = [p for p in hh.members if p.cancel is not None and p.cancel[0] == "01" and p.death and p.mother is None]
    p = f.pick(dead)
    if p is None:
        return None
    p.death = None
    return _t(hh, p), []


def _m_dat1(f: _Faults, hh: _HH) -> Planted | None:
    w = f.pick(
        [
            w
            for w in _women(hh)
            if w.woman.method in ("03", "04", "05", "06", "07", "08", "09") and w.woman.since is not None
        ]
    )
    if w is None:
        return None
    since = w.woman.since
    w.woman.since = add_years(since, f.as_of.year + 5 - since.year)
    return _t(hh, w), []


def _m_dat2(f: _Faults, hh: _HH) -> Planted | None:
    def ok(q: _P) -> bool:
        return (
            q.sex == "1"
            and f.age(q) >= 70
            and q.mother is None
            and q.father is None
            and q.woman is None
            and not q.benefits
            and _id18(q)
        )

    p = f.pick(_act(hh, ok))
    if p is None:
        return None
    p.birth = add_years(f.as_of, -111) - f.days(1, 700)
    p.id_number = f.mut_id(p.id_number[:6], p.birth, p.sex)
    return _t(hh, p), []


# Household rules.

_SWAP_PAIRS = (
    "11-12 20-30 21-31 22-32 23-33 24-34 25-35 26-36 27-37 28-38 29-39 41-42 43-44 51-52 53-54 55-56 71-75 73-77"
)
_SEX_SWAP = {x: y for pair in _SWAP_PAIRS.split() for a, b in [pair.split("-")] for x, y in ((a, b), (b, a))}
_CHILD_CODES = frozenset(
    ("20", "21", "22", "23", "24", "25", "26", "29", "30", "31", "32", "33", "34", "35", "36", "39")
)


def _head(hh: _HH) -> _P | None:
    return next((p for p in hh.members if p.cancel is None and p.relation == "02"), None)


def _m_hh01(f: _Faults, hh: _HH) -> Planted | None:
    head = _head(hh)
    if head is None or hh.status != "active":
        return None
    head.relation = "97"
    return [(hh.code, None)], []


def _m_hh02(f: _Faults, hh: _HH) -> Planted | None:
    p = f.pick(_act(hh, lambda q: q.relation in _SEX_SWAP))
    if p is None:
        return None
    p.relation = _SEX_SWAP[p.relation]
    return _t(hh, p), []


def _m_hh03(f: _Faults, hh: _HH) -> Planted | None:
    head = _head(hh)
    if head is None:
        return None
    p = f.pick(
        _act(
            hh,
            lambda q: (
                q.relation in _CHILD_CODES and q.birth.year - head.birth.year <= 28 and age_at(head.birth, q.birth) < 29
            ),
        )
    )
    if p is None:
        return None
    p.relation = "41" if p.sex == "1" else "42"
    return _t(hh, p), []


def _m_hh04(f: _Faults, hh: _HH) -> Planted | None:
    spouse = next(iter(_act(hh, lambda q: q.relation in ("10", "11", "12"))), None)
    other = f.pick(_act(hh, lambda q: q.relation not in ("02", "10", "11", "12") and f.age(q) >= 15))
    if spouse is None or other is None:
        return None
    other.relation = "10"
    return _t(hh, spouse, other), []


def _m_hh05(f: _Faults, hh: _HH) -> Planted | None:
    new = _HH(f.new_code(hh), hh.prefix, kind="collective", address_note="（原单位集体户）")
    for i in range(1 + int(f.rng.random() * 2)):
        p = f.person("1" if f.rng.random() < 0.5 else "2", f.as_of - _days(365 * 20) - f.days(0, 7000))
        p.relation, p.reg_place, p.key = "99", new.code[:12], f"{new.code}-{i + 1}"
        p.cancel = ("02", f.as_of - f.days(30, 1500))
        new.members.append(p)
    return [(new.code, None)], [new]


# Flow rules.


def _flows(hh: _HH, kind: str) -> list[_P]:
    return _act(hh, lambda q: q.flow is not None and q.flow["type"] == kind)


def _m_flw1(f: _Faults, hh: _HH) -> Planted | None:
    p = f.pick(_flows(hh, "outflow"))
    if p is None:
        return None
    p.flow["place_code"], p.flow["place"] = COUNTY, region_name(COUNTY)
    return _t(hh, p), []


def _m_flw2(f: _Faults, hh: _HH) -> Planted | None:
    def ok(q: _P) -> bool:
        return q.flow is not None and q.flow["since"] <= f.as_of - _days(100) and f.age(q) >= 1

    p = f.pick(_act(hh, ok))
    if p is None:
        return None
    p.flow["since"] = f.as_of - f.days(5, 80)
    return _t(hh, p), []


def _m_flw3(f: _Faults, hh: _HH) -> Planted | None:
    p = f.pick(_flows(hh, "outflow"))
    if p is None:
        return None
    p.flow["place_code"] = p.flow["place"] = None
    return _t(hh, p), []


def _m_flw4(f: _Faults, hh: _HH) -> Planted | None:
    p = f.pick(_flows(hh, "inflow"))
    if p is not None:
        other = f.gen.county_of("44", f.rng)
        p.flow["place_code"], p.flow["place"] = other, region_name(other)
        return _t(hh, p), []
    p = f.pick(_flows(hh, "outflow"))
    if p is None:
        return None
    p.mgmt = "01"
    return _t(hh, p), []


# Benefit and certificate rules.


def _history_of(p: _P) -> list[_Child] | None:
    wife = p if p.sex == "2" else p.spouse
    return wife.woman.children if wife is not None and wife.woman is not None else None


def _m_ben1(f: _Faults, hh: _HH) -> Planted | None:
    def ok(q: _P) -> bool:
        kids = _history_of(q)
        if kids is None or q.benefits or not q.rural or f.as_of.year - q.birth.year < 61:
            return False
        living = [c for c in kids if c.alive]
        return q.birth >= date(1933, 1, 1) and len(living) >= 2 and not all(c.sex == "2" for c in living)

    p = f.pick(_act(hh, ok))
    if p is None:
        return None
    p.benefits.append(("reward", max(2004, p.birth.year + 60)))
    return _t(hh, p), []


def _m_ben2(f: _Faults, hh: _HH) -> Planted | None:
    def ok(q: _P) -> bool:
        kids = q.woman.children
        living = [c for c in kids if c.alive and c.disabled not in ("1", "2", "3")]
        return not q.benefits and f.as_of.year - q.birth.year >= 50 and (len(kids) >= 2 or len(living) == 1)

    w = f.pick([w for w in _women(hh) if ok(w)])
    if w is None:
        return None
    w.benefits.append(("special", max(2008, w.birth.year + 49)))
    return _t(hh, w), []


def _m_ben3(f: _Faults, hh: _HH) -> Planted | None:
    def ok(q: _P) -> bool:
        kids = q.woman.children
        return (
            [k for k, _ in q.benefits] == ["reward"]
            and len(kids) == 1
            and kids[0].blood == "1"
            and kids[0].alive
            and kids[0].disabled is None
        )

    w = f.pick([w for w in _women(hh) if ok(w)])
    if w is None:
        return None
    w.woman.children[0].disabled = "2"
    w.benefits.append(("special", max(2008, w.birth.year + 49)))
    return _t(hh, w), []


def _m_crt1(f: _Faults, hh: _HH) -> Planted | None:
    def ok(q: _P) -> bool:
        living = [c for c in _live_births(q) if c.alive]
        return q.woman.cert is None and len(living) >= 2

    w = f.pick([w for w in _women(hh) if ok(w)])
    if w is None:
        return None
    first = min(c.birth for c in _live_births(w))
    w.woman.cert = (f"湘独{first.year}{int(f.rng.random() * 9000) + 1000}", first + f.days(60, 300))
    return _t(hh, w), []


#: The fault catalogue: rule code → mutation planting exactly that fault on one record.
MUTATIONS: dict[str, Mutation] = {
    "ID01": _m_id01, "ID02": _m_id02, "ID03": _m_id03, "ID04": _m_id04, "ID05": _m_id05, "ID06": _m_id06,
    "ID07": _m_id07, "DUP1": _m_dup1, "DUP2": _m_dup2,
    "REQ1": _m_req1, "REQ2": _m_req2, "REQ3": _m_req3, "REQ4": _m_req4, "REQ5": _m_req5, "REQ6": _m_req6,
    "REQ7": _m_req7, "REQ8": _m_req8,
    "MAR1": _m_mar1, "MAR2": _m_mar2, "MAR3": _m_mar3, "MAR4": _m_mar4, "MAR5": _m_mar5, "MAR6": _m_mar6,
    "MAR7": _m_mar7, "MAR8": _m_mar8, "MAR9": _m_mar9,
    "CH01": _m_ch01, "CH02": _m_ch02, "CH03": _m_ch03, "CH04": _m_ch04, "CH05": _m_ch05, "CH06": _m_ch06,
    "CH07": _m_ch07,
    "CON1": _m_con1, "CON2": _m_con2, "CON3": _m_con3, "CON4": _m_con4, "CON5": _m_con5,
    "PRG1": _m_prg1, "PRG2": _m_prg2, "PRG3": _m_prg3, "PRG4": _m_prg4, "PRG5": _m_prg5, "PRG6": _m_prg6,
    "DTH1": _m_dth1, "DTH2": _m_dth2, "DTH3": _m_dth3, "DAT1": _m_dat1, "DAT2": _m_dat2,
    "HH01": _m_hh01, "HH02": _m_hh02, "HH03": _m_hh03, "HH04": _m_hh04, "HH05": _m_hh05,
    "FLW1": _m_flw1, "FLW2": _m_flw2, "FLW3": _m_flw3, "FLW4": _m_flw4,
    "BEN1": _m_ben1, "BEN2": _m_ben2, "BEN3": _m_ben3, "CRT1": _m_crt1,
}  # fmt: skip
assert tuple(MUTATIONS) == RULE_CODES
#: Planting order: codes whose hosts are scarce (infants, deaths, open pregnancies …) come first, so that
#: every code finds a household even in a small county.
_SCARCE = ("REQ7", "DUP2", "DTH3", "DTH2", "PRG2", "CON2", "MAR4", "PRG6", "PRG5", "PRG4", "BEN3", "DAT2", "PRG3",
           "MAR3", "BEN1", "CON3")  # fmt: skip
PLANT_ORDER: tuple[str, ...] = (*_SCARCE, *(c for c in RULE_CODES if c not in _SCARCE))


# --- public API ---------------------------------------------------------------------------------------


def entry_lag(seed: int, kind: str, event_date: date, as_of: date) -> datetime:
    """When a change was keyed in (deterministic per seed): mostly 1–20 days after the event and by the
    5th of the following month; about 5 % late (after the 5th); never after `as_of`."""
    h = zlib.crc32(f"{seed}|{kind}|{event_date.toordinal()}".encode())
    deadline = date(event_date.year + event_date.month // 12, event_date.month % 12 + 1, 5)
    if h % 100 < 5:
        entered = deadline + _days(1 + (h >> 8) % 20)
    else:
        room = max(1, min(20, (deadline - event_date).days))
        entered = event_date + _days(1 + (h >> 8) % room)
    entered = max(event_date, min(entered, as_of)) if event_date <= as_of else as_of
    return datetime.combine(entered, time(8 + (h >> 16) % 10, (h >> 20) % 60))


@dataclass
class DemoCounty:
    """A generated county: its units, a one-pass stream of household payloads, and the manifest
    (filled while the households are consumed)."""

    units: list[dict[str, Any]]
    households: Iterator[dict[str, Any]]
    manifest: dict[str, Any]
    seed: int
    as_of: date

    def entry_time(self, kind: str, event_date: date) -> datetime:
        """Entry (录入) time of an event of `kind` dated `event_date`."""
        return entry_lag(self.seed, kind, event_date, self.as_of)


def generate(persons: int, seed: int = 1, error_rate: float = 0.0, as_of: date | None = None) -> DemoCounty:
    """A synthetic county of about `persons` persons (deterministic for `seed` and `as_of`)."""
    if persons < 1:
        raise ValueError("persons 必须为正数")
    if not 0.0 <= error_rate <= 1.0:
        raise ValueError("error_rate 须在 0 到 1 之间")
    gen = _Gen(persons, seed, error_rate, as_of or date.today())
    return DemoCounty(gen.units, gen.households(), gen.manifest, seed, gen.as_of)


def write_manifest(manifest: dict[str, Any], path: Path) -> None:
    """Write the ground-truth manifest as UTF-8 JSON."""
    path.write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def to_jsonl_lines(county: DemoCounty) -> Iterator[str]:
    """The household file: unit lines, then household lines (interchange §1)."""
    for unit in county.units:
        yield json.dumps({"unit": unit}, ensure_ascii=False)
    for household in county.households:
        yield json.dumps(household, ensure_ascii=False)
