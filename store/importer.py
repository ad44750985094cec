"""``renkou import FILE.jsonl``: all-or-nothing import of a household file (`interchange.md` §1).

Two passes over the file keep memory bounded for a county: the first parses and checks every line and
collects keys and references; the second writes the good lines in batches inside one transaction. With
``partial`` the bad lines (and the lines that depend on them) are written unchanged to a reject file
and the rest is imported.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tortoise.transactions import in_transaction

from store import audit, db
from store.bulk import BulkWriter, EntryTime
from store.errors import StoreError
from store.interchange import LineError, parse_line
from store.records import load_households

BATCH = 1000
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


@dataclass
class _LineInfo:
    kind: str  # "unit" | "household"
    code: str
    keys: tuple[str, ...] = ()
    refs: tuple[str, ...] = ()
    parent: str | None = None
    level: str | None = None


def _read_lines(path: Path) -> Iterator[tuple[int, str]]:
    """Numbered non-blank lines of a UTF-8 file (a BOM is accepted)."""
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except FileNotFoundError:
        raise StoreError(f"找不到文件 {path}。请检查文件名和路径。") from None
    except OSError as exc:
        raise StoreError(f"无法读取文件 {path}（{exc.strerror}）。") from None
    with handle:
        line_no = 0
        try:
            for line_no, text in enumerate(handle, start=1):
                if text.strip():
                    yield line_no, text
        except UnicodeDecodeError:
            raise StoreError(
                f"文件 {path} 第 {line_no + 1} 行不是 UTF-8 编码。请用记事本或 WPS 另存为 UTF-8 后再导入。"
            ) from None


class _Plan:
    """Pass one: what the file declares, references and gets wrong."""

    def __init__(self) -> None:
        self.info: dict[int, _LineInfo] = {}
        self.errors: dict[int, LineError] = {}
        self.unknown: Counter[str] = Counter()
        self.key_line: dict[str, int] = {}
        self.household_line: dict[str, int] = {}
        self.unit_line: dict[str, int] = {}
        self.units: dict[int, dict[str, Any]] = {}

    def add(self, line_no: int, text: str) -> None:
        try:
            parsed = parse_line(text, line_no)
        except LineError as error:
            self.errors[line_no] = error
            return
        self.unknown.update(parsed.unknown_keys)
        if parsed.unit is not None:
            unit = parsed.unit
            if unit["code"] in self.unit_line:
                self.fail(line_no, f"单位 {unit['code']} 在第 {self.unit_line[unit['code']]} 行已出现过。")
                return
            self.unit_line[unit["code"]] = line_no
            self.units[line_no] = unit
            self.info[line_no] = _LineInfo("unit", unit["code"], parent=unit["parent"], level=unit["level"])
            return
        record = parsed.household
        assert record is not None
        code = record["household"]["code"]
        if code in self.household_line:
            self.fail(line_no, f"户编码 {code} 在第 {self.household_line[code]} 行已出现过，同一户不能出现两次。")
            return
        keys = tuple(p["key"] for p in record["members"])
        for key in keys:
            if key in self.key_line:
                self.fail(line_no, f"人员 key {key} 在第 {self.key_line[key]} 行已出现过。")
                return
        self.household_line[code] = line_no
        for key in keys:
            self.key_line[key] = line_no
        refs = tuple(dict.fromkeys(ref for ref, _ in parsed.references))
        self.info[line_no] = _LineInfo("household", code, keys, refs, parent=record["household"]["unit"])

    def fail(self, line_no: int, message: str) -> None:
        self.errors.setdefault(line_no, LineError(line_no, message))


async def _check_against_database(plan: _Plan) -> None:
    """Structural checks that need the database."""
    stored_units = {r[0]: r[1] for r in await db.fetch("SELECT code, level FROM unit")}
    declared = {info.code: info.level for info in plan.info.values() if info.kind == "unit"}
    units = {**stored_units, **declared}
    wanted_refs = {ref for info in plan.info.values() for ref in info.refs if ref not in plan.key_line}
    stored_keys = await _existing_keys(wanted_refs | set(plan.key_line))
    stored_members = await _stored_members(list(plan.household_line))
    for line_no, info in plan.info.items():
        if info.kind == "unit":
            if info.parent is not None and info.parent not in units:
                plan.fail(line_no, f"单位 {info.code} 的上级单位 {info.parent} 既未在文件中声明，也不在数据库中。")
            continue
        if units.get(info.parent or "") != "village":
            plan.fail(line_no, f"户 {info.code} 所属的村 {info.parent} 既未在文件中声明，也不在数据库中。")
            continue
        missing = [ref for ref in info.refs if ref not in plan.key_line and ref not in stored_keys]
        if missing:
            plan.fail(line_no, f"户 {info.code} 引用的人员 {'、'.join(missing[:3])} 既不在文件中，也不在数据库中。")
            continue
        dropped = [k for k in stored_members.get(info.code, ()) if k not in info.keys]
        if dropped:
            plan.fail(
                line_no,
                f"户 {info.code} 在数据库中的成员 {'、'.join(dropped[:3])} 不在新数据中。"
                "人员不能直接删除，请先办理注销（cancel）再导入。",
            )


async def _existing_keys(keys: set[str]) -> set[str]:
    found: set[str] = set()
    listed = list(keys)
    for start in range(0, len(listed), 500):
        chunk = listed[start : start + 500]
        rows = await db.fetch(f"SELECT key FROM person WHERE key IN ({','.join('?' * len(chunk))})", chunk)
        found.update(r[0] for r in rows)
    return found


async def _stored_members(codes: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for start in range(0, len(codes), 500):
        chunk = codes[start : start + 500]
        sql = f"SELECT household_id, key FROM person WHERE household_id IN ({','.join('?' * len(chunk))})"
        for row in await db.fetch(sql, chunk):
            out.setdefault(row[0], []).append(row[1])
    return out


def _propagate_rejects(plan: _Plan) -> set[int]:
    """Lines that are bad, plus lines that need a unit or person only a bad line declares."""
    bad = set(plan.errors)
    while True:
        bad_keys = {k for n in bad if n in plan.info for k in plan.info[n].keys}
        bad_units = {plan.info[n].code for n in bad if n in plan.info and plan.info[n].kind == "unit"}
        more = {
            n
            for n, info in plan.info.items()
            if n not in bad and (any(r in bad_keys for r in info.refs) or info.parent in bad_units)
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
    if moved:
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


async def import_file(
    path: Path,
    *,
    operator: str,
    partial: bool = False,
    reject_path: Path | None = None,
    source: str = "import",
    entry_time: EntryTime | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import a household file; raises :class:`StoreError` (nothing changed) on structural errors."""
    plan = _Plan()
    total = 0
    for line_no, text in _read_lines(path):
        plan.add(line_no, text)
        total = line_no
    report = ImportReport(lines=total, unknown_keys=plan.unknown)
    await _check_against_database(plan)
    bad = _propagate_rejects(plan) if partial else set(plan.errors)
    report.errors = [plan.errors[n] for n in sorted(plan.errors)]
    if bad and not partial:
        return report
    if partial and bad:
        report.reject_path = reject_path or path.with_name(path.stem + ".rejects.jsonl")
        _write_rejects(path, bad, report.reject_path)
        report.rejected_lines = len(bad)
    units = sorted((u for n, u in plan.units.items() if n not in bad), key=lambda u: len(u["code"]))
    await _write(path, plan, bad, units, report, operator, source, entry_time, progress)
    return report


