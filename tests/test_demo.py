"""Tests for store.demo: determinism, size, structure, a clean county, planted faults.

`audit()` below is a small checker of the docs/spec/rules.md catalogue written independently of the generator (it
reads only the JSONL lines); the real audit engine lives in `checks/`.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import date, timedelta
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from store.codes import RELATION_SEX, TABLES
from store.demo import RULE_CODES, entry_lag, generate, to_jsonl_lines, write_manifest
from store.interchange import PERSON_KEYS, parse_object
from store.regions import is_known_region

AS_OF = date(2026, 11, 15)
Finding = tuple[str, str, str | None]  # rule, household code, person key (None: household)

E_RULES = frozenset(
    [
        "ID01",
        "ID02",
        "ID03",
        "ID04",
        "ID05",
        "DUP1",
        "REQ1",
        "REQ2",
        "REQ3",
        "REQ4",
        "REQ5",
        "REQ6",
        "REQ8",
        "MAR1",
        "MAR3",
        "MAR5",
        "MAR6",
        "MAR7",
        "MAR8",
        "CH01",
        "CH02",
        "CH03",
        "CH05",
        "CON1",
        "CON4",
        "PRG1",
        "PRG4",
        "PRG5",
        "PRG6",
        "DTH1",
        "DTH2",
        "DTH3",
        "DAT1",
        "HH01",
        "HH02",
        "HH04",
        "FLW1",
        "FLW3",
        "FLW4",
    ]
)
# Unavoidable companions of a planted fault in its household (the docs/spec/rules.md suppressions do not cover
# them): a first marriage before birth is also below the legal age; a birth before 12 is also before 15
# and before the marriage; a spouse link that is not returned leaves the other spouse without a link; a
# duplicate infant record has no ID.
COMPANIONS = {"MAR1": {"MAR2"}, "CH05": {"CH04", "CH06"}, "MAR6": {"MAR4"}, "DUP2": {"REQ7"}}


# --- small date and ID helpers (independent of store.demo) -----------------------------------------


def d(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def plus_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1)


def age(birth: date, at: date) -> int:
    return at.year - birth.year - ((at.month, at.day) < (birth.month, birth.day))


def check_digit(first17: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return "10X98765432"[sum(int(c) * w for c, w in zip(first17, weights, strict=True)) % 11]


def id_findings(number: str, birth: date | None, sex: str | None, as_of: date) -> list[str]:
    """ID01–ID07 for one type-1 number (suppressions applied)."""
    if set(number) <= {"0"} or (len(number) == 18 and number.startswith("000000") and number.endswith("0000")):
        return []
    out = []
    if len(number) == 15 and number.isdigit():
        out.append("ID07")
        first17 = number[:6] + "19" + number[6:]
        number = first17 + check_digit(first17)
    elif not (len(number) == 18 and number[:17].isdigit() and number[17] in "0123456789X"):
        return ["ID01"]
    elif check_digit(number[:17]) != number[17]:
        out.append("ID02")
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        born = None
    if born is None or born < date(1890, 1, 1) or born > as_of:
        out.append("ID03")
    elif birth is not None and born != birth:
        out.append("ID04")
    if sex in ("1", "2") and ("1" if int(number[16]) % 2 else "2") != sex:
        out.append("ID05")
    if not is_known_region(number[:6]):
        out.append("ID06")
    return out


def canonical(number: str | None) -> str | None:
    if not number or set(number) <= {"0"}:
        return None
    if len(number) == 15 and number.isdigit():
        first17 = number[:6] + "19" + number[6:]
        return first17 + check_digit(first17)
    if len(number) == 18 and number[:17].isdigit():
        return number
    return None


def valid_id(number: str | None, as_of: date) -> bool:
    return bool(number) and not {"ID01", "ID02", "ID03"} & set(id_findings(number, None, None, as_of))


# --- the checker --------------------------------------------------------------------------------------

MARRIED = {"20", "21", "22", "23"}
EVER = MARRIED | {"30", "40"}
CHILD = set(["20", "21", "22", "23", "24", "25", "26", "29", "30", "31", "32", "33", "34", "35", "36", "39"])
GRANDCHILD = set(["40", "41", "42", "43", "44", "47", "48", "49"])


def deliveries(kids: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Live births grouped into deliveries (at most one day apart), in date order."""
    out: list[list[dict[str, Any]]] = []
    for c in sorted(kids, key=lambda c: (c["birth_date"], c["order"] or 0)):
        if out and (d(c["birth_date"]) - d(out[-1][-1]["birth_date"])).days <= 1:
            out[-1].append(c)
        else:
            out.append([c])
    return out


