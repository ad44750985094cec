"""A small township whose monthly figures for 2025-10 are known by construction (used by the export tests).

城关镇 (430426101) has three villages: 东风村 (births, a death, movers, married women with known methods,
a pregnancy, an under-age first marriage), 红星村 (flows in and out, an "other decrease") and 新民村 (no
persons). A second township 白地市镇 has one village with an implant fitted in the month; it is outside
城关镇 and only shows up in whole-database exports. The counts each household contributes are written
beside it; :data:`EXPECTED` collects them.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from store.idnumber import make_id

MONTH = "2025-10"
TOWNSHIP = "430426101"
DONGFENG, HONGXING, XINMIN = "430426101201", "430426101202", "430426101203"
BAIDI = "430426102201"

UNITS = [
    {"code": "430426", "name": "祁东县", "level": "county", "parent": None},
    {"code": TOWNSHIP, "name": "城关镇", "level": "township", "parent": "430426"},
    {"code": DONGFENG, "name": "东风村", "level": "village", "parent": TOWNSHIP},
    {"code": HONGXING, "name": "红星村", "level": "village", "parent": TOWNSHIP},
    {"code": XINMIN, "name": "新民村", "level": "village", "parent": TOWNSHIP},
    {"code": "430426102", "name": "白地市镇", "level": "township", "parent": "430426"},
    {"code": BAIDI, "name": "白地村", "level": "village", "parent": "430426102"},
]

_seq = [0]


def person(key: str, name: str, sex: str, birth: str, relation: str, **extra: Any) -> dict[str, Any]:
    """A complete member object with sensible defaults (户籍, 未婚, no events)."""
    _seq[0] += 1
    born = dt.date.fromisoformat(birth)
    region = extra.pop("region", "430426")
    record: dict[str, Any] = {
        "key": key, "name": name, "id_type": "1",
        "id_number": make_id(region, born, (_seq[0] % 400) * 2 + (1 if sex == "1" else 2)),
        "sex": sex, "birth_date": birth, "relation": relation, "ethnicity": "01", "hukou_nature": "2",
        "rural": True, "education": "70", "political_status": "13", "occupation": None,
        "marital_status": "10", "first_marriage_date": None, "marriage_change_date": None, "spouse": None,
        "spouse_external": None, "mother": None, "father": None, "residence_status": "1", "mgmt": "01",
        "registered_place_code": region, "flow": None, "moved_in": None, "death_date": None, "cancel": None,
        "benefits": [], "confirmations": [],
    }  # fmt: skip
    record.update(extra)
    return record


def married(since: str, spouse: str) -> dict[str, Any]:
    return {"marital_status": "21", "first_marriage_date": since, "spouse": spouse}


def woman(children: list[dict] | None = None, method: str | None = None, since: str | None = None,
          pregnancies: list[dict] | None = None) -> dict[str, Any]:  # fmt: skip
    contraception = None if method is None else {"method": method, "since": since, "failure": None}
    return {"woman": {"children": children or [], "contraception": contraception,
                      "pregnancies": pregnancies or [], "only_child_certificate": None}}  # fmt: skip


def child(order: int | None, sex: str, born: str, member: str | None = None, policy: str | None = "1") -> dict:
    return {"order": order, "name": "未取名", "sex": sex, "birth_date": born, "policy": policy, "blood": "1",
            "alive": True, "disabled_grade": None, "member": member}  # fmt: skip


def household(code: str, members: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "household": {"code": code, "unit": code[:12], "group": code[12:14], "address": f"{code[12:14]}组",
                      "hukou_type": "2", "kind": "family", "status": "active", "closed_date": None, "phone": None},
        "members": members,
    }  # fmt: skip


def households(*, bad: bool = False) -> list[dict[str, Any]]:
    """The households of the fixture; `bad` gives 东风村's second birth an unknown sex and no 孩次."""
    lmp_done = {"lmp": "2025-01-01", "edd": "2025-10-08", "outcome": "1", "outcome_date": "2025-10-05"}
    second_birth = child(None, "9", "2025-10-20") if bad else child(1, "2", "2025-10-20")
    return [
        # 东风村 H1: a boy born in the month (出生 +1; 出生情况: 男, 二孩; 本月活产 +1); IUD fitted in the month
        household(f"{DONGFENG}010001", [
            person("a1", "李建国", "1", "1990-05-01", "02", **married("2015-05-01", "a2")),
            person("a2", "王秀英", "2", "1992-03-10", "10", **married("2015-05-01", "a1"),
                   **woman([child(1, "2", "2018-04-01", "a3"), child(2, "1", "2025-10-05", "a4")],
                           "03", "2025-10-20", [lmp_done])),
            person("a3", "李娜", "2", "2018-04-01", "32", mother="a2", father="a1"),
            person("a4", "李浩", "1", "2025-10-05", "22", mother="a2", father="a1"),
        ]),
        # 东风村 H2: a death in the month (死亡 +1); his wife is 73 (no married WCBA)
        household(f"{DONGFENG}010002", [
            person("b1", "周德厚", "1", "1950-01-01", "02", **married("1975-01-01", "b2"), death_date="2025-10-12",
                   cancel={"reason": "01", "date": "2025-10-15"}),
            person("b2", "陈桂兰", "2", "1952-06-01", "10", **married("1975-01-01", "b1")),
        ]),
        # 东风村 H3: a couple moved in on 10-08 (迁入 +2); she bore a girl on 10-20 registered elsewhere
        # (出生情况: 女, 一孩; not a 出生 of 人口变动) and was sterilised on 10-25 (本月女扎, 女性绝育)
        household(f"{DONGFENG}010003", [
            person("c1", "赵敏", "2", "1995-02-01", "02", **married("2019-01-01", "c2"),
                   moved_in={"date": "2025-10-08", "from_code": "430421", "reason": "婚迁"},
                   **woman([second_birth], "02", "2025-10-25")),
            person("c2", "钱伟", "1", "1993-08-08", "10", **married("2019-01-01", "c1"),
                   moved_in={"date": "2025-10-08", "from_code": "430421", "reason": "婚迁"}),
        ]),
        # 东风村 H4: he moved out on 10-18 (迁出 +1); she uses condoms and is pregnant at month end
        household(f"{DONGFENG}010004", [
            person("d1", "孙强", "1", "1985-01-01", "02", **married("2010-01-01", "d2"),
                   cancel={"reason": "02", "date": "2025-10-18"}),
            person("d2", "吴芳", "2", "1988-07-07", "10", **married("2010-01-01", "d1"),
                   **woman([], "07", "2011-01-01",
                           [{"lmp": "2025-09-01", "edd": "2026-06-08", "outcome": None, "outcome_date": None}])),
        ]),
        # 东风村 H5: a first marriage on 10-10 at 19 (女性初婚 +1, 其中未达法定婚龄 +1); no method
        household(f"{DONGFENG}010005", [
            person("e2", "郑涛", "1", "2000-01-01", "02", **married("2025-10-10", "e1")),
            person("e1", "冯丽", "2", "2006-03-01", "10", **married("2025-10-10", "e2"), **woman([], "00", None)),
        ]),
        # 红星村 H6: inflow persons: one new in the month, one married WCBA (not 户籍: no 避孕节育 count)
        household(f"{HONGXING}010001", [
            person("f1", "王德明", "1", "1988-11-03", "02", region="510722", mgmt="02", residence_status="2",
                   **married("2012-01-01", "f2"),
                   flow={"type": "inflow", "since": "2025-10-03", "place_code": "510722", "place": "四川省三台县",
                         "reason": "务工经商"}),
            person("f2", "杨丽", "2", "1990-01-01", "12", region="510722", mgmt="02", residence_status="2",
                   **married("2012-01-01", "f1"), **woman([], "03", "2013-01-01"),
                   flow={"type": "inflow", "since": "2024-05-01", "place_code": "510722", "place": "四川省三台县",
                         "reason": "务工经商"}),
        ]),
        # 红星村 H7: an outflow in the month (户籍 too); a duplicate record cancelled (其他减少 +1)
        household(f"{HONGXING}010002", [
            person("g2", "刘秀珍", "2", "1960-01-01", "02"),
            person("g1", "刘洋", "1", "1998-01-01", "20", mgmt="03", residence_status="3", mother="g2",
                   flow={"type": "outflow", "since": "2025-10-15", "place_code": "440305", "place": "广东省深圳市南山区",
                         "reason": "务工经商"}),
            person("g3", "刘洋", "1", "1970-01-01", "71", cancel={"reason": "04", "date": "2025-10-20"}),
        ]),
        # 白地村 (another township): an implant fitted in the month
        household(f"{BAIDI}010001", [
            person("h1", "蒋军", "1", "1991-01-01", "02", **married("2016-01-01", "h2")),
            person("h2", "曾燕", "2", "1994-01-01", "12", **married("2016-01-01", "h1"), **woman([], "04", "2025-10-02")),
        ]),
    ]  # fmt: skip


