"""Chinese labels and printable values of interchange field paths (``id_number``,
``woman.children[1].birth_date``) as findings name them; list indexes are 0-based as in the records."""

from __future__ import annotations

import datetime as dt
from typing import Any

from store.codes import TABLES
from store.masking import mask_id, mask_ids_in_text
from store.paths import parse_path

#: mask_ids_in_text is re-exported: the one masking rule lives in store.masking
__all__ = ["field_label", "format_value", "mask_ids_in_text"]

_LABELS: dict[str, tuple[str, str | None]] = {
    "key": ("人员编号", None),
    "name": ("姓名", None),
    "id_type": ("证件类型", "id_type"),
    "id_number": ("身份证号", None),
    "sex": ("性别", "sex"),
    "birth_date": ("出生日期", None),
    "relation": ("与户主关系", "relation"),
    "ethnicity": ("民族", "ethnicity"),
    "hukou_nature": ("户口性质", "hukou_nature"),
    "rural": ("农村居民", None),
    "education": ("学历", "education"),
    "political_status": ("政治面貌", "political_status"),
    "occupation": ("职业", None),
    "marital_status": ("婚姻状况", "marital_status"),
    "first_marriage_date": ("初婚日期", None),
    "marriage_change_date": ("婚姻变动日期", None),
    "spouse": ("配偶", None),
    "spouse_external": ("配偶（外地）", None),
    "mother": ("母亲", None),
    "father": ("父亲", None),
    "residence_status": ("人户状况", "residence_status"),
    "mgmt": ("管理属性", "mgmt"),
    "registered_place_code": ("户籍地代码", None),
    "death_date": ("死亡日期", None),
    "flow": ("流动情况", None),
    "flow.type": ("流动类型", "flow_type"),
    "flow.since": ("流动日期", None),
    "flow.place_code": ("流动地代码", None),
    "flow.place": ("流动地", None),
    "flow.reason": ("流动原因", None),
    "moved_in": ("迁入情况", None),
    "moved_in.date": ("迁入日期", None),
    "moved_in.from_code": ("迁自", None),
    "moved_in.reason": ("迁入原因", None),
    "cancel": ("注销情况", None),
    "cancel.reason": ("注销原因", "cancel_reason"),
    "cancel.date": ("注销日期", None),
    "benefits": ("扶助", None),
    "woman.children": ("生养史", None),
    "woman.children.order": ("孩次", None),
    "woman.children.name": ("姓名", None),
    "woman.children.sex": ("性别", "sex"),
    "woman.children.birth_date": ("出生日期", None),
    "woman.children.policy": ("政策属性", "child_policy"),
    "woman.children.blood": ("血缘关系", "child_blood"),
    "woman.children.alive": ("是否健在", None),
    "woman.children.disabled_grade": ("伤残等级", "disabled_grade"),
    "woman.children.member": ("本人记录", None),
    "woman.contraception": ("避孕节育", None),
    "woman.contraception.method": ("避孕节育措施", "contraception_method"),
    "woman.contraception.since": ("措施日期", None),
    "woman.contraception.failure": ("避孕失败类型", "contraception_failure"),
    "woman.pregnancies": ("孕情", None),
    "woman.pregnancies.lmp": ("末次月经", None),
    "woman.pregnancies.edd": ("预产期", None),
    "woman.pregnancies.outcome": ("妊娠结局", "pregnancy_outcome"),
    "woman.pregnancies.outcome_date": ("结局日期", None),
    "woman.only_child_certificate": ("独生子女父母光荣证", None),
    "household.status": ("户状态", "household_status"),
    "household.kind": ("户类别", "household_kind"),
}
_ENTRY = {"woman.children": "第 {n} 个子女", "woman.pregnancies": "第 {n} 次怀孕", "benefits": "第 {n} 项扶助"}


def field_label(path: str) -> str:
    """A Chinese label such as ``第 2 个子女·出生日期`` (the path itself when unknown)."""
    steps = parse_path(path)
    if not steps:
        return path
    if steps[0][0] == "members" and len(steps) > 1:  # members[0].relation → 第 1 名成员·关系
        inner = field_label(path.split(".", 1)[1])
        return f"第 {steps[0][1] + 1} 名成员·{inner}" if steps[0][1] is not None else inner
    plain = ".".join(name for name, _ in steps)
    label = _LABELS.get(plain, (None, None))[0]
    prefix = ""
    for depth, (_, index) in enumerate(steps):
        head = ".".join(name for name, _ in steps[: depth + 1])
        if index is not None and head in _ENTRY:
            prefix = _ENTRY[head].format(n=index + 1)
            tail = _LABELS.get(plain, (None, None))[0] if plain != head else None
            return f"{prefix}·{tail}" if tail else prefix
    return label or path


def format_value(path: str, value: Any, *, full_ids: bool) -> str:
    """A printable value: codes with their labels, dates as YYYY-MM-DD, ID numbers masked unless `full_ids`."""
    if value is None or value == "" or value == []:
        return "（空）"
    plain = ".".join(name for name, _ in parse_path(path))
    table = _LABELS.get(plain, (None, None))[1]
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.date):
        return value.isoformat()
    if table and isinstance(value, str):
        label = TABLES[table].label(value)
        return f"{value} {label}" if label != value else value
    if plain in ("id_number", "spouse_external.id_number") and not full_ids:
        return mask_id(str(value))
    if isinstance(value, dict):
        parts = [format_value(f"{plain}.{k}", v, full_ids=full_ids) for k, v in value.items() if v is not None]
        return "，".join(parts) or "（空）"
    if isinstance(value, list):
        return f"{len(value)} 项"
    return str(value)
