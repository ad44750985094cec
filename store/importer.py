"""``renkou import FILE.jsonl``: all-or-nothing import of a household file (`docs/spec/interchange.md` §1).

Two passes over the file keep memory bounded for a county: the first parses and checks every line and
collects keys and references; the second writes the good lines in batches inside one transaction. With
``partial`` the bad lines (and the lines that depend on them) are written unchanged to a reject file
and the rest is imported.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import ChainMap, Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tortoise.transactions import in_transaction

from store import audit, db, faults, interchange_tables, schema, section_rows
from store.bulk import BulkWriter, EntryTime
from store.errors import StoreError
from store.events import EVENT_LABELS
from store.import_limits import NotUtf8, Refused, numbered_lines
from store.interchange import FormatError, LineError, ParsedLine, parse_line
from store.private import open_private
from store.records import load_households
from store.textsafe import excerpt

BATCH = 1000
#: rows of the extra tables (format version 2 and later) written at once
ROW_BATCH = 5000
#: Most normalisation notes reported one by one; the rest are counted in one summary warning.
NOTES_SHOWN = 5
Progress = Callable[[int, int], None]


@dataclass
class ImportReport:
    """What an import did, for the command's summary."""

    lines: int = 0
    units: int = 0
    households: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    errors: list[LineError] = field(default_factory=list)
    rejected_lines: int = 0
    reject_path: Path | None = None
    unknown_keys: Counter[str] = field(default_factory=Counter)
    warnings: list[LineError] = field(default_factory=list)


@dataclass
class _LineInfo:
    kind: str  # "unit" | "household" | "row" (of a section)
    code: str
    keys: tuple[str, ...] = ()
    refs: tuple[str, ...] = ()
    parent: str | None = None
    level: str | None = None
    #: the change events a line declares (a ``change_event`` row) and names (an ``event`` column)
    events: tuple[tuple[Any, ...], ...] = ()
    named: tuple[tuple[Any, ...], ...] = ()


def _open(path: Path) -> Any:
    try:
        return path.open("rb")
    except FileNotFoundError:
        raise StoreError(f"找不到文件 {path}。请检查文件名和路径。") from None
    except IsADirectoryError:
        raise StoreError(f"{path} 是文件夹，不是户文件。请给出 .jsonl 文件。") from None
    except OSError as exc:
        raise StoreError(f"无法读取文件 {path}（{exc.strerror}）。") from None


def _read_lines(path: Path) -> Iterator[tuple[int, str | Refused]]:
    """Non-blank lines of a UTF-8 file (a BOM is accepted), numbered by physical line; a line that is
    too long comes as :class:`Refused`. A file that is not UTF-8 is refused whole, naming the first bad line."""
    with _open(path) as handle:
        try:
            for line_no, text in numbered_lines(handle):
                if isinstance(text, NotUtf8):
                    raise StoreError(
                        f"文件 {path} 第 {line_no} 行{text.message}。请用记事本或 WPS 另存为 UTF-8 后再导入。"
                    )
                yield line_no, text
        except OSError as exc:
            raise StoreError(f"读取文件 {path} 时出错（{exc.strerror}）。") from None


