"""Tortoise models: the database schema of Renkou.

The schema mirrors the interchange format (`docs/spec/interchange.md` §1): one row per unit,
household and person, with the woman record split into child, pregnancy and contraception-history
rows. Bulk paths (import, export, audit) use raw SQL over these tables; the ORM classes define the
schema and serve small look-ups.

Date columns are DATE on both backends; SQLite returns them as `datetime.date` through the converters
registered in `store.sqlite_engine`.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.fields.db_defaults import SqlDefault
from tortoise.models import Model

SCHEMA_VERSION = 8


class Setting(Model):
    """Key/value facts about the database: schema version, demo flag, region settings."""

    key = fields.CharField(max_length=64, primary_key=True)
    value = fields.TextField()

    class Meta:
        table = "setting"


class Unit(Model):
    """An administrative unit: county, township, village or village group."""

    code = fields.CharField(max_length=14, primary_key=True)
    name = fields.CharField(max_length=100)
    level = fields.CharField(max_length=10)
    parent: fields.ForeignKeyNullableRelation[Unit] = fields.ForeignKeyField(
        "models.Unit", null=True, related_name="children", on_delete=fields.RESTRICT
    )

    class Meta:
        table = "unit"


class Household(Model):
    """A household (户); `code` = 12-digit village code + 2-digit group + 4-digit serial."""

    code = fields.CharField(max_length=18, primary_key=True)
    village: fields.ForeignKeyRelation[Unit] = fields.ForeignKeyField(
        "models.Unit", related_name="households", on_delete=fields.RESTRICT
    )
    group_code = fields.CharField(max_length=2)
    address = fields.CharField(max_length=200, null=True)
    hukou_type = fields.CharField(max_length=1, null=True)
    kind = fields.CharField(max_length=12, default="family")
    status = fields.CharField(max_length=8, default="active")
    closed_date = fields.DateField(null=True)
    phone = fields.CharField(max_length=40, null=True)
    version = fields.IntField(default=1, db_default=1)
    updated_at = fields.DatetimeField(auto_now=True, db_default=SqlDefault("CURRENT_TIMESTAMP"))

    class Meta:
        table = "household"


class Person(Model):
    """A person record (全员人口个案) with its current marriage, flow, move and exit facts."""

    id = fields.IntField(primary_key=True)
    key = fields.CharField(max_length=64, unique=True)
    household: fields.ForeignKeyRelation[Household] = fields.ForeignKeyField(
        "models.Household", related_name="members", on_delete=fields.RESTRICT
    )
    seq = fields.IntField(default=0)
    name = fields.CharField(max_length=60, null=True)
    id_type = fields.CharField(max_length=1, default="1")
    id_number = fields.CharField(max_length=40, null=True, db_index=True)
    sex = fields.CharField(max_length=1, null=True)
    birth_date = fields.DateField(null=True)
    relation = fields.CharField(max_length=2, null=True)
    ethnicity = fields.CharField(max_length=2, null=True)
    hukou_nature = fields.CharField(max_length=1, null=True)
    rural = fields.BooleanField(null=True)
    education = fields.CharField(max_length=2, null=True)
    political_status = fields.CharField(max_length=2, null=True)
    occupation = fields.CharField(max_length=60, null=True)
    marital_status = fields.CharField(max_length=2, null=True)
    first_marriage_date = fields.DateField(null=True)
    marriage_change_date = fields.DateField(null=True)
    spouse: fields.ForeignKeyNullableRelation[Person] = fields.ForeignKeyField(
        "models.Person", null=True, related_name=False, on_delete=fields.SET_NULL
    )
    spouse_ext_name = fields.CharField(max_length=60, null=True)
    spouse_ext_id_number = fields.CharField(max_length=40, null=True)
    spouse_ext_place_code = fields.CharField(max_length=12, null=True)
    mother: fields.ForeignKeyNullableRelation[Person] = fields.ForeignKeyField(
        "models.Person", null=True, related_name=False, on_delete=fields.SET_NULL
    )
    father: fields.ForeignKeyNullableRelation[Person] = fields.ForeignKeyField(
        "models.Person", null=True, related_name=False, on_delete=fields.SET_NULL
    )
    residence_status = fields.CharField(max_length=1, null=True)
    mgmt = fields.CharField(max_length=2, null=True)
    registered_place_code = fields.CharField(max_length=12, null=True)
    flow_type = fields.CharField(max_length=8, null=True)
    flow_since = fields.DateField(null=True)
    flow_place_code = fields.CharField(max_length=6, null=True)
    flow_place = fields.CharField(max_length=100, null=True)
    flow_reason = fields.CharField(max_length=100, null=True)
    moved_in_date = fields.DateField(null=True)
    moved_in_from_code = fields.CharField(max_length=6, null=True)
    moved_in_reason = fields.CharField(max_length=100, null=True)
    death_date = fields.DateField(null=True)
    cancel_reason = fields.CharField(max_length=2, null=True)
    cancel_date = fields.DateField(null=True)
    cancel_to_code = fields.CharField(max_length=6, null=True)  # a move-out's destination county (schema 3)
    cancel_to_place = fields.CharField(max_length=100, null=True)
    has_woman_record = fields.BooleanField(default=False, db_default=False)
    contraception_method = fields.CharField(max_length=2, null=True)
    contraception_since = fields.DateField(null=True)
    contraception_failure = fields.CharField(max_length=1, null=True)
    only_child_cert_number = fields.CharField(max_length=40, null=True)
    only_child_cert_date = fields.DateField(null=True)
    version = fields.IntField(default=1, db_default=1)
    updated_at = fields.DatetimeField(auto_now=True, db_default=SqlDefault("CURRENT_TIMESTAMP"))

    class Meta:
        table = "person"


class NameKey(Model):
    """Pinyin initials of a person's name, one row per reading (polyphonic surnames have several)."""

    id = fields.IntField(primary_key=True)
    person: fields.ForeignKeyRelation[Person] = fields.ForeignKeyField(
        "models.Person", related_name="name_keys", on_delete=fields.CASCADE
    )
    initials = fields.CharField(max_length=40)

    class Meta:
        table = "name_key"
        indexes = (("initials",),)