class Audit:
    """Findings of the catalogue over parsed JSONL lines."""

    def __init__(self, households: list[dict[str, Any]], as_of: date) -> None:
        self.as_of = as_of
        self.households = households
        self.person: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
        for h in households:
            for m in h["members"]:
                self.person[m["key"]] = (h["household"], m)
        self.found: set[Finding] = set()

    def add(self, rule: str, hh: dict[str, Any], key: str | None) -> None:
        self.found.add((rule, hh["code"], key))

    def run(self) -> set[Finding]:
        children_of: dict[str, list[str]] = defaultdict(list)
        for _, m in self.person.values():
            if m["mother"]:
                children_of[m["mother"]].append(m["key"])
        for h in self.households:
            hh = h["household"]
            self.household(hh, h["members"])
            for m in h["members"]:
                if m["cancel"] is None:
                    self.active_person(hh, m, children_of.get(m["key"], []))
                self.death_rules(hh, m)
        self.duplicates()
        return self.found

    # household and relation rules
    def household(self, hh: dict[str, Any], members: list[dict[str, Any]]) -> None:
        active = [m for m in members if m["cancel"] is None]
        if not active and hh["status"] != "closed":
            self.add("HH05", hh, None)
        if hh["kind"] == "family" and hh["status"] == "active":
            heads = [m for m in active if m["relation"] == "02"]
            if len(heads) != 1:
                self.add("HH01", hh, None)
            elif hh["kind"] == "family":
                self.relation_ages(hh, heads[0], active)
        spouses = [m for m in active if m["relation"] in ("10", "11", "12")]
        if len(spouses) > 1:
            for m in spouses:
                self.add("HH04", hh, m["key"])

    def relation_ages(self, hh: dict[str, Any], head: dict[str, Any], active: list[dict[str, Any]]) -> None:
        hb = d(head["birth_date"])
        for m in active:
            b, rel = d(m["birth_date"]), m["relation"]
            if b is None or hb is None:
                continue
            if rel in ("51", "52") and (b > hb or age(b, hb) < 15):
                self.add("HH03", hh, m["key"])
            if rel in CHILD and (b < hb or age(hb, b) < 15):
                self.add("HH03", hh, m["key"])
            if rel in GRANDCHILD and (b < hb or age(hb, b) < 30):
                self.add("HH03", hh, m["key"])

    # person rules
    def active_person(self, hh: dict[str, Any], m: dict[str, Any], kids: list[str]) -> None:
        as_of, key = self.as_of, m["key"]
        birth, sex, status = d(m["birth_date"]), m["sex"], m["marital_status"]
        years = age(birth, as_of) if birth else None
        if m["id_type"] == "1" and m["id_number"]:
            for rule in id_findings(m["id_number"], birth, sex, as_of):
                self.add(rule, hh, key)
        empty = [m["name"], birth, m["ethnicity"], m["hukou_nature"], m["relation"]]
        if any(v in (None, "") for v in empty) or sex in (None, "0", "9"):
            self.add("REQ1", hh, key)
        if not m["id_number"]:
            self.add("REQ7" if years is not None and years < 1 else "REQ1", hh, key)
        if years is not None and years >= 15 and status in (None, "90"):
            self.add("REQ2", hh, key)
        fm, mc = d(m["first_marriage_date"]), d(m["marriage_change_date"])
        if status in EVER and years is not None and years >= 15 and fm is None:
            self.add("REQ3", hh, key)
        if status in ("22", "23", "30", "40") and mc is None:
            self.add("REQ4", hh, key)
        self.marriage(hh, m, birth, fm, mc)
        self.dates(hh, m, birth, years)
        self.flow(hh, m)
        self.relation_sex(hh, m)
        self.benefits(hh, m)
        if m["woman"] is not None:
            self.woman(hh, m, kids)
        elif sex == "2" and status in MARRIED and years is not None and 15 <= years <= 49:
            self.add("REQ8", hh, key)

    def relation_sex(self, hh: dict[str, Any], m: dict[str, Any]) -> None:
        implied = RELATION_SEX.get(m["relation"] or "")
        if implied and m["sex"] in ("1", "2") and implied != m["sex"]:
            self.add("HH02", hh, m["key"])

    def marriage(self, hh: dict[str, Any], m: dict[str, Any], birth: date, fm: date | None, mc: date | None) -> None:
        key, status, sex = m["key"], m["marital_status"], m["sex"]
        if fm and birth and fm < birth:
            self.add("MAR1", hh, key)
        if fm and birth and sex in ("1", "2"):
            minimum = (18 if sex == "2" else 20) if fm < date(1981, 1, 1) else (20 if sex == "2" else 22)
            if age(birth, fm) < minimum or fm < birth:
                self.add("MAR2", hh, key)
        if (status == "10" and (fm or mc or m["spouse"])) or (status in ("30", "40") and m["spouse"]):
            self.add("MAR3", hh, key)
        if status in MARRIED and not m["spouse"]:
            self.add("MAR4", hh, key)
        if fm and mc and mc < fm:
            self.add("MAR8", hh, key)
        if not m["spouse"]:
            return
        other_hh, s = self.person[m["spouse"]]
        if sex in ("1", "2") and s["sex"] == sex:
            self.add("MAR5", hh, key)
            self.add("MAR5", other_hh, s["key"])
        if s["spouse"] != key or s["marital_status"] not in MARRIED:
            self.add("MAR6", hh, key)
        if s["cancel"] is None and other_hh["code"] != hh["code"] and other_hh["code"][:9] == hh["code"][:9]:
            self.add("MAR7", hh, key)
            self.add("MAR7", other_hh, s["key"])
        both = status == "21" and s["marital_status"] == "21" and s["spouse"] == key
        if both and fm and s["first_marriage_date"] and m["first_marriage_date"] != s["first_marriage_date"]:
            self.add("MAR9", hh, key)
            self.add("MAR9", other_hh, s["key"])

    def events(self, m: dict[str, Any]) -> list[date]:
        """Dated life events of DTH2/DAT1 (birth excluded)."""
        out = [m["first_marriage_date"], m["marriage_change_date"]]
        out += [(m["moved_in"] or {}).get("date"), (m["flow"] or {}).get("since")]
        w = m["woman"]
        if w:
            out.append((w["contraception"] or {}).get("since"))
            for g in w["pregnancies"]:
                out += [g["lmp"], g["outcome_date"]]
        return [d(x) for x in out if x]

    def dates(self, hh: dict[str, Any], m: dict[str, Any], birth: date | None, years: int | None) -> None:
        key = m["key"]
        if m["death_date"]:
            self.add("DTH1", hh, key)
        future = [x for x in [birth, *self.events(m)] if x and x > self.as_of]
        if future:
            self.add("DAT1", hh, key)
        if years is not None and years > 110:
            self.add("DAT2", hh, key)

    def death_rules(self, hh: dict[str, Any], m: dict[str, Any]) -> None:
        death, birth = d(m["death_date"]), d(m["birth_date"])
        if death and ((birth and death < birth) or any(x > death for x in self.events(m))):
            self.add("DTH2", hh, m["key"])
        if m["cancel"] and m["cancel"]["reason"] == "01" and not death:
            self.add("DTH3", hh, m["key"])

    def flow(self, hh: dict[str, Any], m: dict[str, Any]) -> None:
        key, flow, mgmt, reg = m["key"], m["flow"], m["mgmt"], m["registered_place_code"]
        county = hh["code"][:6]
        kind = flow["type"] if flow else None
        if (kind == "inflow" and (reg or "")[:6] == county) or (kind == "outflow" and flow["place_code"] == county):
            self.add("FLW1", hh, key)
        if flow and flow["since"] and d(flow["since"]) > self.three_months_ago():
            self.add("FLW2", hh, key)
        if kind == "outflow" and not (flow["place_code"] and flow["since"]):
            self.add("FLW3", hh, key)
        if kind == "inflow" and not (reg and flow["since"]):
            self.add("FLW3", hh, key)
        wrong = (mgmt == "02" and kind != "inflow") or (mgmt == "03" and kind != "outflow")
        if wrong or (mgmt == "01" and flow) or (kind == "inflow" and flow["place_code"] != (reg or "")[:6]):
            self.add("FLW4", hh, key)

    def three_months_ago(self) -> date:
        y, mo = divmod(self.as_of.year * 12 + self.as_of.month - 1 - 3, 12)
        day = self.as_of.day
        while True:
            try:
                return date(y, mo + 1, day)
            except ValueError:
                day -= 1

    def history(self, m: dict[str, Any]) -> list[dict[str, Any]] | None:
        if m["sex"] == "2":
            return m["woman"]["children"] if m["woman"] else None
        if not m["spouse"]:
            return None
        wife = self.person[m["spouse"]][1]
        return wife["woman"]["children"] if wife["woman"] else None

    def benefits(self, hh: dict[str, Any], m: dict[str, Any]) -> None:
        kinds = {b["kind"]: b["since"] for b in m["benefits"]}
        birth = d(m["birth_date"])
        kids = self.history(m) or []
        living = [c for c in kids if c["alive"] and c["blood"] == "1"]
        if "reward" in kinds:
            ok = (
                kinds["reward"] - birth.year >= 60
                and birth >= date(1933, 1, 1)
                and m["rural"]
                and (len(living) == 1 or (len(living) == 2 and all(c["sex"] == "2" for c in living))
                     or (kids and not living))
            )  # fmt: skip
            if not ok:
                self.add("BEN1", hh, m["key"])
        if "special" in kinds:
            wife = m if m["sex"] == "2" else (self.person[m["spouse"]][1] if m["spouse"] else None)
            old = wife is not None and kinds["special"] - d(wife["birth_date"]).year >= 49
            one = len(kids) == 1 and (not kids[0]["alive"] or kids[0]["disabled_grade"] in ("1", "2", "3"))
            if not (old and one):
                self.add("BEN2", hh, m["key"])
        if len(kinds) == 2:
            self.add("BEN3", hh, m["key"])

    def woman(self, hh: dict[str, Any], m: dict[str, Any], kids_linked: list[str]) -> None:
        key, as_of, w = m["key"], self.as_of, m["woman"]
        birth, sex = d(m["birth_date"]), m["sex"]
        years = age(birth, as_of)
        con = w["contraception"] or {}
        method, since = con.get("method"), d(con.get("since"))
        if sex == "1" and method in ("02", "03", "04", "05", "06"):
            self.add("CON1", hh, key)
        if sex == "1" and w["pregnancies"]:
            self.add("PRG1", hh, key)
        if sex != "2":
            return
        if m["marital_status"] in MARRIED and 15 <= years <= 49 and not method:
            self.add("REQ8", hh, key)
        if method and method != "00" and since is None:
            self.add("REQ6", hh, key)
        if method in [f"0{i}" for i in range(1, 10)] and m["marital_status"] == "10":
            self.add("CON2", hh, key)
        if method in [f"0{i}" for i in range(3, 10)] and years >= 50:
            self.add("CON2", hh, key)
        if method not in (None, "00", "01") and since and since < plus_years(birth, 15):
            self.add("CON4", hh, key)
        living = [c for c in w["children"] if c["blood"] == "1" and c["alive"]]
        if w["only_child_certificate"] and len(living) > 1:
            self.add("CRT1", hh, key)
        self.children(hh, m, kids_linked, method, since, con.get("failure"))
        self.pregnancies(hh, m, method, con.get("failure"))

    def children(self, hh: dict[str, Any], m: dict[str, Any], linked: list[str], method: str | None,
                 since: date | None, failure: str | None) -> None:  # fmt: skip
        key, kids = m["key"], m["woman"]["children"]
        birth, fm = d(m["birth_date"]), d(m["first_marriage_date"])
        if any(not (c["name"] and c["sex"] and c["birth_date"] and c["order"] and c["policy"] and c["blood"])
               for c in kids):  # fmt: skip
            self.add("REQ5", hh, key)
        members = {c["member"] for c in kids if c["member"]}
        if any(k not in members for k in linked):
            self.add("CH01", hh, key)
        for c in kids:
            if not c["member"]:
                continue
            child = self.person[c["member"]][1]
            dead = child["death_date"] is not None
            if c["blood"] == "1" and child["mother"] != key:
                self.add("CH01", hh, key)
            if child["sex"] != c["sex"] or child["birth_date"] != c["birth_date"] or dead == c["alive"]:
                self.add("CH01", hh, key)
        live = [c for c in kids if c["blood"] == "1" and c["birth_date"]]
        groups = deliveries(live)
        orders = [c["order"] for g in groups for c in sorted(g, key=lambda c: c["order"] or 0)]
        if orders != list(range(1, len(live) + 1)):
            self.add("CH02", hh, key)
        for a, b in pairwise(groups):
            if (d(b[0]["birth_date"]) - d(a[-1]["birth_date"])).days < 180:
                self.add("CH03", hh, key)
        for g in groups:
            born = d(g[0]["birth_date"])
            if age(birth, born) < 15 or age(birth, born) > 49:
                self.add("CH04", hh, key)
            if born < plus_years(birth, 12):
                self.add("CH05", hh, key)
            if fm and born < fm:
                self.add("CH06", hh, key)
                continue
            if method in ("01", "02") and since and born > since and not failure:
                self.add("CON5", hh, key)
            low = min(c["order"] or 99 for c in g)
            for c in g:
                three = born >= date(2021, 5, 31)
                if c["policy"] == "1" and low >= (4 if three else 3):
                    self.add("CH07", hh, key)
                if c["policy"] == "2" and born >= date(2016, 1, 1) and low <= (3 if three else 2):
                    self.add("CH07", hh, key)

    def pregnancies(self, hh: dict[str, Any], m: dict[str, Any], method: str | None, failure: str | None) -> None:
        key, birth = m["key"], d(m["birth_date"])
        live = [d(c["birth_date"]) for c in m["woman"]["children"] if c["blood"] == "1" and c["birth_date"]]
        open_ = 0
        for g in m["woman"]["pregnancies"]:
            lmp, edd, end = d(g["lmp"]), d(g["edd"]), d(g["outcome_date"])
            if lmp and not 10 <= age(birth, lmp) <= 55:
                self.add("PRG1", hh, key)
            if g["outcome"] is None:
                open_ += 1
                if lmp and (self.as_of - lmp).days > 300:
                    self.add("PRG2", hh, key)
                if method in ("01", "02", "03", "04") and not failure:
                    self.add("CON3", hh, key)
            if lmp and edd and abs((edd - lmp).days - 280) > 14:
                self.add("PRG3", hh, key)
            if lmp and end and end < lmp:
                self.add("PRG4", hh, key)
            if g["outcome"] == "1" and end and not any(abs((b - end).days) <= 30 for b in live):
                self.add("PRG5", hh, key)
        if open_ > 1:
            self.add("PRG6", hh, key)

    def duplicates(self) -> None:
        by_id: dict[str, list[tuple[dict[str, Any], dict[str, Any]]]] = defaultdict(list)
        by_person: dict[tuple[Any, ...], list[tuple[dict[str, Any], dict[str, Any]]]] = defaultdict(list)
        for hh, m in self.person.values():
            if m["cancel"] is not None:
                continue
            number = canonical(m["id_number"]) if m["id_type"] == "1" else None
            if number:
                by_id[number].append((hh, m))
            by_person[(hh["code"][:9], m["name"], m["sex"], m["birth_date"])].append((hh, m))
        dup1 = set()
        for group in by_id.values():
            for hh, m in group if len(group) > 1 else ():
                self.add("DUP1", hh, m["key"])
                dup1.add(m["key"])
        for group in by_person.values():
            for i, (ha, a) in enumerate(group):
                for hb, b in group[i + 1 :]:
                    both_valid = valid_id(a["id_number"], self.as_of) and valid_id(b["id_number"], self.as_of)
                    different = canonical(a["id_number"]) != canonical(b["id_number"])
                    twins = a["mother"] is not None and a["mother"] == b["mother"]
                    if (both_valid and different) or twins or {a["key"], b["key"]} <= dup1:
                        continue
                    self.add("DUP2", ha, a["key"])
                    self.add("DUP2", hb, b["key"])