class _Plan:
    """What the file declares, references and gets wrong, line by line."""

    def __init__(self) -> None:
        self.info: dict[int, _LineInfo] = {}
        self.errors: dict[int, LineError] = {}
        self.unknown: Counter[str] = Counter()
        self.key_line: dict[str, int] = {}
        self.household_line: dict[str, int] = {}
        self.unit_line: dict[str, int] = {}
        self.notes: list[LineError] = []
        self.notes_more = 0
        #: the file's format version (1: no ``format`` line), known once the first line is read
        self.version: int | None = None
        #: the first line of a section's rows: unit and household lines come before it
        self.rows_from: int | None = None
        #: the change events of the file's ``change_event`` lines → the first line declaring each
        self.event_line: dict[tuple[Any, ...], int] = {}

    def add(self, line_no: int, text: str | Refused, today: dt.date | None = None) -> ParsedLine | None:
        """Parse a line and check it against the lines before it; None when it is bad. An unreadable format
        version is a :class:`FormatError` (the whole file is refused)."""
        first = self.version is None
        if first:
            self.version = 1
        if isinstance(text, Refused):
            return self.fail(line_no, text.message)
        try:
            parsed = parse_line(text, line_no, today)
        except FormatError:
            raise
        except LineError as error:
            self.errors[line_no] = error
            return None
        if parsed.version is not None:
            if not first:
                return self.fail(line_no, "格式版本行（format）只能是文件的第一行。")
            self.version = parsed.version
            return parsed
        if parsed.section is not None:
            return self.add_row(line_no, parsed)
        if self.rows_from is not None:
            return self.fail(line_no, f"单位行和户行应在各表记录之前（第 {self.rows_from} 行起已是表记录）。")
        self.unknown.update(parsed.unknown_keys)
        for note in parsed.notes:
            if len(self.notes) < NOTES_SHOWN:
                self.notes.append(LineError(line_no, note))
            else:
                self.notes_more += 1
        if parsed.unit is not None:
            unit = parsed.unit
            if unit["code"] in self.unit_line:
                return self.fail(line_no, f"单位 {unit['code']} 在第 {self.unit_line[unit['code']]} 行已出现过。")
            self.unit_line[unit["code"]] = line_no
            self.info[line_no] = _LineInfo("unit", unit["code"], parent=unit["parent"], level=unit["level"])
            return parsed
        record = parsed.household
        assert record is not None
        code = record["household"]["code"]
        if code in self.household_line:
            return self.fail(
                line_no, f"户编码 {code} 在第 {self.household_line[code]} 行已出现过，同一户不能出现两次。"
            )
        keys = tuple(p["key"] for p in record["members"])
        for key in keys:
            if key in self.key_line:
                return self.fail(line_no, f"人员 key {key} 在第 {self.key_line[key]} 行已出现过。")
        self.household_line[code] = line_no
        for key in keys:
            self.key_line[key] = line_no
        refs = tuple(dict.fromkeys(ref for ref, _ in parsed.references))
        self.info[line_no] = _LineInfo("household", code, keys, refs, parent=record["household"]["unit"])
        return parsed

    def add_row(self, line_no: int, parsed: ParsedLine) -> ParsedLine | None:
        """A row of a section (a file of format version 2 or later)."""
        section, row = parsed.section, parsed.row
        assert section is not None and row is not None
        if (self.version or 1) < 2:
            return self.fail(
                line_no, f"{section.title}记录属于第 {section.since} 版格式，但文件第一行没有声明格式版本（format）。"
            )
        if self.rows_from is None:
            self.rows_from = line_no
        refs = tuple(dict.fromkeys(ref for ref, _ in parsed.references))
        unit = row.get(section.unit) if section.unit and section.unit_kind == "unit" else None
        named = tuple(section_rows.event_key(row[c.name]) for c in section.columns if c.kind == "event" and row[c.name])
        for event in named:
            if event not in self.event_line:
                return self.fail(
                    line_no,
                    f"{section.title}引用的变动（{_event_text(row, section)}）不在本文件此前的变动记录中，不能导入。",
                )
        own = (section_rows.event_key(row),) if section.name == interchange_tables.EVENT_SECTION.name else ()
        for event in own:
            self.event_line.setdefault(event, line_no)
        self.info[line_no] = _LineInfo("row", section.name, refs=refs, parent=unit or None, events=own, named=named)
        return parsed

    def fail(self, line_no: int, message: str) -> None:
        self.errors.setdefault(line_no, LineError(line_no, message))


def _event_text(row: dict[str, Any], section: interchange_tables.Section) -> str:
    """The event named by a row, for a message: its person, kind, date and household."""
    for column in section.columns:
        event = row[column.name] if column.kind == "event" else None
        if event:
            parts = [event["person"], EVENT_LABELS.get(event["kind"], event["kind"]), event["event_date"]]
            shown = [excerpt(str(p), quoted=False) for p in parts if p is not None]
            return "，".join([*shown, f"户 {event['household_code']}", f"录入于 {event['entered_at']}"])
    return ""


class _Rollback(Exception):
    """Raised inside the import transaction to undo it when the file has structural errors."""