class Child(Model):
    """One entry of a woman's childbirth history (生养史)."""

    id = fields.IntField(primary_key=True)
    woman: fields.ForeignKeyRelation[Person] = fields.ForeignKeyField(
        "models.Person", related_name="children", on_delete=fields.CASCADE
    )
    seq = fields.IntField()
    order = fields.IntField(null=True, source_field="birth_order")
    name = fields.CharField(max_length=60, null=True)
    sex = fields.CharField(max_length=1, null=True)
    birth_date = fields.DateField(null=True)
    policy = fields.CharField(max_length=1, null=True)
    blood = fields.CharField(max_length=1, null=True)
    alive = fields.BooleanField(null=True)
    disabled_grade = fields.CharField(max_length=1, null=True)
    member: fields.ForeignKeyNullableRelation[Person] = fields.ForeignKeyField(
        "models.Person", null=True, related_name=False, on_delete=fields.SET_NULL
    )

    class Meta:
        table = "child"


class Pregnancy(Model):
    """A pregnancy (孕情) with its outcome once known."""

    id = fields.IntField(primary_key=True)
    woman: fields.ForeignKeyRelation[Person] = fields.ForeignKeyField(
        "models.Person", related_name="pregnancies", on_delete=fields.CASCADE
    )
    seq = fields.IntField()
    lmp = fields.DateField(null=True)
    edd = fields.DateField(null=True)
    outcome = fields.CharField(max_length=1, null=True)
    outcome_date = fields.DateField(null=True)
    reported = fields.DateField(null=True)  # the day the pregnancy was reported (schema 3; dates its change event)

    class Meta:
        table = "pregnancy"


class ContraceptionHistory(Model):
    """One contraception method of a woman (`store.histories`): from `since` until `until` (None: in force),
    how it began and ended (``removed`` is an IUD removal, 取环), the change event that began it. Rows of
    schema 5 and earlier were former methods only; schema 6 keeps the current one too."""

    id = fields.IntField(primary_key=True)
    woman: fields.ForeignKeyRelation[Person] = fields.ForeignKeyField(
        "models.Person", related_name="contraception_history", on_delete=fields.CASCADE
    )
    method = fields.CharField(max_length=2, null=True)
    since = fields.DateField(null=True)
    failure = fields.CharField(max_length=1, null=True)
    replaced_at = fields.DatetimeField(auto_now_add=True, db_default=SqlDefault("CURRENT_TIMESTAMP"))
    until = fields.DateField(null=True)  # schema 6
    began = fields.CharField(max_length=8, null=True)  # schema 6
    ended = fields.CharField(max_length=8, null=True)  # schema 6
    event_id = fields.IntField(null=True)  # schema 6

    class Meta:
        table = "contraception_history"