def audit(households: list[dict[str, Any]], as_of: date = AS_OF) -> set[Finding]:
    return Audit(households, as_of).run()


# --- fixtures -----------------------------------------------------------------------------------------


@cache
def county_lines(persons: int, seed: int, error_rate: float) -> tuple[list[str], dict[str, Any]]:
    county = generate(persons, seed=seed, error_rate=error_rate, as_of=AS_OF)
    lines = list(to_jsonl_lines(county))
    return lines, county.manifest


def households_of(lines: list[str]) -> list[dict[str, Any]]:
    return [obj for obj in map(json.loads, lines) if "household" in obj]


# --- tests --------------------------------------------------------------------------------------------


def test_same_seed_same_lines() -> None:
    a = list(to_jsonl_lines(generate(600, seed=7, error_rate=0.05, as_of=AS_OF)))
    b = list(to_jsonl_lines(generate(600, seed=7, error_rate=0.05, as_of=AS_OF)))
    c = list(to_jsonl_lines(generate(600, seed=8, error_rate=0.05, as_of=AS_OF)))
    assert a == b
    assert a != c


@pytest.mark.parametrize("persons", [500, 3000, 25_000])
def test_size_and_units(persons: int) -> None:
    county = generate(persons, seed=3, as_of=AS_OF)
    n = sum(len(h["members"]) for h in county.households)
    assert abs(n - persons) <= 0.05 * persons
    levels = Counter(u["level"] for u in county.units)
    assert levels["county"] == 1
    assert levels["township"] == (1 if persons <= 20_000 else 2)
    assert 3 * levels["township"] <= levels["village"] <= 14 * levels["township"]
    assert county.manifest["generated"]["persons"] == n