async def _existing_keys(keys: set[str]) -> set[str]:
    found: set[str] = set()
    listed = list(keys)
    for start in range(0, len(listed), 500):
        chunk = listed[start : start + 500]
        rows = await db.fetch(f"SELECT key FROM person WHERE key IN ({','.join('?' * len(chunk))})", chunk)
        found.update(r[0] for r in rows)
    return found


def _propagate_rejects(plan: _Plan) -> set[int]:
    """Lines that are bad, plus lines that need a unit or person only a bad line declares."""
    bad = set(plan.errors)
    while True:
        bad_keys = {k for n in bad if n in plan.info for k in plan.info[n].keys}
        bad_units = {plan.info[n].code for n in bad if n in plan.info and plan.info[n].kind == "unit"}
        bad_events = {e for n in bad if n in plan.info for e in plan.info[n].events}
        more = {
            n
            for n, info in plan.info.items()
            if n not in bad
            and (
                any(r in bad_keys for r in info.refs)
                or info.parent in bad_units
                or any(e in bad_events for e in info.named)
            )
        }
        if not more:
            return bad
        for n in more:
            plan.fail(n, "依赖于有错误的行，一并退回。")
        bad |= more


async def _existing_for(records: list[dict[str, Any]], stored_keys: set[str]) -> dict[str, dict[str, Any]]:
    """Stored versions of the households of a batch and of the households its persons come from."""
    codes = [r["household"]["code"] for r in records]
    moved = [p["key"] for r in records for p in r["members"] if p["key"] in stored_keys]
    for start in range(0, len(moved), 500):
        chunk = moved[start : start + 500]
        rows = await db.fetch(f"SELECT household_id FROM person WHERE key IN ({','.join('?' * len(chunk))})", chunk)
        codes.extend(r[0] for r in rows)
    return existing_index((await load_households(codes)).values())


def existing_index(records: Any) -> dict[str, dict[str, Any]]:
    """Stored household records by code and their persons by ``"person:" + key``, as the writer needs."""
    index: dict[str, dict[str, Any]] = {}
    for record in records:
        code = record["household"]["code"]
        index[code] = record
        for seq, person in enumerate(record["members"]):
            person["_household"], person["_seq"] = code, seq
            index["person:" + person["key"]] = person
    return index


