"""Schema creation and versioned migrations.

The schema version lives in the ``setting`` table. A new database is created from the Tortoise models
at the current :data:`store.models.SCHEMA_VERSION` and gets the extra DDL below. An older database is
upgraded step by step by the functions in :data:`MIGRATIONS` (version n → n + 1), each in one
transaction, so an interrupted upgrade leaves the database at the last complete version. A database newer
than this program is refused rather than touched.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from tortoise import Tortoise
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from store import sql
from store.audit import POSTGRES_PROTECTION, SQLITE_PROTECTION, migrate_chain
from store.errors import StoreError
from store.models import SCHEMA_VERSION
from store.settings import get_setting as get_setting
from store.settings import set_setting as set_setting

Migration = Callable[[BaseDBAsyncClient], Awaitable[None]]

#: indexes of the search-while-typing (store/search.py), added in schema version 2
SEARCH_INDEXES = [
    "CREATE INDEX IF NOT EXISTS idx_person_name ON person (name)",
    "CREATE INDEX IF NOT EXISTS idx_person_id_tail ON person ((substr(id_number, length(id_number) - 3)))",
]


SEARCH_INDEX_NAMES = ("idx_person_name", "idx_person_id_tail")


async def suspend_search_indexes(client: BaseDBAsyncClient) -> bool:
    """Before a bulk load into an empty person table: drop the search indexes (nothing reads them while loading,
    and building them once afterwards is faster than keeping them up to date row by row). Returns True when
    dropped; call :func:`restore_search_indexes` in the same transaction (a rollback restores them anyway)."""
    if await sql.scalar("SELECT 1 FROM person LIMIT 1", (), client):
        return False
    for name in SEARCH_INDEX_NAMES:
        await client.execute_query(f"DROP INDEX IF EXISTS {name}")  # not execute_script: it would commit
    return True


async def restore_search_indexes(client: BaseDBAsyncClient) -> None:
    """Build the search indexes again (see :func:`suspend_search_indexes`)."""
    for stmt in SEARCH_INDEXES:
        await client.execute_query(stmt)


async def _v1_search_indexes(client: BaseDBAsyncClient) -> None:
    """1 → 2: the name and ID-tail indexes of the search."""
    await restore_search_indexes(client)


async def _v2_audit_chain(client: BaseDBAsyncClient) -> None:
    """2 → 3: the hash chain of the audit log and its protection triggers (`store.audit.migrate_chain`)."""
    await migrate_chain(client)


#: index of the monthly change list by counting month (schema version 4)
REPORT_MONTH_INDEX = "CREATE INDEX IF NOT EXISTS idx_event_report_month ON change_event (report_month)"


async def _v3_month_close(client: BaseDBAsyncClient) -> None:
    """3 → 4: closed months and sign-offs (`store.months`), and each change's counting month. Self-contained:
    it creates its own tables and columns only, so it can be renumbered after other steps."""
    postgres = sql.dialect(client) == "postgres"
    serial = "SERIAL NOT NULL PRIMARY KEY" if postgres else "INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL"
    stamp = "TIMESTAMPTZ" if postgres else "TIMESTAMP"
    false = "BOOL NOT NULL DEFAULT False" if postgres else "INT NOT NULL DEFAULT 0"
    for stmt in (
        f'CREATE TABLE IF NOT EXISTS "month_close" ("id" {serial}, "unit_code" VARCHAR(14) NOT NULL, '
        '"month" VARCHAR(7) NOT NULL, "figures" TEXT NOT NULL, "digest" VARCHAR(64) NOT NULL, '
        f'"closed_by" VARCHAR(60) NOT NULL, "closed_at" {stamp} NOT NULL, "reopened_by" VARCHAR(60), '
        f'"reopened_at" {stamp}, "reopen_reason" TEXT)',
        f'CREATE TABLE IF NOT EXISTS "month_signoff" ("id" {serial}, "unit_code" VARCHAR(14) NOT NULL, '
        '"month" VARCHAR(7) NOT NULL, "signed_by" VARCHAR(60) NOT NULL, "signed_name" VARCHAR(60) NOT NULL, '
        f'"signed_at" {stamp} NOT NULL, "open_errors" INT NOT NULL)',
    ):
        await client.execute_query(stmt)
    for column, kind in (("report_month", "VARCHAR(7)"), ("correction", false)):
        if not await _has_column(client, "change_event", column):
            await client.execute_query(f'ALTER TABLE "change_event" ADD COLUMN "{column}" {kind}')
    month = "to_char(event_date, 'YYYY-MM')" if postgres else "substr(CAST(event_date AS TEXT), 1, 7)"
    await client.execute_query(f"UPDATE change_event SET report_month = {month} WHERE report_month IS NULL")
    await client.execute_query(REPORT_MONTH_INDEX)


async def _has_column(client: BaseDBAsyncClient, table: str, column: str) -> bool:
    if sql.dialect(client) == "postgres":
        query = ("SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ? "
                 "AND column_name = ?")  # fmt: skip
        return bool(await sql.fetch(query, [table, column], client))
    return any(row[1] == column for row in await sql.fetch(f"PRAGMA table_info({table})", (), client))


#: columns added in schema version 5: a pregnancy's report date, a move-out's destination
REPORTED_COLUMNS = (("pregnancy", "reported", "DATE"), ("person", "cancel_to_code", "VARCHAR(6)"),
                    ("person", "cancel_to_place", "VARCHAR(100)"))  # fmt: skip


async def _columns(client: BaseDBAsyncClient, table: str) -> set[str]:
    if sql.dialect(client) == "postgres":
        rows = await sql.fetch("SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
                               "AND table_name = ?", [table], client)  # fmt: skip
        return {str(r[0]) for r in rows}
    return {str(r[1]) for r in await sql.fetch(f"PRAGMA table_info({table})", [], client)}


async def _v4_reported_and_destination(client: BaseDBAsyncClient) -> None:
    """4 → 5: ``pregnancy.reported`` (the 怀孕 change is dated by it) and ``person.cancel_to_code`` /
    ``cancel_to_place`` (where a 迁出 went). Self-contained: adds only the columns still missing."""
    for table, column, kind in REPORTED_COLUMNS:
        if column not in await _columns(client, table):
            await client.execute_query(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")


#: indexes of the histories (schema version 6)
HISTORY_INDEXES = [
    "CREATE INDEX IF NOT EXISTS idx_marriage_history_person ON marriage_history (person_id)",
    "CREATE INDEX IF NOT EXISTS idx_mgmt_history_person ON mgmt_history (person_id)",
    "CREATE INDEX IF NOT EXISTS idx_residence_history_person ON residence_history (person_id)",
]

#: how a person's state ended when the person left (the exit of `docs/spec/returns.md`)
_EXIT = "CASE WHEN p.death_date IS NOT NULL THEN p.death_date ELSE p.cancel_date END"
_EXIT_HOW = ("CASE WHEN p.death_date IS NOT NULL OR p.cancel_reason = '01' THEN 'death' "
             "WHEN p.cancel_reason IN ('02', '03', '06') THEN 'move_out' WHEN p.cancel_reason IS NOT NULL "
             "THEN 'cancel' END")  # fmt: skip
_ENTRY = "COALESCE(p.moved_in_date, p.birth_date)"
#: the first entries of an upgraded database: every person's current state (`store.domain.histories.opening`)
HISTORY_SEEDS = [
    # schema-5 rows were former methods: each ended when the next one (or the current one) began
    "UPDATE contraception_history SET began = 'opening', ended = 'replaced', until = COALESCE("
    "(SELECT h2.since FROM contraception_history h2 WHERE h2.woman_id = contraception_history.woman_id "
    "AND h2.id > contraception_history.id ORDER BY h2.id LIMIT 1), "
    "(SELECT p.contraception_since FROM person p WHERE p.id = contraception_history.woman_id)) "
    "WHERE began IS NULL",
    "INSERT INTO contraception_history (woman_id, method, since, failure, until, began, ended, replaced_at) "
    f"SELECT p.id, p.contraception_method, p.contraception_since, p.contraception_failure, {_EXIT}, 'opening', "
    f"{_EXIT_HOW}, CURRENT_TIMESTAMP FROM person p WHERE p.contraception_method IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "
    "contraception_history h WHERE h.woman_id = p.id AND (h.ended IS NULL OR h.ended <> 'replaced'))",
    "INSERT INTO marriage_history (person_id, status, start, spouse_id, spouse_name, spouse_id_number, began, "
    "entered_at) SELECT p.id, p.marital_status, CASE WHEN p.marital_status = '21' OR (p.marital_status IN "
    "('20', '22', '23') AND p.marriage_change_date IS NULL) THEN p.first_marriage_date WHEN p.marital_status IN "
    "('22', '23', '30', '40') THEN p.marriage_change_date END, p.spouse_id, p.spouse_ext_name, "
    "p.spouse_ext_id_number, 'opening', CURRENT_TIMESTAMP FROM person p WHERE p.marital_status IS NOT NULL "
    "AND NOT EXISTS (SELECT 1 FROM marriage_history h WHERE h.person_id = p.id)",
    "INSERT INTO mgmt_history (person_id, mgmt, flow_type, place_code, place, reason, start, until, began, ended, "
    "entered_at) SELECT p.id, p.mgmt, p.flow_type, p.flow_place_code, p.flow_place, p.flow_reason, CASE WHEN "
    f"p.mgmt IN ('02', '03') AND p.flow_since IS NOT NULL THEN p.flow_since ELSE {_ENTRY} END, {_EXIT}, "
    f"'opening', {_EXIT_HOW}, CURRENT_TIMESTAMP FROM person p WHERE p.mgmt IS NOT NULL "
    "AND NOT EXISTS (SELECT 1 FROM mgmt_history h WHERE h.person_id = p.id)",
    "INSERT INTO residence_history (person_id, household_code, start, until, began, ended, entered_at) "
    f"SELECT p.id, p.household_id, {_ENTRY}, {_EXIT}, CASE WHEN p.moved_in_date IS NOT NULL THEN 'move_in' "
    f"ELSE 'birth' END, {_EXIT_HOW}, CURRENT_TIMESTAMP FROM person p "
    "WHERE NOT EXISTS (SELECT 1 FROM residence_history h WHERE h.person_id = p.id)",
]


async def _v5_histories(client: BaseDBAsyncClient) -> None:
    """5 → 6: the histories (`store.histories`): contraception_history gets end dates, how each entry began
    and ended and its change event, and keeps the current method too; new marriage, management/flow and
    residence histories. Every person's current state becomes the first entry, so no history is empty after
    the upgrade. Self-contained: creates only what is missing."""
    postgres = sql.dialect(client) == "postgres"
    serial = "SERIAL NOT NULL PRIMARY KEY" if postgres else "INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL"
    stamp = "TIMESTAMPTZ" if postgres else "TIMESTAMP"
    person = 'INT NOT NULL REFERENCES "person" ("id") ON DELETE CASCADE'
    tail = ('"start" DATE, "until" DATE, "began" VARCHAR(8), "ended" VARCHAR(8), "event_id" INT, '
            f'"entered_at" {stamp} NOT NULL DEFAULT CURRENT_TIMESTAMP')  # fmt: skip
    for stmt in (
        f'CREATE TABLE IF NOT EXISTS "marriage_history" ("id" {serial}, "person_id" {person}, '
        '"status" VARCHAR(2) NOT NULL, "spouse_id" INT, "spouse_name" VARCHAR(60), '
        f'"spouse_id_number" VARCHAR(40), {tail})',
        f'CREATE TABLE IF NOT EXISTS "mgmt_history" ("id" {serial}, "person_id" {person}, '
        '"mgmt" VARCHAR(2) NOT NULL, "flow_type" VARCHAR(8), "place_code" VARCHAR(6), "place" VARCHAR(100), '
        f'"reason" VARCHAR(100), {tail})',
        f'CREATE TABLE IF NOT EXISTS "residence_history" ("id" {serial}, "person_id" {person}, '
        f'"household_code" VARCHAR(18) NOT NULL, {tail})',
    ):
        await client.execute_query(stmt)
    present = await _columns(client, "contraception_history")
    for column, kind in (("until", "DATE"), ("began", "VARCHAR(8)"), ("ended", "VARCHAR(8)"), ("event_id", "INT")):
        if column not in present:
            await client.execute_query(f'ALTER TABLE contraception_history ADD COLUMN "{column}" {kind}')
    for stmt in HISTORY_INDEXES:
        await client.execute_query(stmt)
    for stmt in HISTORY_SEEDS:
        await client.execute_query(stmt)


async def _v6_timeline(client: BaseDBAsyncClient) -> None:
    """6 → 7: the field changes of person saves (`store.field_changes`) and the reversals of change events
    (`store.reversal`). Self-contained: creates only its own tables and indexes."""
    postgres = sql.dialect(client) == "postgres"
    serial = "SERIAL NOT NULL PRIMARY KEY" if postgres else "INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL"
    stamp = "TIMESTAMPTZ" if postgres else "TIMESTAMP"
    boolean = "BOOL NOT NULL DEFAULT True" if postgres else "INT NOT NULL DEFAULT 1"
    for stmt in (
        f'CREATE TABLE IF NOT EXISTS "field_change" ("id" {serial}, "person_id" INT NOT NULL, '
        '"field" VARCHAR(40) NOT NULL, "before" TEXT, "after" TEXT, '
        f'"changed_at" {stamp} NOT NULL, "changed_by" VARCHAR(60) NOT NULL, "event_id" INT)',
        f'CREATE TABLE IF NOT EXISTS "event_reversal" ("id" {serial}, "event_id" INT NOT NULL UNIQUE, '
        f'"person_id" INT, "reason" TEXT NOT NULL, "reversed_by" VARCHAR(60) NOT NULL, "reversed_at" {stamp} NOT NULL, '
        f'"withdrawn" {boolean})',
        *TIMELINE_INDEXES,
    ):
        await client.execute_query(stmt)


#: indexes of the person timeline (schema version 7)
TIMELINE_INDEXES = (
    "CREATE INDEX IF NOT EXISTS idx_field_change_person ON field_change (person_id)",
    "CREATE INDEX IF NOT EXISTS idx_field_change_event ON field_change (event_id)",
    "CREATE INDEX IF NOT EXISTS idx_event_reversal_person ON event_reversal (person_id)",
)


#: the covering index of the tree's counts (`store.browse`): active persons of a code range from the index alone
TREE_COUNT_INDEX = "CREATE INDEX IF NOT EXISTS idx_person_household_cancel ON person (household_id, cancel_reason)"


async def _v7_tree_count_index(client: BaseDBAsyncClient) -> None:
    """7 → 8: the covering index ``person (household_id, cancel_reason)`` the tree counts persons with.
    Self-contained: ``IF NOT EXISTS``, so it can be renumbered after other steps."""
    await client.execute_query(TREE_COUNT_INDEX)


#: version n → the step that upgrades a version-n database to n + 1.
MIGRATIONS: dict[int, Migration] = {
    1: _v1_search_indexes,
    2: _v2_audit_chain,
    3: _v3_month_close,
    4: _v4_reported_and_destination,
    5: _v5_histories,
    6: _v6_timeline,
    7: _v7_tree_count_index,
}

_SQLITE_EXTRA = [
    "CREATE INDEX IF NOT EXISTS idx_person_household ON person (household_id)",
    "CREATE INDEX IF NOT EXISTS idx_person_mother ON person (mother_id)",
    "CREATE INDEX IF NOT EXISTS idx_person_father ON person (father_id)",
    "CREATE INDEX IF NOT EXISTS idx_person_spouse ON person (spouse_id)",
    "CREATE INDEX IF NOT EXISTS idx_child_member ON child (member_id)",
    "CREATE INDEX IF NOT EXISTS idx_name_key_person ON name_key (person_id)",
    "CREATE INDEX IF NOT EXISTS idx_contraception_history_woman ON contraception_history (woman_id)",
    "CREATE INDEX IF NOT EXISTS idx_person_birth_name ON person (birth_date, name)",
    "CREATE INDEX IF NOT EXISTS idx_household_village ON household (village_id)",
    "CREATE INDEX IF NOT EXISTS idx_child_woman ON child (woman_id)",
    "CREATE INDEX IF NOT EXISTS idx_pregnancy_woman ON pregnancy (woman_id)",
    "CREATE INDEX IF NOT EXISTS idx_benefit_person ON benefit (person_id)",
    "CREATE INDEX IF NOT EXISTS idx_confirmation_person ON confirmation (person_id)",
    "CREATE INDEX IF NOT EXISTS idx_event_person ON change_event (person_id)",
    *SEARCH_INDEXES,
    REPORT_MONTH_INDEX,
    *HISTORY_INDEXES,
    *TIMELINE_INDEXES,
    TREE_COUNT_INDEX,
    "CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    *SQLITE_PROTECTION,
]

_POSTGRES_EXTRA = [stmt for stmt in _SQLITE_EXTRA if stmt.startswith("CREATE INDEX")] + [
    "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$",
    "DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log",
    "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()",
    *POSTGRES_PROTECTION,
]


async def _table_exists(name: str) -> bool:
    if sql.dialect() == "postgres":
        query = "SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = ?"
    else:
        query = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"
    return bool(await sql.fetch(query, [name]))


async def schema_version() -> int:
    """The schema version of the open database (0 when it has no schema yet)."""
    if not await _table_exists("setting"):
        return 0
    return int(await get_setting("schema_version", "0") or 0)


async def _create_schema() -> None:
    await Tortoise.generate_schemas(safe=True)
    client = sql.conn()
    for stmt in _POSTGRES_EXTRA if sql.dialect() == "postgres" else _SQLITE_EXTRA:
        await client.execute_script(stmt)
    await set_setting("schema_version", str(SCHEMA_VERSION))


async def ensure_schema(*, create: bool = True) -> None:
    """Create the schema of a new database or migrate an older one to :data:`SCHEMA_VERSION`."""
    version = await schema_version()
    if version == 0:
        if await _table_exists("person"):
            raise StoreError("数据库缺少版本信息，无法确认结构。请从备份恢复或联系管理员。")
        if not create:
            raise StoreError("数据库是空的。请先用 renkou import 或 renkou demo 建立数据。")
        await _create_schema()
        return
    if version > SCHEMA_VERSION:
        raise StoreError(f"数据库结构版本为 {version}，高于本程序支持的 {SCHEMA_VERSION}。请升级 Renkou 后再打开。")
    while version < SCHEMA_VERSION:
        step = MIGRATIONS[version]
        async with in_transaction() as client:
            await step(client)
            await set_setting("schema_version", str(version + 1), client)
        version += 1
