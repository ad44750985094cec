"""Benchmark of the logic audit (design §5): whole-database audit, single-record audit, quality indicators.

    python -m bench.bench_audit --persons 100000            # builds or reuses the data set
    python -m bench.bench_audit --persons 400000 --json out.json

Figures (one line each, ``name value unit (baseline …, ratio …)``):

* ``raw_person_pass`` — baseline: one raw ``sqlite3`` pass reading every person row;
* ``audit_whole`` — :func:`checks.engine.run_audit` (target ≤ 10 × the baseline and ≤ 15 s for 400 000);
* ``audit_record_median`` / ``_p95`` — :func:`checks.engine.audit_record` on one household (≤ 5 ms);
* ``quality_after_audit`` — :func:`checks.quality.compute_quality` (≤ 2 s);
* ``audit_peak_rss`` — peak resident memory of the audit process (≤ 400 MB; the audit runs in a child
  process so that the figure is the audit's own).

The data set comes from ``renkou demo`` (``store.demo``) when that generator exists; otherwise a clean
synthetic township is generated here (:func:`synth_households`) and imported from JSONL, with a fraction
``--error-rate`` of households given a typical keying mistake.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "bench" / ".cache"
AS_OF = dt.date(2026, 11, 15)

# --- synthetic households ------------------------------------------------------------------------------

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
_MALE = [
    "建国",
    "志强",
    "伟",
    "军",
    "勇",
    "磊",
    "洋",
    "杰",
    "涛",
    "明",
    "超",
    "刚",
    "平",
    "辉",
    "鹏",
    "华",
    "飞",
    "鑫",
    "波",
    "斌",
    "宇",
    "浩",
    "凯",
    "健",
    "俊",
    "帆",
    "帅",
    "旭",
    "宁",
    "龙",
    "林",
    "欢",
    "阳",
    "建华",
    "亮",
    "成",
    "畅",
    "建",
    "峰",
    "建军",
    "晨",
    "瑞",
    "家豪",
    "子轩",
    "浩然",
    "宇航",
    "博文",
    "俊杰",
    "文博",
    "天佑",
]
_FEMALE = [
    "秀英",
    "桂英",
    "秀兰",
    "玉兰",
    "桂兰",
    "秀珍",
    "凤英",
    "玉珍",
    "玉英",
    "兰英",
    "丽",
    "敏",
    "静",
    "燕",
    "艳",
    "娟",
    "霞",
    "芳",
    "娜",
    "丹",
    "玲",
    "萍",
    "红",
    "婷",
    "雪",
    "琳",
    "颖",
    "倩",
    "洁",
    "佳",
    "慧",
    "欣怡",
    "梓涵",
    "诗涵",
    "雨涵",
    "子涵",
    "思雨",
    "可馨",
    "紫涵",
    "一诺",
    "梦瑶",
    "雨欣",
    "佳怡",
    "语桐",
    "婉清",
]


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return dt.date(day.year + years, 3, 1)


_used: dict[tuple[str, dt.date, str], int] = {}


def _id(region: str, birth: dt.date, sex: str, rnd: random.Random) -> str:
    """A valid ID number, unique within the run (sequence numbers counted per region, birth date and sex)."""
    from store.idnumber import make_id

    n = _used.get((region, birth, sex), rnd.randrange(0, 300))
    _used[(region, birth, sex)] = n + 1
    return make_id(region, birth, (n % 499) * 2 + (1 if sex == "1" else 0))


def _policy(order: int, born: dt.date) -> str:
    if born >= dt.date(2021, 5, 31):
        return "1" if order <= 3 else "2"
    if born >= dt.date(2016, 1, 1):
        return "1" if order <= 2 else "2"
    return "1" if order <= 2 else "2"


class _Synth:
    """Generates clean households of one township (every rule of rules.md satisfied)."""

    def __init__(self, seed: int, as_of: dt.date) -> None:
        self.rnd = random.Random(seed)
        self.as_of = as_of
        self.serial = 0
        self.keys = 0

    def key(self) -> str:
        self.keys += 1
        return f"p{self.keys}"

    def day_between(self, low: dt.date, high: dt.date) -> dt.date:
        span = max(0, (high - low).days)
        return low + dt.timedelta(days=self.rnd.randint(0, span))

    def person(self, sex: str, birth: dt.date, relation: str, surname: str, region: str, place: str) -> dict[str, Any]:
        rnd = self.rnd
        given = rnd.choice(_MALE if sex == "1" else _FEMALE)
        age = (self.as_of - birth).days // 365
        return {
            "key": self.key(), "name": surname + given, "id_type": "1", "id_number": _id(region, birth, sex, rnd),
            "sex": sex, "birth_date": birth, "relation": relation, "ethnicity": "01" if rnd.random() < 0.9 else "06",
            "hukou_nature": "2", "rural": True, "education": rnd.choice(["60", "70", "80", "90"]),
            "political_status": "13" if age >= 15 else None, "occupation": None,
            "marital_status": "10", "first_marriage_date": None, "marriage_change_date": None,
            "spouse": None, "spouse_external": None, "mother": None, "father": None, "residence_status": "1",
            "mgmt": "01", "registered_place_code": place, "flow": None, "moved_in": None, "death_date": None,
            "cancel": None, "benefits": [], "confirmations": [], "woman": None,
        }  # fmt: skip

    def marry(self, husband: dict[str, Any], wife: dict[str, Any]) -> dt.date:
        low = max(_add_years(husband["birth_date"], 23), _add_years(wife["birth_date"], 21))
        high = min(low + dt.timedelta(days=365 * 6), self.as_of - dt.timedelta(days=30))
        date = self.day_between(low, high)
        for a, b in ((husband, wife), (wife, husband)):
            a["marital_status"], a["first_marriage_date"], a["spouse"] = "21", date, b["key"]
        return date

    def children(self, mother: dict[str, Any], married: dt.date, count: int) -> list[dt.date]:
        births: list[dt.date] = []
        day = married + dt.timedelta(days=300 + self.rnd.randint(0, 700))
        limit = min(_add_years(mother["birth_date"], 42), self.as_of - dt.timedelta(days=400))
        for _ in range(count):
            if day > limit:
                break
            births.append(day)
            day = day + dt.timedelta(days=800 + self.rnd.randint(0, 1500))
        return births

    def household(self, village: str, group: int, inflow: bool) -> dict[str, Any]:
        rnd, as_of = self.rnd, self.as_of
        self.serial += 1
        code = f"{village}{group:02d}{self.serial % 10000:04d}"
        county = village[:6]
        region = "510722" if inflow else county
        place = region if inflow else village
        surname = rnd.choice(_SURNAMES)
        members: list[dict[str, Any]] = []
        head_birth = self.day_between(dt.date(1945, 1, 1), dt.date(1996, 12, 31))
        head = self.person("1", head_birth, "02", surname, region, place)
        members.append(head)
        wife = self.person("2", self.day_between(_add_years(head_birth, -1), _add_years(head_birth, 4)), "12",
                           rnd.choice(_SURNAMES), region, place)  # fmt: skip
        if wife["birth_date"] > _add_years(as_of, -22):
            wife["birth_date"] = _add_years(as_of, -22)
            wife["id_number"] = _id(region, wife["birth_date"], "2", rnd)
        members.append(wife)
        married = self.marry(head, wife)
        births = self.children(wife, married, rnd.choice([1, 1, 2, 2, 2, 3]))
        entries = []
        sons = daughters = 0
        for order, born in enumerate(births, start=1):
            sex = rnd.choice("12")
            if sex == "1":
                sons += 1
                relation = {1: "22", 2: "23", 3: "24"}.get(sons, "29")
            else:
                daughters += 1
                relation = {1: "32", 2: "33", 3: "34"}.get(daughters, "39")
            child = self.person(sex, born, relation, surname, region, place)
            child["mother"], child["father"] = wife["key"], head["key"]
            if inflow:
                child["hukou_nature"] = "2"
            members.append(child)
            entries.append({"order": order, "name": child["name"], "sex": sex, "birth_date": born,
                            "policy": _policy(order, born), "blood": "1", "alive": True, "disabled_grade": None,
                            "member": child["key"]})  # fmt: skip
        wife_age = (
            as_of.year
            - wife["birth_date"].year
            - ((as_of.month, as_of.day) < (wife["birth_date"].month, wife["birth_date"].day))
        )
        contraception = None
        pregnancies: list[dict[str, Any]] = []
        last = births[-1] if births else married
        if wife_age <= 49:
            method = rnd.choice(["03", "03", "02", "07", "04", "00"])
            contraception = {"method": method, "since": self.day_between(last + dt.timedelta(days=60),
                                                                          last + dt.timedelta(days=400)),
                             "failure": None}  # fmt: skip
            if contraception["since"] > as_of:
                contraception["since"] = as_of - dt.timedelta(days=1)
            if method == "00":
                contraception["since"] = None
                if wife_age < 40 and rnd.random() < 0.3:
                    lmp = as_of - dt.timedelta(days=rnd.randint(20, 250))
                    pregnancies.append({"lmp": lmp, "edd": lmp + dt.timedelta(days=280), "outcome": None,
                                        "outcome_date": None})  # fmt: skip
        elif rnd.random() < 0.5:
            contraception = {"method": "02", "since": self.day_between(last + dt.timedelta(days=60),
                                                                       _add_years(wife["birth_date"], 45)),
                             "failure": None}  # fmt: skip
        for born in births:
            if born >= dt.date(2005, 1, 1) and rnd.random() < 0.5:
                lmp = born - dt.timedelta(days=rnd.randint(270, 285))
                pregnancies.insert(0, {"lmp": lmp, "edd": lmp + dt.timedelta(days=280), "outcome": "1",
                                       "outcome_date": born})  # fmt: skip
        wife["woman"] = {"children": entries, "contraception": contraception, "pregnancies": pregnancies,
                         "only_child_certificate": None}  # fmt: skip
        if len(births) == 1 and births[0] < dt.date(2016, 1, 1) and rnd.random() < 0.4:
            wife["woman"]["only_child_certificate"] = {"number": f"湘独{self.serial}", "date": births[0]}
        for person in (head, wife):
            if person["rural"] and len(births) == 1 and (as_of.year - person["birth_date"].year) >= 60:
                person["benefits"] = [{"kind": "reward", "since": max(person["birth_date"].year + 60, 2004)}]
        # the householder's widowed mother (her own record: the householder is her son)
        if head_birth.year >= 1960 and rnd.random() < 0.3:
            mother_birth = self.day_between(_add_years(head_birth, -35), _add_years(head_birth, -22))
            mother = self.person("2", mother_birth, "52", rnd.choice(_SURNAMES), region, place)
            mother["marital_status"] = "30"
            mother["first_marriage_date"] = self.day_between(_add_years(mother_birth, 20), _add_years(head_birth, -1))
            mother["marriage_change_date"] = self.day_between(_add_years(head_birth, 20), as_of - dt.timedelta(days=40))
            head["mother"] = mother["key"]
            mother["woman"] = {"children": [{"order": 1, "name": head["name"], "sex": "1", "birth_date": head_birth,
                                             "policy": "1", "blood": "1", "alive": True, "disabled_grade": None,
                                             "member": head["key"]}],
                               "contraception": None, "pregnancies": [], "only_child_certificate": None}  # fmt: skip
            members.insert(1, mother)
        if inflow:
            for person in members:
                person["mgmt"], person["residence_status"] = "02", "2"
                person["flow"] = {"type": "inflow", "since": self.day_between(dt.date(2015, 1, 1), as_of - dt.timedelta(days=120)),
                                  "place_code": region, "place": "四川省绵阳市三台县", "reason": "务工经商"}  # fmt: skip
        elif len(members) > 3 and rnd.random() < 0.15:
            child = members[-1]
            if _add_years(child["birth_date"], 18) < as_of - dt.timedelta(days=130):
                child["mgmt"], child["residence_status"] = "03", "3"
                child["flow"] = {"type": "outflow", "since": self.day_between(_add_years(child["birth_date"], 18), as_of - dt.timedelta(days=120)),
                                 "place_code": "440305", "place": "广东省深圳市南山区", "reason": "务工经商"}  # fmt: skip
        return {"household": {"code": code, "unit": village, "group": f"{group:02d}", "address": f"{group}组{self.serial}号",
                              "hukou_type": "2", "kind": "family", "status": "active", "closed_date": None, "phone": None},
                "members": members}  # fmt: skip


def _mistake(record: dict[str, Any], rnd: random.Random) -> None:
    """One typical keying mistake in a household (for realistic finding counts)."""
    person = rnd.choice(record["members"])
    how = rnd.randrange(6)
    if how == 0 and person["id_number"]:
        person["id_number"] = person["id_number"][:17] + ("0" if person["id_number"][17] != "0" else "1")
    elif how == 1:
        person["ethnicity"] = None
    elif how == 2 and person["id_number"]:
        person["birth_date"] = person["birth_date"] + dt.timedelta(days=1)
    elif how == 3:
        person["sex"] = "1" if person["sex"] == "2" else "2"
    elif how == 4 and person["marital_status"] == "21":
        person["first_marriage_date"] = None
    else:
        person["relation"] = "02"


def synth_households(persons: int, seed: int = 1, as_of: dt.date = AS_OF, error_rate: float = 0.0) -> Iterator[Any]:
    """Unit dicts then household records (dates as `date`) of one synthetic township, about `persons` persons."""
    synth = _Synth(seed, as_of)
    villages = max(1, persons // 2500)
    yield {"code": "430426", "name": "祁东县", "level": "county", "parent": None}
    yield {"code": "430426101", "name": "城关镇", "level": "township", "parent": "430426"}
    codes = [f"430426101{200 + v + 1:03d}" for v in range(villages)]
    for v, code in enumerate(codes):
        yield {"code": code, "name": f"第{v + 1}村", "level": "village", "parent": "430426101"}
    made = 0
    while made < persons:
        village = codes[synth.rnd.randrange(villages)]
        record = synth.household(village, synth.rnd.randint(1, 9), inflow=synth.rnd.random() < 0.05)
        if error_rate and synth.rnd.random() < error_rate:
            _mistake(record, synth.rnd)
        made += len(record["members"])
        yield record


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def write_jsonl(path: Path, persons: int, seed: int = 1, as_of: dt.date = AS_OF, error_rate: float = 0.0) -> Path:
    """Write a synthetic township as a household file; household codes are made unique per village."""
    seen: set[str] = set()
    with path.open("w", encoding="utf-8") as out:
        for item in synth_households(persons, seed, as_of, error_rate):
            if "household" not in item:
                out.write(json.dumps({"unit": item}, ensure_ascii=False) + "\n")
                continue
            code = item["household"]["code"]
            while code in seen:
                code = code[:14] + f"{(int(code[14:]) + 1) % 10000:04d}"
            seen.add(code)
            item["household"]["code"] = code
            out.write(json.dumps(_plain(item), ensure_ascii=False) + "\n")
    return path


# --- data set ------------------------------------------------------------------------------------------


def _demo_available() -> bool:
    try:
        from store.demo import generate  # noqa: F401
    except ImportError:
        return False
    return True


def dataset(persons: int, seed: int, error_rate: float, source: str, rebuild: bool = False) -> tuple[Path, str, float]:
    """The SQLite data set (cached under bench/.cache), what built it and how long that took (0: cached)."""
    from store import db

    if source == "auto":
        source = "demo" if _demo_available() else "synth"
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"audit-{source}-{persons}-s{seed}-e{error_rate}.sqlite3"
    if path.exists() and not rebuild:
        return path, source, 0.0
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    start = time.perf_counter()
    if source == "demo":
        from store.demo_build import build_demo

        asyncio.run(build_demo(db.resolve(path), persons=persons, seed=seed, error_rate=error_rate, as_of=AS_OF,
                               force=True))  # fmt: skip
    else:
        from store.importer import import_file

        with tempfile.TemporaryDirectory() as folder:
            source_file = write_jsonl(Path(folder) / "synth.jsonl", persons, seed, AS_OF, error_rate)

            async def load() -> None:
                async with db.database(db.resolve(path)):
                    report = await import_file(source_file, operator="bench")
                    if report.errors:
                        raise SystemExit(f"import failed: {report.errors[:3]}")

            asyncio.run(load())
    return path, source, time.perf_counter() - start


# --- measurements --------------------------------------------------------------------------------------


def raw_pass(path: Path) -> float:
    """Baseline: one raw sqlite3 pass reading every person row (best of 3)."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        conn = sqlite3.connect(path)
        for _row in conn.execute("SELECT * FROM person"):
            pass
        conn.close()
        best = min(best, time.perf_counter() - start)
    return best