class MarriageHistory(Model):
    """One marital state of a person (schema 6): 初婚/再婚/复婚 with the spouse, 离婚/丧偶 with the former
    spouse, from `start` until `until` (None: in force)."""

    id = fields.IntField(primary_key=True)
    person: fields.ForeignKeyRelation[Person] = fields.ForeignKeyField(
        "models.Person", related_name="marriage_history", on_delete=fields.CASCADE
    )
    status = fields.CharField(max_length=2)
    start = fields.DateField(null=True)
    until = fields.DateField(null=True)
    spouse_id = fields.IntField(null=True)  # a person here (no foreign key: the spouse's record may go)
    spouse_name = fields.CharField(max_length=60, null=True)  # an outside spouse
    spouse_id_number = fields.CharField(max_length=40, null=True)
    began = fields.CharField(max_length=8, null=True)
    ended = fields.CharField(max_length=8, null=True)
    event_id = fields.IntField(null=True)
    entered_at = fields.DatetimeField(auto_now_add=True, db_default=SqlDefault("CURRENT_TIMESTAMP"))

    class Meta:
        table = "marriage_history"


class MgmtHistory(Model):
    """One management attribute of a person (schema 6): 户籍, 流入 or 流出 with the flow's place, from `start`
    until `until`; an outflow ended by ``return`` is a 流出返回."""

    id = fields.IntField(primary_key=True)
    person: fields.ForeignKeyRelation[Person] = fields.ForeignKeyField(
        "models.Person", related_name="mgmt_history", on_delete=fields.CASCADE
    )
    mgmt = fields.CharField(max_length=2)
    flow_type = fields.CharField(max_length=8, null=True)
    place_code = fields.CharField(max_length=6, null=True)
    place = fields.CharField(max_length=100, null=True)
    reason = fields.CharField(max_length=100, null=True)
    start = fields.DateField(null=True)
    until = fields.DateField(null=True)
    began = fields.CharField(max_length=8, null=True)
    ended = fields.CharField(max_length=8, null=True)
    event_id = fields.IntField(null=True)
    entered_at = fields.DatetimeField(auto_now_add=True, db_default=SqlDefault("CURRENT_TIMESTAMP"))

    class Meta:
        table = "mgmt_history"


class ResidenceHistory(Model):
    """One household a person lived in (schema 6), from `start` until `until`; began and ended by birth,
    迁入, 户间迁移, 分户, 并户, 迁出, death …"""

    id = fields.IntField(primary_key=True)
    person: fields.ForeignKeyRelation[Person] = fields.ForeignKeyField(
        "models.Person", related_name="residence_history", on_delete=fields.CASCADE
    )
    household_code = fields.CharField(max_length=18)
    start = fields.DateField(null=True)
    until = fields.DateField(null=True)
    began = fields.CharField(max_length=8, null=True)
    ended = fields.CharField(max_length=8, null=True)
    event_id = fields.IntField(null=True)
    entered_at = fields.DatetimeField(auto_now_add=True, db_default=SqlDefault("CURRENT_TIMESTAMP"))

    class Meta:
        table = "residence_history"


class Benefit(Model):
    """A family-planning benefit (奖励扶助 / 特别扶助) received by a person."""

    id = fields.IntField(primary_key=True)
    person: fields.ForeignKeyRelation[Person] = fields.ForeignKeyField(
        "models.Person", related_name="benefits", on_delete=fields.CASCADE
    )
    kind = fields.CharField(max_length=8)
    since = fields.IntField(null=True)

    class Meta:
        table = "benefit"


class Confirmation(Model):
    """A warning confirmed as correct (核实无误); valid while the record keeps `record_version`."""

    id = fields.IntField(primary_key=True)
    person: fields.ForeignKeyRelation[Person] = fields.ForeignKeyField(
        "models.Person", related_name="confirmations", on_delete=fields.CASCADE
    )
    rule = fields.CharField(max_length=8)
    fields_json = fields.TextField(default="[]")
    reason = fields.TextField(default="")
    confirmed_by = fields.CharField(max_length=60, default="")
    confirmed_at = fields.CharField(max_length=32, default="")
    record_version = fields.IntField(null=True)

    class Meta:
        table = "confirmation"


class ChangeEvent(Model):
    """A change (变动) of the monthly report: what happened, when, and when and by whom it was keyed."""

    id = fields.IntField(primary_key=True)
    kind = fields.CharField(max_length=16)
    event_date = fields.DateField(null=True, db_index=True)
    person: fields.ForeignKeyNullableRelation[Person] = fields.ForeignKeyField(
        "models.Person", null=True, related_name="events", on_delete=fields.SET_NULL
    )
    household_code = fields.CharField(max_length=18)
    entered_at = fields.DatetimeField()
    operator = fields.CharField(max_length=60)
    source = fields.CharField(max_length=8, default="app")
    #: the ``YYYY-MM`` month the change is counted in, decided once when it is recorded
    #: (:func:`store.domain.months.counting_month`): its own month, or a later one when that was closed (补报)
    report_month = fields.CharField(max_length=7, null=True)
    #: True: this line withdraws a fact of a closed month (更正), counted −1 in the 补报 columns
    correction = fields.BooleanField(default=False, db_default=False)

    class Meta:
        table = "change_event"