def test_every_line_is_structurally_valid() -> None:
    lines, _ = county_lines(3000, 1, 0.05)
    units: dict[str, dict[str, Any]] = {}
    keys: set[str] = set()
    refs: list[str] = []
    codes: set[str] = set()
    seen_household = False
    for no, line in enumerate(lines, start=1):
        obj = json.loads(line)
        parsed = parse_object(obj, no)  # raises LineError on a structural error
        assert not parsed.unknown_keys, parsed.unknown_keys
        if parsed.unit:
            assert not seen_household, "unit lines come first"
            assert parsed.unit["parent"] is None or parsed.unit["parent"] in units
            units[parsed.unit["code"]] = parsed.unit
            continue
        seen_household = True
        hh = obj["household"]
        assert hh["unit"] in units and units[hh["unit"]]["level"] == "village"
        assert hh["code"] == hh["unit"] + hh["group"] + hh["code"][14:] and len(hh["code"]) == 18
        assert hh["code"] not in codes
        codes.add(hh["code"])
        for m in obj["members"]:
            assert set(m) == set(PERSON_KEYS)
            assert m["key"] not in keys
            keys.add(m["key"])
            for name, table in (("relation", "relation"), ("ethnicity", "ethnicity"), ("mgmt", "mgmt"),
                                ("hukou_nature", "hukou_nature"), ("residence_status", "residence_status")):  # fmt: skip
                assert m[name] is None or TABLES[table].is_valid(m[name])
            refs += [m[k] for k in ("spouse", "mother", "father") if m[k]]
            if m["woman"]:
                refs += [c["member"] for c in m["woman"]["children"] if c["member"]]
    assert set(refs) <= keys