def _vm_hwm_mb() -> float | None:
    """Peak resident memory of this process from /proc (Linux), in MB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _child_audit(path: str) -> None:
    """Run in a child process: the whole audit, then its own figures as JSON on stdout."""
    import resource

    from checks.engine import run_audit
    from checks.quality import compute_quality
    from store import db

    async def work() -> dict[str, Any]:
        async with db.database(db.resolve(path)):
            start = time.perf_counter()
            summary = await run_audit(AS_OF, today=AS_OF)
            seconds = time.perf_counter() - start
            start = time.perf_counter()
            await compute_quality(AS_OF, today=AS_OF)
            quality = time.perf_counter() - start
        return {"seconds": seconds, "quality": quality, "persons": summary.persons, "findings": len(summary.findings),
                "by_severity": dict(summary.counts())}  # fmt: skip

    result = asyncio.run(work())
    # VmHWM: the peak of this process image (ru_maxrss would include the parent's RSS at fork on Linux)
    own = _vm_hwm_mb() or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    result.update(rss_mb=own, worker_rss_mb=workers)
    print(json.dumps(result))


def whole_audit(path: Path, workers: int | None) -> dict[str, Any]:
    env = dict(__import__("os").environ)
    if workers:
        env["RENKOU_AUDIT_WORKERS"] = str(workers)
    out = subprocess.run([sys.executable, "-m", "bench.bench_audit", "--child-audit", str(path)], cwd=ROOT, env=env,
                         capture_output=True, text=True, check=True)  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def single_record(path: Path, samples: int) -> tuple[list[float], list[float]]:
    """Milliseconds of `audit_record` (context already loaded) and of `load_context`, per household."""
    from checks.engine import Auditor, audit_record, load_config, load_context
    from store import db
    from store.records import load_households

    async def work() -> tuple[list[float], list[float]]:
        async with db.database(db.resolve(path)):
            codes = [r[0] for r in await db.fetch("SELECT code FROM household ORDER BY code")]
            rnd = random.Random(5)
            chosen = rnd.sample(codes, min(samples, len(codes)))
            records = await load_households(chosen)
            config = await load_config()
            auditor = Auditor(AS_OF, today=AS_OF, config=config)
            audit_ms, context_ms = [], []
            for code in chosen:
                record = records[code]
                start = time.perf_counter()
                ctx = await load_context(record, AS_OF, config)
                context_ms.append((time.perf_counter() - start) * 1000)
                start = time.perf_counter()
                audit_record(record, ctx, AS_OF, auditor=auditor)
                audit_ms.append((time.perf_counter() - start) * 1000)
            return audit_ms, context_ms

    return asyncio.run(work())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark of the logic audit (design §5).")
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--error-rate", type=float, default=0.05)
    parser.add_argument("--source", choices=["auto", "demo", "synth"], default="auto")
    parser.add_argument("--workers", type=int, default=None, help="audit processes (default: automatic)")
    parser.add_argument("--samples", type=int, default=300, help="households timed for audit_record")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures as JSON")
    parser.add_argument("--child-audit", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_audit:
        _child_audit(args.child_audit)
        return 0
    from bench.common import Figure, Report, median, percentile

    path, source, built = dataset(args.persons, args.seed, args.error_rate, args.source, args.rebuild)
    report = Report("audit")
    if built:
        report.add(Figure("dataset_build", built, "s", target=f"{source}, {args.persons} persons"))
    base = report.add(Figure("raw_person_pass", raw_pass(path), "s", target="baseline"))
    audit = whole_audit(path, args.workers)
    scale = f"≤ 10× and ≤ {15 * audit['persons'] / 400_000:.1f} s at this size"
    report.add(Figure("audit_whole", audit["seconds"], "s", base.value, "raw sqlite3 person pass", scale))
    report.add(Figure("audit_persons_per_s", audit["persons"] / audit["seconds"], "persons/s"))
    report.add(Figure("audit_findings", audit["findings"], "findings", target=json.dumps(audit["by_severity"])))
    report.add(Figure("audit_peak_rss", audit["rss_mb"], "MB", target="≤ 400 MB"))
    if audit["worker_rss_mb"]:
        report.add(Figure("audit_worker_peak_rss", audit["worker_rss_mb"], "MB",
                          target="largest audit worker (ru_maxrss: includes the audit process's RSS at spawn)"))  # fmt: skip
    report.add(Figure("quality_after_audit", audit["quality"], "s", target="≤ 2 s"))
    audit_ms, context_ms = single_record(path, args.samples)
    report.add(Figure("audit_record_median", median(audit_ms), "ms", target="≤ 5 ms"))
    report.add(Figure("audit_record_p95", percentile(audit_ms, 95), "ms"))
    report.add(Figure("load_context_median", median(context_ms), "ms"))
    if args.json:
        report.write(args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
