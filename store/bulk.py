"""The one write path for household records: import, demo data and the entry forms all go through it.

A :class:`BulkWriter` works inside the caller's transaction. It inserts new households and persons,
updates changed ones (bumping their version), leaves unchanged ones alone (so a re-import is a no-op),
keeps the contraception history, the pinyin name keys and the change events, and resolves the person
links (spouse, mother, father, child → member) once every person of the batch exists.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from store import db
from store.domain.months import counting_month
from store.events import derive_events, derive_lines
from store.months import active_closes, months_closed_for
from store.pinyin import name_initials
from store.records import HOUSEHOLD_COLUMNS, PERSON_COLUMNS, household_values, person_values

EntryTime = Callable[[str, dt.date], dt.datetime]

_LINKS = ("spouse", "mother", "father")
_CHILD_KEYS = ("order", "name", "sex", "birth_date", "policy", "blood", "alive", "disabled_grade")


def _public(value: Any) -> Any:
    """A record without internal (underscore) keys, for comparisons."""
    if isinstance(value, dict):
        return {k: _public(v) for k, v in value.items() if not k.startswith("_")}
    if isinstance(value, list):
        return [_public(v) for v in value]
    return value


def _insert_sql(table: str, columns: Sequence[str]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


class BulkWriter:
    """Writes household records inside one transaction (`client`)."""

    def __init__(
        self,
        client: BaseDBAsyncClient,
        *,
        operator: str,
        source: str,
        now: dt.datetime | None = None,
        entry_time: EntryTime | None = None,
    ) -> None:
        self.client = client
        self.operator = operator
        self.source = source
        self.now = now or dt.datetime.now().replace(microsecond=0)
        self.entry_time = entry_time
        self.key_ids: dict[str, int] = {}
        self.stored_keys: set[str] = set()
        self._links: list[tuple[int, str | None, str | None, str | None]] = []
        self._children: list[tuple[Any, ...]] = []  # child row values with the member's key last
        self._events: list[tuple[Any, ...]] = []
        self._initials_cache: dict[str, list[str]] = {}
        self.counts = {"households_new": 0, "households_changed": 0, "persons_new": 0, "persons_changed": 0}
        self._table_was_empty: bool | None = None
        #: (unit, month) closed when this write began, and the closed months per village (`store.months`)
        self._closes: list[tuple[str, str]] | None = None
        self._closed_by_village: dict[str, frozenset[str]] = {}
        #: keep the former contraception method as a closed row; False when the caller keeps the histories
        #: itself (`store.histories.feed`, the service's saves)
        self.keep_contraception = True
        #: tables a household file of format version 2 or later carries itself (`store.interchange_tables`): no
        #: rows derived for them
        self.file_tables: frozenset[str] = frozenset()

    # --- ids --------------------------------------------------------------------------------------

    async def prepare_keys(self, keys: Iterable[str]) -> None:
        """Look up the ids of existing persons and allocate ids for new ones."""
        if self._table_was_empty is None:
            self._table_was_empty = not await db.scalar("SELECT 1 FROM person LIMIT 1", (), self.client)
        wanted = [k for k in dict.fromkeys(keys) if k not in self.key_ids]
        # Every person written in this transaction is in key_ids: on a table that was empty, the rest are new.
        for start in range(0, 0 if self._table_was_empty else len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for row in await db.fetch(f"SELECT key, id FROM person WHERE key IN ({marks})", chunk, self.client):
                self.key_ids[row[0]] = row[1]
                self.stored_keys.add(row[0])
        missing = [k for k in wanted if k not in self.key_ids]
        for key, new_id in zip(missing, await self._allocate(len(missing)), strict=True):
            self.key_ids[key] = new_id

    async def _allocate(self, count: int) -> list[int]:
        if count == 0:
            return []
        if db.dialect(self.client) == "postgres":
            rows = await db.fetch(
                "SELECT nextval(pg_get_serial_sequence('person', 'id')) FROM generate_series(1, ?)",
                [count],
                self.client,
            )
            return [int(r[0]) for r in rows]
        top = await db.scalar("SELECT max(id) FROM person", (), self.client) or 0
        top = max(top, max(self.key_ids.values(), default=0))
        return list(range(top + 1, top + 1 + count))

    # --- writing ----------------------------------------------------------------------------------

    async def write(self, records: Sequence[dict[str, Any]], existing: dict[str, dict[str, Any]]) -> None:
        """Write household records; `existing` maps person key → stored person record (if any)
        and household code → stored household record."""
        await self.prepare_keys(p["key"] for r in records for p in r["members"])
        if self._closes is None:
            self._closes = await active_closes(self.client)
        new_households, changed_households = [], []
        for record in records:
            household = record["household"]
            old = existing.get(household["code"])
            if old is None:
                new_households.append(household_values(household))
            elif _public(old["household"]) != _public(household):
                changed_households.append((*household_values(household)[1:], household["code"]))
        if new_households:
            await db.execute_many(_insert_sql("household", HOUSEHOLD_COLUMNS), new_households, self.client)
        if changed_households:
            sets = ", ".join(f"{c} = ?" for c in HOUSEHOLD_COLUMNS[1:])
            await db.execute_many(
                f"UPDATE household SET {sets}, version = version + 1 WHERE code = ?", changed_households, self.client
            )
        self.counts["households_new"] += len(new_households)
        self.counts["households_changed"] += len(changed_households)

        bumped = {row[-1] for row in changed_households}
        touched: set[str] = set()  # stored households whose members changed: their version goes up too
        inserts: list[tuple[Any, ...]] = []
        updates: list[tuple[Any, ...]] = []
        rewritten: list[int] = []
        contraception_history: list[tuple[Any, ...]] = []
        for record in records:
            code = record["household"]["code"]
            for seq, person in enumerate(record["members"]):
                pid = self.key_ids[person["key"]]
                old = existing.get("person:" + person["key"])
                values = person_values(person, code, seq)
                if old is None:
                    inserts.append((pid, *values))
                elif _public(old) != _public(person) or old.get("_household") != code or old.get("_seq") != seq:
                    updates.append((*values[1:], pid))
                    rewritten.append(pid)
                    if self.keep_contraception:
                        contraception_history.extend(self._history_row(pid, old, person))
                else:
                    continue
                if code in existing:
                    touched.add(code)
                if old is not None and old.get("_household") not in (None, code):
                    touched.add(old["_household"])
                self._queue_person(pid, old, person, code)
        if inserts:
            await db.execute_many(_insert_sql("person", ("id", *PERSON_COLUMNS)), inserts, self.client)
        if updates:
            sets = ", ".join(f"{c} = ?" for c in PERSON_COLUMNS[1:])
            await db.execute_many(f"UPDATE person SET {sets}, version = version + 1 WHERE id = ?", updates, self.client)
            await self._clear_histories(rewritten)
        touched -= bumped
        if touched:
            await db.execute_many(
                "UPDATE household SET version = version + 1 WHERE code = ?",
                [(c,) for c in sorted(touched)],
                self.client,
            )
        if contraception_history:
            columns = ("woman_id", "method", "since", "failure", "replaced_at")
            await db.execute_many(_insert_sql("contraception_history", columns), contraception_history, self.client)
        await self._write_person_rows(records, {row[0] for row in inserts} | set(rewritten))
        self.counts["persons_new"] += len(inserts)
        self.counts["persons_changed"] += len(updates)
        await self._write_events()

    def _history_row(self, pid: int, old: dict[str, Any], new: dict[str, Any]) -> list[tuple[Any, ...]]:
        if "contraception_history" in self.file_tables:
            return []
        before = (old.get("woman") or {}).get("contraception")
        after = (new.get("woman") or {}).get("contraception")
        if before is None or before == after:
            return []
        return [(pid, before.get("method"), before.get("since"), before.get("failure"), self.now)]

    def _queue_person(self, pid: int, old: dict[str, Any] | None, person: dict[str, Any], code: str) -> None:
        links = tuple(person.get(name) for name in _LINKS)
        if (old is None and any(links)) or (old is not None and links != tuple(old.get(n) for n in _LINKS)):
            self._links.append((pid, *links))
        woman = person.get("woman")
        if woman is not None:
            for seq, child in enumerate(woman.get("children") or ()):
                self._children.append((pid, seq, *(child.get(k) for k in _CHILD_KEYS), child.get("member")))
        if "change_event" in self.file_tables:
            return
        closed = self._closed_months(code[:12])
        if closed:
            lines = derive_lines(old, person, lambda day: f"{day:%Y-%m}" in closed)
        else:  # nothing closed: the plain events (the common case, and every import's hot path)
            lines = [(kind, date, False) for kind, date in derive_events(old, person)]
        for kind, date, correction in lines:
            entered = self.entry_time(kind, date) if self.entry_time else self.now
            month = counting_month(date, entered, closed)
            self._events.append((kind, date, pid, code, entered, self.operator, self.source, month, correction))

    def _closed_months(self, village: str) -> frozenset[str]:
        """The months closed for a village when this write began."""
        found = self._closed_by_village.get(village)
        if found is None:
            found = self._closed_by_village[village] = months_closed_for(village, self._closes or ())
        return found

    async def _clear_histories(self, ids: list[int]) -> None:
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for table, column in (("child", "woman_id"), ("pregnancy", "woman_id"), ("benefit", "person_id"),
                                  ("confirmation", "person_id"), ("name_key", "person_id")):  # fmt: skip
                await db.execute(f"DELETE FROM {table} WHERE {column} IN ({marks})", chunk, self.client)

    async def _write_person_rows(self, records: Sequence[dict[str, Any]], written: set[int]) -> None:
        pregnancies, benefits, confirmations, name_keys = [], [], [], []
        for record in records:
            for person in record["members"]:
                pid = self.key_ids[person["key"]]
                if pid not in written:
                    continue
                for initials in self._initials(person.get("name")):
                    name_keys.append((pid, initials))
                for b in person.get("benefits") or ():
                    benefits.append((pid, b.get("kind"), b.get("since")))
                for c in person.get("confirmations") or ():
                    confirmations.append((pid, c.get("rule") or "", json.dumps(c.get("fields") or [], ensure_ascii=False),
                                          c.get("reason") or "", c.get("by") or "", c.get("at") or "",
                                          c.get("_record_version")))  # fmt: skip
                woman = person.get("woman")
                for seq, g in enumerate((woman or {}).get("pregnancies") or ()):
                    pregnancies.append((pid, seq, g.get("lmp"), g.get("edd"), g.get("outcome"), g.get("outcome_date"),
                                        g.get("reported")))  # fmt: skip
        client = self.client
        await db.execute_many(_insert_sql("name_key", ("person_id", "initials")), name_keys, client)
        await db.execute_many(_insert_sql("benefit", ("person_id", "kind", "since")), benefits, client)
        columns = ("person_id", "rule", "fields_json", "reason", "confirmed_by", "confirmed_at", "record_version")
        await db.execute_many(_insert_sql("confirmation", columns), confirmations, client)
        columns = ("woman_id", "seq", "lmp", "edd", "outcome", "outcome_date", "reported")
        await db.execute_many(_insert_sql("pregnancy", columns), pregnancies, client)

    def _initials(self, name: str | None) -> list[str]:
        if not name:
            return []
        cached = self._initials_cache.get(name)
        if cached is None:
            cached = [i[:40] for i in name_initials(name)]
            if len(self._initials_cache) < 200_000:
                self._initials_cache[name] = cached
        return cached

    async def _write_events(self) -> None:
        """Write the change events queued so far (per batch, so a county import keeps memory bounded)."""
        columns = ("kind", "event_date", "person_id", "household_code", "entered_at", "operator", "source",
                   "report_month", "correction")  # fmt: skip
        await db.execute_many(_insert_sql("change_event", columns), self._events, self.client)
        self.counts["events"] = self.counts.get("events", 0) + len(self._events)
        self._events = []

    async def finish(self) -> None:
        """Resolve the links and insert the childbirth histories, once every person of the import exists."""
        await self._write_events()
        referenced = [k for _, *keys in self._links for k in keys if k]
        referenced += [row[-1] for row in self._children if row[-1]]
        await self.prepare_keys(k for k in referenced if k not in self.key_ids)
        ids = self.key_ids
        link_rows = [(*(ids.get(k) if k else None for k in keys), pid) for pid, *keys in self._links]
        await db.execute_many(
            "UPDATE person SET spouse_id = ?, mother_id = ?, father_id = ? WHERE id = ?", link_rows, self.client
        )
        child_rows = [(*row[:-1], ids.get(row[-1]) if row[-1] else None) for row in self._children]
        columns = ("woman_id", "seq", "birth_order", "name", "sex", "birth_date", "policy", "blood", "alive",
                   "disabled_grade", "member_id")  # fmt: skip
        await db.execute_many(_insert_sql("child", columns), child_rows, self.client)
        self._links, self._children = [], []
