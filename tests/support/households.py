"""Hypothesis strategies for valid household files (units, households, persons, woman blocks)."""

from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

from store.codes import TABLES

VILLAGE = "430426101201"
UNITS = [
    {"unit": {"code": "430426", "name": "祁东县", "level": "county", "parent": None}},
    {"unit": {"code": "430426101", "name": "城关镇", "level": "township", "parent": "430426"}},
    {"unit": {"code": VILLAGE, "name": "东风村", "level": "village", "parent": "430426101"}},
]

dates = st.dates(dt.date(1920, 1, 1), dt.date(2026, 11, 1)).map(dt.date.isoformat)
maybe_dates = st.none() | dates
text = st.text(alphabet="李王张刘陈杨黄赵周吴建国秀英明华芳娜强军", min_size=1, max_size=4)


def code(table: str) -> st.SearchStrategy[str]:
    return st.sampled_from([c.code for c in TABLES[table].codes])


def maybe(strategy: st.SearchStrategy) -> st.SearchStrategy:
    return st.none() | strategy


@st.composite
def woman_block(draw: st.DrawFn, keys: list[str]) -> dict:
    children = draw(st.lists(st.fixed_dictionaries({
        "order": maybe(st.integers(1, 5)), "name": maybe(text), "sex": maybe(code("sex")),
        "birth_date": maybe_dates, "policy": maybe(code("child_policy")), "blood": maybe(code("child_blood")),
        "alive": maybe(st.booleans()), "disabled_grade": maybe(code("disabled_grade")),
        "member": maybe(st.sampled_from(keys)),
    }), max_size=3))  # fmt: skip
    return {
        "children": children,
        "contraception": draw(maybe(st.fixed_dictionaries({
            "method": code("contraception_method"), "since": maybe_dates,
            "failure": maybe(code("contraception_failure"))}))),
        "pregnancies": draw(st.lists(st.fixed_dictionaries({
            "lmp": maybe_dates, "edd": maybe_dates, "outcome": maybe(code("pregnancy_outcome")),
            "outcome_date": maybe_dates}), max_size=2)),
        "only_child_certificate": draw(maybe(st.fixed_dictionaries({"number": text, "date": maybe_dates}))),
    }  # fmt: skip


@st.composite
def person(draw: st.DrawFn, key: str, keys: list[str]) -> dict:
    others = [k for k in keys if k != key] or [key]
    hukou = draw(code("hukou_nature"))
    return {
        "key": key, "name": draw(maybe(text)), "id_type": draw(code("id_type")),
        "id_number": draw(maybe(st.from_regex(r"\A[0-9]{17}[0-9X]\Z"))), "sex": draw(maybe(code("sex"))),
        "birth_date": draw(maybe_dates), "relation": draw(maybe(code("relation"))),
        "ethnicity": draw(maybe(code("ethnicity"))), "hukou_nature": hukou,
        "rural": draw(st.booleans()) if hukou in ("3", "9") else hukou == "2",
        "education": draw(maybe(code("education"))), "political_status": draw(maybe(code("political_status"))),
        "occupation": draw(maybe(text)), "marital_status": draw(maybe(code("marital_status"))),
        "first_marriage_date": draw(maybe_dates), "marriage_change_date": draw(maybe_dates),
        "spouse": draw(maybe(st.sampled_from(others))), "mother": draw(maybe(st.sampled_from(others))),
        "father": draw(maybe(st.sampled_from(others))),
        "spouse_external": draw(maybe(st.fixed_dictionaries({"name": text, "id_number": maybe(text),
                                                               "registered_place_code": maybe(st.just("430426"))}))),
        "residence_status": draw(maybe(code("residence_status"))), "mgmt": draw(maybe(code("mgmt"))),
        "registered_place_code": draw(maybe(st.sampled_from(["430426", "430426101", "430426101201"]))),
        "flow": draw(maybe(st.fixed_dictionaries({"type": code("flow_type"), "since": maybe_dates,
                                                   "place_code": maybe(st.just("440300")), "place": maybe(text),
                                                   "reason": maybe(text)}))),
        "moved_in": draw(maybe(st.fixed_dictionaries({"date": dates, "from_code": maybe(st.just("430421")),
                                                       "reason": maybe(text)}))),
        "death_date": draw(maybe_dates),
        "cancel": draw(maybe(st.fixed_dictionaries({"reason": code("cancel_reason"), "date": maybe_dates}))),
        "benefits": draw(st.lists(st.fixed_dictionaries({"kind": code("benefit_kind"),
                                                         "since": maybe(st.integers(2004, 2026))}), max_size=2)),
        "confirmations": draw(st.lists(st.fixed_dictionaries({
            "rule": st.sampled_from(["MAR2", "DUP2"]), "fields": st.lists(st.sampled_from(["name", "birth_date"]),
                                                                          max_size=2),
            "reason": text, "by": text, "at": st.just("2026-10-01T10:00:00")}), max_size=1)),
        "woman": draw(maybe(woman_block(keys))),
    }  # fmt: skip


@st.composite
def household_file(draw: st.DrawFn) -> list[dict]:
    lines = list(UNITS)
    count = draw(st.integers(1, 4))
    all_keys = [[f"h{h}-{m}" for m in range(draw(st.integers(1, 4)))] for h in range(count)]
    flat = [k for keys in all_keys for k in keys]
    for h, keys in enumerate(all_keys):
        code_ = f"{VILLAGE}01{h + 1:04d}"
        lines.append({
            "household": {"code": code_, "unit": VILLAGE, "group": "01", "address": draw(maybe(text)),
                          "hukou_type": draw(maybe(code("hukou_nature"))), "kind": draw(code("household_kind")),
                          "status": draw(code("household_status")), "closed_date": draw(maybe_dates),
                          "phone": draw(maybe(st.just("0734-1234567")))},
            "members": [draw(person(k, flat)) for k in keys],
        })  # fmt: skip
    return lines