class _Pass:
    """One pass over the file inside a transaction: check every line and (when `write`) store the good ones.

    Writing stops at the first structural error but checking goes on, so the report lists every error;
    the transaction is then rolled back, so the database is unchanged.
    """

    def __init__(self, path: Path, *, skip: set[int], write: bool, operator: str, source: str,
                 entry_time: EntryTime | None, progress: Progress | None, today: dt.date | None) -> None:  # fmt: skip
        self.path, self.skip, self.write, self.operator = path, skip, write, operator
        self.source, self.entry_time, self.progress = source, entry_time, progress
        self.today = today or dt.date.today()
        self.plan = _Plan()
        self.lines = 0
        self.data_lines = 0
        self.households = 0
        self.counts: dict[str, int] = {}
        self._storing: asyncio.Task[None] | None = None
        self._dropped: dict[int, tuple[str, list[str]]] = {}
        self.warnings: list[LineError] = []
        self._rows: dict[str, list[dict[str, Any]]] = {}  # a section's rows waiting to be written
        self._empty: dict[str, bool] = {}  # whether a section's table was empty when the import began
        self._ids: dict[str, int] = {}  # person key → id of persons referred to by rows but not in the file
        self.row_counts: dict[str, int] = {}  # section → rows written (new or changed)

    async def run(self) -> _Plan:
        try:
            async with db.bulk_cache(), in_transaction() as client:
                try:
                    await self._run(client)
                finally:
                    if self._storing is not None and not self._storing.done():
                        self._storing.cancel()
                        await asyncio.gather(self._storing, return_exceptions=True)
                if self.plan.errors or not self.write:
                    raise _Rollback
        except _Rollback:
            pass
        return self.plan

    async def _run(self, client: Any) -> None:
        plan = self.plan
        suspended = self.write and await schema.suspend_search_indexes(client)
        units = {r[0]: r[1] for r in await db.fetch("SELECT code, level FROM unit", (), client)}
        writer = BulkWriter(client, operator=self.operator, source=self.source, entry_time=self.entry_time)
        new_units: list[dict[str, Any]] = []
        batch: list[tuple[int, dict[str, Any]]] = []
        for line_no, text in _read_lines(self.path):
            self.lines = line_no
            self.data_lines += 1
            if line_no % 16 == 0:
                await asyncio.sleep(0)  # let the batch being stored reach the database while parsing goes on
            if line_no in self.skip:
                continue
            try:
                parsed = plan.add(line_no, text, self.today)
            except FormatError as error:
                raise StoreError(f"文件 {self.path.name} {error}") from None
            if parsed is None:
                continue
            if parsed.version is not None:
                if parsed.version >= 2:  # the file carries these tables itself: the writer derives none
                    writer.file_tables = frozenset(s.name for s in interchange_tables.SECTIONS if s.derived)
                continue
            if parsed.section is not None:
                if plan.rows_from == line_no:  # the first row: every household is stored before rows refer to them
                    await _upsert_units(new_units, client)
                    new_units = []
                    await self._flush(writer, batch)
                    batch = []
                    if self._storing is not None:
                        await self._storing
                self._add_row(line_no, parsed, units)
                if sum(len(rows) for rows in self._rows.values()) >= ROW_BATCH:
                    await self._write_rows(writer, client)
                continue
            if parsed.unit is not None:
                unit = parsed.unit
                if unit["parent"] is not None and unit["parent"] not in units:
                    plan.fail(
                        line_no, f"单位 {unit['code']} 的上级单位 {unit['parent']} 既未在文件中声明，也不在数据库中。"
                    )
                    continue
                units[unit["code"]] = unit["level"]
                new_units.append(unit)
                continue
            record = parsed.household
            assert record is not None
            village = record["household"]["unit"]
            if units.get(village) != "village":
                plan.fail(
                    line_no, f"户 {record['household']['code']} 所属的村 {village} 既未在文件中声明，也不在数据库中。"
                )
                continue
            if new_units:
                await _upsert_units(new_units, client)
                new_units = []
            batch.append((line_no, record))
            if len(batch) >= BATCH:
                await self._flush(writer, batch)
                batch = []
        if not self.data_lines:
            raise StoreError(f"文件 {self.path} 是空的（没有任何数据行），没有导入任何内容。请检查是否选错了文件。")
        await _upsert_units(new_units, client)
        await self._flush(writer, batch)
        if self._storing is not None:
            await self._storing
        await self._write_rows(writer, client)
        self._check_dropped()
        await self._check_references()
        if plan.errors or not self.write:
            return
        await writer.finish()
        if suspended:
            await schema.restore_search_indexes(client)
        self.counts = dict(writer.counts) | self.row_counts
        rows = "".join(
            f", {s.title} {self.row_counts[s.name]} 条"
            for s in interchange_tables.SECTIONS
            if s.name in self.row_counts
        )
        detail = (
            f"{self.path.name}: {self.households} 户, 新增 {writer.counts['persons_new']} 人, "
            f"修改 {writer.counts['persons_changed']} 人{rows}"
        )
        await audit.log_action(self.operator, "import", str(self.path)[-120:], detail, client)

    def _add_row(self, line_no: int, parsed: ParsedLine, units: dict[str, str]) -> None:
        """Queue a section row, once the unit it belongs to is known to exist."""
        section, row = parsed.section, parsed.row
        assert section is not None and row is not None
        code = row.get(section.unit) if section.unit and section.unit_kind == "unit" else None
        if code and units.get(code) is None:
            self.plan.fail(line_no, f"{section.title}所属的单位 {code} 既未在文件中声明，也不在数据库中。")
            return
        self._rows.setdefault(section.name, []).append(row)

    async def _write_rows(self, writer: BulkWriter, client: Any) -> None:
        """Write the queued section rows (person keys resolved to ids: of this file's persons, or stored ones)."""
        queued, self._rows = self._rows, {}
        if not self.write or self.plan.errors:
            return
        people = {
            s.name: ["person", *(c.name for c in s.columns if c.kind == "person")] for s in interchange_tables.SECTIONS
        }
        events = {s.name: [c.name for c in s.columns if c.kind == "event"] for s in interchange_tables.SECTIONS}
        wanted = {r[i] for name, rows in queued.items() for r in rows for i in people[name] if r.get(i)}
        wanted |= {r[c]["person"] for name, rows in queued.items() for r in rows for c in events[name] if r[c]} - {None}
        listed = sorted(k for k in wanted if k not in writer.key_ids and k not in self._ids)
        for start in range(0, len(listed), 500):
            chunk = listed[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for key, pid in await db.fetch(f"SELECT key, id FROM person WHERE key IN ({marks})", chunk, client):
                self._ids[key] = pid
        ids = ChainMap(writer.key_ids, self._ids)
        for section in interchange_tables.SECTIONS:
            rows = queued.get(section.name)
            if not rows:
                continue
            if section.name not in self._empty:
                self._empty[section.name] = not await db.scalar(f"SELECT 1 FROM {section.name} LIMIT 1", (), client)
            written = await section_rows.write_rows(
                section, rows, ids, client, table_was_empty=self._empty[section.name]
            )
            self.row_counts[section.name] = self.row_counts.get(section.name, 0) + written

    async def _flush(self, writer: BulkWriter, batch: list[tuple[int, dict[str, Any]]]) -> None:
        """Store a batch in the background: the next batch is parsed while this one is written."""
        if self._storing is not None:
            await self._storing
            self._storing = None
        if batch:
            self._storing = asyncio.ensure_future(self._store(writer, batch))

    async def _store(self, writer: BulkWriter, batch: list[tuple[int, dict[str, Any]]]) -> None:
        records = [record for _, record in batch]
        await writer.prepare_keys(p["key"] for r in records for p in r["members"])
        existing = await _existing_for(records, writer.stored_keys)
        for line_no, record in batch:
            code = record["household"]["code"]
            stored = existing.get(code)
            if stored is None:
                continue
            keys = {p["key"] for p in record["members"]}
            self._warn_identity(line_no, record, existing)
            dropped = [p["key"] for p in stored["members"] if p["key"] not in keys]
            if dropped:  # judged at the end: a person may have moved to a household later in the file
                self._dropped[line_no] = (code, dropped)
        if self.write and not self.plan.errors:
            await writer.write(records, existing)
        self.households += len(batch)
        if self.progress:
            self.progress(batch[-1][0], max(self.lines, batch[-1][0]))

    def _warn_identity(self, line_no: int, record: dict[str, Any], existing: dict[str, dict[str, Any]]) -> None:
        """A stored person matched by key but with another ID number may be a different person (for example a
        file from another office whose keys collide): it is updated as the spec says, with a warning."""
        for person in record["members"]:
            old = existing.get("person:" + person["key"])
            if old is None or len(self.warnings) >= 1000:
                continue
            before, after = old.get("id_number"), person.get("id_number")
            if before and after and before.replace(" ", "").upper() != after.replace(" ", "").upper():
                shown = [excerpt(v or "", quoted=False) for v in (person.get("name"), before, after)]  # stored text too
                self.warnings.append(LineError(line_no, f"人员 {person['key']}（{shown[0]}）在库中的身份证号为 "
                                                        f"{shown[1]}，文件中为 {shown[2]}，已按同一人更新。请核对是否为同一人。"))  # fmt: skip

    def _check_dropped(self) -> None:
        """Stored members missing from their household's line must appear in another line (a move)."""
        for line_no, (code, keys) in self._dropped.items():
            gone = [k for k in keys if k not in self.plan.key_line]
            if gone:
                self.plan.fail(
                    line_no,
                    f"户 {code} 在数据库中的成员 {'、'.join(gone[:3])} 不在新数据中。"
                    "人员不能直接删除，请先办理注销（cancel）再导入。",
                )

    async def _check_references(self) -> None:
        plan = self.plan
        wanted = {ref for info in plan.info.values() for ref in info.refs if ref not in plan.key_line}
        stored = await _existing_keys(wanted) if wanted else set()
        for line_no, info in plan.info.items():
            missing = [ref for ref in info.refs if ref not in plan.key_line and ref not in stored]
            if missing:
                shown = "、".join(excerpt(m, quoted=False) for m in missing[:3])
                plan.fail(line_no, f"户 {info.code} 引用的人员 {shown} 既不在文件中，也不在数据库中。")


async def import_file(
    path: Path,
    *,
    operator: str,
    partial: bool = False,
    reject_path: Path | None = None,
    source: str = "import",
    entry_time: EntryTime | None = None,
    progress: Progress | None = None,
    today: dt.date | None = None,
) -> ImportReport:
    """Import a household file. With structural errors nothing is changed and the report lists them;
    with `partial` the good lines are imported and the bad ones copied to a reject file. `today` (default:
    the current date) bounds the dates accepted (see `store.interchange`). An empty file is a StoreError; so
    is a full disk or another low-level failure of the database (:mod:`store.faults`): the import is rolled
    back whole."""
    try:
        return await _import(path, operator=operator, partial=partial, reject_path=reject_path, source=source,
                             entry_time=entry_time, progress=progress, today=today)  # fmt: skip
    except StoreError:
        raise
    except Exception as exc:
        try:
            size = path.stat().st_size
        except OSError:
            size = 0
        failure = faults.translate(
            exc, what="导入", need=faults.needed_bytes() + size, kept="导入已全部撤销，数据库没有改动。"
        )
        if failure is not None:
            raise failure from exc
        raise


async def _import(path: Path, *, operator: str, partial: bool, reject_path: Path | None, source: str,
                  entry_time: EntryTime | None, progress: Progress | None, today: dt.date | None) -> ImportReport:  # fmt: skip
    """The import itself (see :func:`import_file`)."""
    options = {"operator": operator, "source": source, "entry_time": entry_time, "progress": progress,
               "today": today}  # fmt: skip
    skip: set[int] = set()
    errors: list[LineError] = []
    if partial:
        check = _Pass(path, skip=set(), write=False, **options)
        plan = await check.run()
        skip = _propagate_rejects(plan)
        errors = [plan.errors[n] for n in sorted(plan.errors)]
    work = _Pass(path, skip=skip, write=True, **options)
    plan = await work.run()
    report = ImportReport(lines=work.lines, unknown_keys=plan.unknown)
    if plan.errors:
        report.errors = errors + [plan.errors[n] for n in sorted(plan.errors)]
        return report
    report.errors = errors
    report.warnings = list(plan.notes)
    if plan.notes_more:  # kept among the first warnings, which the command prints
        report.warnings.append(
            LineError(0, f"另有 {plan.notes_more} 处身份证号已规范（全角改半角、去掉空格、x 改为 X）。")
        )
    report.warnings += work.warnings
    report.households = work.households
    report.units = sum(1 for info in plan.info.values() if info.kind == "unit")
    report.counts = work.counts
    if skip:
        report.reject_path = reject_path or path.with_name(path.stem + ".rejects.jsonl")
        _write_rejects(path, skip, report.reject_path)
        report.rejected_lines = len(skip)
    return report


async def _upsert_units(units: list[dict[str, Any]], client: Any) -> None:
    await db.execute_many(
        "INSERT INTO unit (code, name, level, parent_id) VALUES (?, ?, ?, ?) ON CONFLICT (code) DO UPDATE "
        "SET name = excluded.name, level = excluded.level, parent_id = excluded.parent_id",
        [(u["code"], u["name"], u["level"], u["parent"]) for u in units],
        client,
    )


def _write_rejects(path: Path, bad: set[int], target: Path) -> None:
    """Copy the bad lines, byte for byte, to the reject file (atomically); lines are never held whole."""
    tmp = target.with_name(target.name + ".tmp")
    try:
        with path.open("rb") as src, open_private(tmp, "wb") as out:
            line_no, ended = 1, True
            while chunk := src.readline(1 << 20):
                if line_no in bad:
                    out.write(chunk)
                ended = chunk.endswith(b"\n")
                line_no += ended
            if not ended and line_no in bad:
                out.write(b"\n")
        tmp.replace(target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise StoreError(f"无法写入退回文件 {target}（{exc.strerror}）。请检查目录权限。") from None