def test_clean_township_has_no_errors() -> None:
    lines, manifest = county_lines(3000, 1, 0.0)
    found = audit(households_of(lines))
    errors = sorted(f for f in found if f[0] in E_RULES)
    assert errors == []
    warnings = Counter(f[0] for f in found)
    # legitimate warnings stay rare: infants without ID, flows of the last three months
    assert set(warnings) <= {"REQ7", "FLW2"}
    assert sum(warnings.values()) <= 0.01 * 3000
    assert manifest["faults"] == {}


def test_clean_county_large_sample_has_no_errors() -> None:
    county = generate(25_000, seed=11, as_of=AS_OF)
    found = audit(list(county.households))
    assert sorted(f for f in found if f[0] in E_RULES) == []


def test_every_rule_is_planted() -> None:
    _, manifest = county_lines(3000, 1, 0.05)
    assert set(manifest["faults"]) == set(RULE_CODES)
    assert manifest["unplanted"] == []
    assert sum(len({r["household_code"] for r in v}) for v in manifest["faults"].values()) >= 0.045 * 3000


def test_planted_faults_are_found_and_alone() -> None:
    clean = audit(households_of(county_lines(3000, 1, 0.0)[0]))
    lines, manifest = county_lines(3000, 1, 0.05)
    found = audit(households_of(lines))
    new = found - clean
    expected = {(rule, r["household_code"], r["person_key"]) for rule, rs in manifest["faults"].items() for r in rs}
    assert expected <= found, sorted(expected - found)[:10]
    companions = {(c, hh) for rule, hh, _ in expected for c in COMPANIONS.get(rule, ())}
    extra = {f for f in new - expected if (f[0], f[1]) not in companions}
    assert sorted(extra) == []
    # each planted fault sits on a household that carries no other planted fault
    per_household = Counter(r["household_code"] for rs in manifest["faults"].values() for r in rs)
    pairs = {"DUP1", "DUP2", "MAR5", "MAR9", "HH04"}
    for rule, rs in manifest["faults"].items():
        for r in rs:
            assert per_household[r["household_code"]] == (2 if rule in pairs else 1), (rule, r)