async def _write(
    path: Path,
    plan: _Plan,
    bad: set[int],
    units: list[dict[str, Any]],
    report: ImportReport,
    operator: str,
    source: str,
    entry_time: EntryTime | None,
    progress: Progress | None,
) -> None:
    async with in_transaction() as client:
        await _upsert_units(units, client)
        writer = BulkWriter(client, operator=operator, source=source, entry_time=entry_time)
        await writer.prepare_keys(plan.key_line)
        stored_keys = writer.stored_keys
        batch: list[dict[str, Any]] = []
        for line_no, text in _read_lines(path):
            if line_no in bad or line_no not in plan.info or plan.info[line_no].kind != "household":
                continue
            batch.append(parse_line(text, line_no).household)  # type: ignore[arg-type]
            if len(batch) >= BATCH:
                await writer.write(batch, await _existing_for(batch, stored_keys))
                report.households += len(batch)
                batch = []
                if progress:
                    progress(line_no, report.lines)
        if batch:
            await writer.write(batch, await _existing_for(batch, stored_keys))
            report.households += len(batch)
        await writer.finish()
        report.units = len(units)
        report.counts = dict(writer.counts)
        detail = f"{path.name}: {report.households} 户, 新增 {writer.counts['persons_new']} 人, 修改 {writer.counts['persons_changed']} 人"
        await audit.log_action(operator, "import", str(path)[-120:], detail, client)
    if progress:
        progress(report.lines, report.lines)


async def _upsert_units(units: list[dict[str, Any]], client: Any) -> None:
    await db.execute_many(
        "INSERT INTO unit (code, name, level, parent_id) VALUES (?, ?, ?, ?) ON CONFLICT (code) DO UPDATE "
        "SET name = excluded.name, level = excluded.level, parent_id = excluded.parent_id",
        [(u["code"], u["name"], u["level"], u["parent"]) for u in units],
        client,
    )


def _write_rejects(path: Path, bad: set[int], target: Path) -> None:
    """Copy the bad lines, unchanged, to the reject file (atomically)."""
    tmp = target.with_name(target.name + ".tmp")
    try:
        with path.open(encoding="utf-8-sig", newline="") as src, tmp.open("w", encoding="utf-8", newline="") as out:
            for line_no, text in enumerate(src, start=1):
                if line_no in bad:
                    out.write(text if text.endswith("\n") else text + "\n")
        tmp.replace(target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise StoreError(f"无法写入退回文件 {target}（{exc.strerror}）。请检查目录权限。") from None