def write_fixture(path: Path, *, bad: bool = False) -> Path:
    """Write the fixture as a household file."""
    lines = [json.dumps({"unit": u}, ensure_ascii=False) for u in UNITS]
    lines += [json.dumps(h, ensure_ascii=False) for h in households(bad=bad)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


#: 城关镇, 2025-10, by sheet → header → (东风村, 红星村, 新民村, 合计)
EXPECTED: dict[str, dict[str, tuple[object, ...]]] = {
    "人口变动": {
        # 期初: a1 a2 a3 b1 b2 d1 d2 e1 e2 | g1 g2 g3 ; 期末: a1–a4 b2 c1 c2 d2 e1 e2 | g1 g2
        "期初人口": (9, 3, 0, 12), "出生": (1, 0, 0, 1), "死亡": (1, 0, 0, 1), "迁入": (2, 0, 0, 2),
        "迁出": (1, 0, 0, 1), "其他减少": (0, 1, 0, 1), "期末人口": (10, 2, 0, 12),
    },
    "出生情况": {
        "出生合计": (2, 0, 0, 2), "男": (1, 0, 0, 1), "女": (1, 0, 0, 1), "一孩": (1, 0, 0, 1), "二孩": (1, 0, 0, 1),
        "三孩及以上": (0, 0, 0, 0), "政策内": (2, 0, 0, 2), "政策外": (0, 0, 0, 0),
        "出生人口性别比": (100.0, None, None, 100.0),
    },
    "避孕节育": {
        # married WCBA: a2 (IUD), c1 (ligation), d2 (condom), e1 (none)
        "已婚育龄妇女": (4, 0, 0, 4), "措施合计": (3, 0, 0, 3), "男性绝育": (0, 0, 0, 0), "女性绝育": (1, 0, 0, 1),
        "宫内节育器": (1, 0, 0, 1), "皮下埋植": (0, 0, 0, 0), "口服及注射避孕药": (0, 0, 0, 0), "避孕套": (1, 0, 0, 1),
        "外用药": (0, 0, 0, 0), "其他": (0, 0, 0, 0), "综合避孕率": (0.75, None, None, 0.75),
        "本月男扎": (0, 0, 0, 0), "本月女扎": (1, 0, 0, 1), "本月上环": (1, 0, 0, 1), "本月皮埋": (0, 0, 0, 0),
    },
    "孕情婚姻": {
        "期末怀孕人数": (1, 0, 0, 1), "本月怀孕": (0, 0, 0, 0), "本月活产": (1, 0, 0, 1), "本月人工流产": (0, 0, 0, 0), "本月引产": (0, 0, 0, 0),
        "本月其他结局": (0, 0, 0, 0), "女性初婚人数": (1, 0, 0, 1), "其中未达法定婚龄": (1, 0, 0, 1),
    },
    "流动人口": {
        "流入人口": (0, 2, 0, 2), "流入已婚育龄妇女": (0, 1, 0, 1), "流出人口": (0, 1, 0, 1),
        "流出已婚育龄妇女": (0, 0, 0, 0), "本月新增流入": (0, 1, 0, 1), "本月新增流出": (0, 1, 0, 1),
    },
}  # fmt: skip
EXPECTED_ROWS = ("东风村", "红星村", "新民村", "合计")

#: change events dated in 2025-10 in 城关镇: (household, name, 变更类型, 变更日期), by household, date, member
EXPECTED_CHANGES = [
    (f"{DONGFENG}010001", "王秀英", "妊娠结局", "2025-10-05"),
    (f"{DONGFENG}010001", "李浩", "出生", "2025-10-05"),
    (f"{DONGFENG}010001", "王秀英", "避孕措施", "2025-10-20"),
    (f"{DONGFENG}010002", "周德厚", "死亡", "2025-10-12"),
    (f"{DONGFENG}010003", "赵敏", "迁入", "2025-10-08"),
    (f"{DONGFENG}010003", "钱伟", "迁入", "2025-10-08"),
    (f"{DONGFENG}010003", "赵敏", "避孕措施", "2025-10-25"),
    (f"{DONGFENG}010004", "孙强", "迁出", "2025-10-18"),
    (f"{DONGFENG}010005", "郑涛", "初婚", "2025-10-10"),
    (f"{DONGFENG}010005", "冯丽", "初婚", "2025-10-10"),
    (f"{HONGXING}010001", "王德明", "流入", "2025-10-03"),
    (f"{HONGXING}010002", "刘洋", "流出", "2025-10-15"),
    (f"{HONGXING}010002", "刘洋", "注销", "2025-10-20"),
]