def test_faults_spread_over_villages() -> None:
    _, manifest = county_lines(3000, 1, 0.05)
    villages = Counter(r["household_code"][:12] for rs in manifest["faults"].values() for r in rs)
    assert len(villages) >= 3
    assert max(villages.values()) <= 3 * min(villages.values())


def test_events_every_month() -> None:
    lines, _ = county_lines(3000, 1, 0.0)
    months: dict[str, set[str]] = defaultdict(set)
    for h in households_of(lines):
        for m in h["members"]:
            if m["birth_date"]:
                months["birth"].add(m["birth_date"][:7])
            if m["death_date"]:
                months["death"].add(m["death_date"][:7])
            if m["woman"] and m["woman"]["contraception"] and m["woman"]["contraception"]["since"]:
                months["method"].add(m["woman"]["contraception"]["since"][:7])
            if m["flow"]:
                months["flow"].add(m["flow"]["since"][:7])
    last24 = {
        f"{(AS_OF.year * 12 + AS_OF.month - 1 - i) // 12}-{(AS_OF.month - 1 - i) % 12 + 1:02d}" for i in range(24)
    }
    for kind in ("birth", "death", "method", "flow"):
        assert len(last24 & months[kind]) >= 16, kind


def test_entry_times() -> None:
    county = generate(100, seed=5, as_of=AS_OF)
    late = 0
    start = date(2025, 1, 1)
    for i in range(600):
        day = start + timedelta(days=i)
        entered = county.entry_time("birth", day)
        assert entered == county.entry_time("birth", day)
        assert day <= entered.date() <= AS_OF
        deadline = date(day.year + day.month // 12, day.month % 12 + 1, 5)
        late += entered.date() > deadline
    assert 0.01 * 600 <= late <= 0.1 * 600
    assert entry_lag(5, "birth", date(2026, 11, 14), AS_OF).date() == AS_OF


def test_write_manifest(tmp_path: Path) -> None:
    lines, manifest = county_lines(3000, 1, 0.05)
    path = tmp_path / "m.json"
    write_manifest(manifest, path)
    back = json.loads(path.read_text(encoding="utf-8"))
    assert back["seed"] == 1 and back["as_of"] == AS_OF.isoformat() and back["faults"] == manifest["faults"]
    assert "祁东县" in lines[0] and '"faults"' in path.read_text(encoding="utf-8")