class FieldChange(Model):
    """One item of a person record changed by a save (schema 7, `store.field_changes`): its value before and
    after (JSON), who and when, and the change event the save brought in for it (None: no event)."""

    id = fields.IntField(primary_key=True)
    person_id = fields.IntField(db_index=True)
    field = fields.CharField(max_length=40)
    before = fields.TextField(null=True)
    after = fields.TextField(null=True)
    changed_at = fields.DatetimeField()
    changed_by = fields.CharField(max_length=60)
    event_id = fields.IntField(null=True, db_index=True)

    class Meta:
        table = "field_change"


class EventReversal(Model):
    """The reversal (撤销) of a wrong change event (schema 7, `store.reversal`): the event is kept; ``withdrawn``
    True: it was counted in an open month and no longer counts; False: its month was closed and a 更正 line
    was written in the open month instead."""

    id = fields.IntField(primary_key=True)
    event_id = fields.IntField(unique=True)
    person_id = fields.IntField(null=True, db_index=True)
    reason = fields.TextField()
    reversed_by = fields.CharField(max_length=60)
    reversed_at = fields.DatetimeField()
    withdrawn = fields.BooleanField(default=True)

    class Meta:
        table = "event_reversal"


class MonthClose(Model):
    """A unit's closed month (封账): the returns' figures as sent (JSON and its SHA-256), who closed it and when;
    a reopening (admin, with a reason) keeps the row and fills the ``reopened_*`` columns."""

    id = fields.IntField(primary_key=True)
    unit_code = fields.CharField(max_length=14)  # '' : the whole database
    month = fields.CharField(max_length=7)
    figures = fields.TextField()
    digest = fields.CharField(max_length=64)
    closed_by = fields.CharField(max_length=60)
    closed_at = fields.DatetimeField()
    reopened_by = fields.CharField(max_length=60, null=True)
    reopened_at = fields.DatetimeField(null=True)
    reopen_reason = fields.TextField(null=True)

    class Meta:
        table = "month_close"


class MonthSignoff(Model):
    """A reviewer's sign-off (审核签字) of a village's month: who, when and the open errors at that time."""

    id = fields.IntField(primary_key=True)
    unit_code = fields.CharField(max_length=14)
    month = fields.CharField(max_length=7)
    signed_by = fields.CharField(max_length=60)
    signed_name = fields.CharField(max_length=60)
    signed_at = fields.DatetimeField()
    open_errors = fields.IntField(default=0)

    class Meta:
        table = "month_signoff"


class User(Model):
    """A real-name account (录入员 operator, 审核员 reviewer, 管理员 admin)."""

    id = fields.IntField(primary_key=True)
    username = fields.CharField(max_length=40, unique=True)
    real_name = fields.CharField(max_length=60)
    password_hash = fields.CharField(max_length=200)
    role = fields.CharField(max_length=10, default="operator")
    unit_code = fields.CharField(max_length=14, null=True)
    failed_attempts = fields.IntField(default=0)
    locked_until = fields.DatetimeField(null=True)
    active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "app_user"


class AuditLog(Model):
    """Append-only, hash-chained log of every write, export, bulk read, refusal and opening of a person record
    (`store.audit`): ``hash`` is the SHA-256 of the entry's fields and ``prev_hash``, the previous entry's hash."""

    id = fields.IntField(primary_key=True)
    logged_at = fields.DatetimeField(auto_now_add=True)
    username = fields.CharField(max_length=60)
    action = fields.CharField(max_length=32)
    target = fields.CharField(max_length=120, default="")
    detail = fields.TextField(default="")
    prev_hash = fields.CharField(max_length=64, null=True)
    hash = fields.CharField(max_length=64, null=True)

    class Meta:
        table = "audit_log"


class Finding(Model):
    """A finding of the logic audit (逻辑审核), stored so screens can list them by unit, rule and severity."""

    id = fields.IntField(primary_key=True)
    rule = fields.CharField(max_length=8)
    severity = fields.CharField(max_length=1)
    scope = fields.CharField(max_length=10)
    household_code = fields.CharField(max_length=18, db_index=True)
    village_code = fields.CharField(max_length=12, db_index=True)
    person_key = fields.CharField(max_length=64, null=True, db_index=True)
    related_json = fields.TextField(default="[]")
    fields_json = fields.TextField(default="[]")
    message = fields.TextField()
    confirmed = fields.BooleanField(default=False, db_default=False)

    class Meta:
        table = "finding"
