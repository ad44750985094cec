"""Serialisation of generated households to interchange payloads (`docs/spec/interchange.md` §1)."""

from __future__ import annotations

from typing import Any

from store.demo.model import Household, Person, WomanRecord
from store.demo.util import iso


def _flow_dict(flow: dict[str, Any] | None) -> dict[str, Any] | None:
    if flow is None:
        return None
    return {
        "type": flow["type"],
        "since": iso(flow["since"]),
        "place_code": flow["place_code"],
        "place": flow["place"],
        "reason": flow["reason"],
    }


def _woman_dict(w: WomanRecord | None) -> dict[str, Any] | None:
    if w is None:
        return None
    return {
        "children": [
            {
                "order": c.order,
                "name": c.name,
                "sex": c.sex,
                "birth_date": iso(c.birth),
                "policy": c.policy,
                "blood": c.blood,
                "alive": c.alive,
                "disabled_grade": c.disabled,
                "member": c.member.key if c.member is not None else None,
            }
            for c in w.children
        ],
        "contraception": (
            {"method": w.method, "since": iso(w.since), "failure": w.failure} if w.has_contraception else None
        ),
        "pregnancies": [
            {"lmp": iso(g.lmp), "edd": iso(g.edd), "outcome": g.outcome, "outcome_date": iso(g.outcome_date)}
            for g in w.pregnancies
        ],
        "only_child_certificate": {"number": w.cert[0], "date": iso(w.cert[1])} if w.cert else None,
    }


def _member_dict(p: Person) -> dict[str, Any]:
    """The interchange member object, every key of §1 present."""
    moved = p.moved_in
    return {
        "key": p.key,
        "name": p.name,
        "id_type": p.id_type,
        "id_number": p.id_number,
        "sex": p.sex,
        "birth_date": iso(p.birth),
        "relation": p.relation,
        "ethnicity": p.ethnicity,
        "hukou_nature": p.hukou,
        "rural": p.rural,
        "education": p.education,
        "political_status": p.political,
        "occupation": p.occupation,
        "marital_status": p.marital,
        "first_marriage_date": iso(p.fm),
        "marriage_change_date": iso(p.mc),
        "spouse": p.spouse.key if p.spouse is not None else None,
        "mother": p.mother.key if p.mother is not None else None,
        "father": p.father.key if p.father is not None else None,
        "residence_status": p.residence,
        "mgmt": p.mgmt,
        "registered_place_code": p.reg_place,
        "death_date": iso(p.death),
        "spouse_external": dict(p.spouse_ext) if p.spouse_ext else None,
        "flow": _flow_dict(p.flow),
        "moved_in": (
            {"date": iso(moved["date"]), "from_code": moved["from_code"], "reason": moved["reason"]} if moved else None
        ),
        "cancel": {"reason": p.cancel[0], "date": iso(p.cancel[1])} if p.cancel else None,
        "benefits": [{"kind": k, "since": y} for k, y in p.benefits],
        "confirmations": [],
        "woman": _woman_dict(p.woman),
    }


def household_dict(hh: Household) -> dict[str, Any]:
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
            "closed_date": iso(hh.closed_date),
            "phone": hh.phone,
        },
        "members": [_member_dict(p) for p in hh.members],
    }
