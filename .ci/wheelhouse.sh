#!/usr/bin/env bash
# Collect every wheel Renkou needs into a folder that installs on a PC without network (`make wheelhouse`).
#
#   .ci/wheelhouse.sh PYTHON OUTDIR
#
#   OUTDIR/            renkou-*.whl and the runtime dependencies: pure-Python (py3-none-any) wheels only
#   OUTDIR/postgres/   the optional PostgreSQL driver asyncpg (compiled, one wheel per Python version and
#                      platform) and its dependencies
#
# Environment:
#   WHEEL_PYTHONS   target Python versions (default "3.10 3.11 3.12 3.13"; the running version is always added)
#   WHEEL_PLATFORMS platform tags for asyncpg, e.g. "manylinux2014_x86_64 manylinux2014_aarch64"
#                   (default: this machine's platform); a platform without a wheel is reported, not fatal
#
# pip evaluates environment markers (`exceptiongroup; python_version < "3.11"`) for the running interpreter
# even with --python-version, so a wheelhouse built on 3.11 would miss what 3.10 needs; the closure step below
# reads every wheel's metadata, evaluates the markers for each target version and fetches what is missing.
set -euo pipefail
PY=${1:?usage: wheelhouse.sh PYTHON OUTDIR}
OUT=${2:?usage: wheelhouse.sh PYTHON OUTDIR}
cd "$(dirname "$0")/.."
WHEEL_PYTHONS=${WHEEL_PYTHONS:-"3.10 3.11 3.12 3.13"}
WHEEL_PLATFORMS=${WHEEL_PLATFORMS:-}
here=$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
case " $WHEEL_PYTHONS " in *" $here "*) ;; *) WHEEL_PYTHONS="$WHEEL_PYTHONS $here" ;; esac
export WHEEL_PYTHONS WHEEL_PLATFORMS

rm -rf "$OUT"
mkdir -p "$OUT/postgres"
echo "wheelhouse: building the renkou wheel"
# From a copy of the sources, so that a stale build/ folder cannot slip old files into the wheel.
src=$(mktemp -d)
trap 'rm -rf "$src"' EXIT
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git ls-files -z -co --exclude-standard | tar --null --ignore-failed-read -T - -cf - 2>/dev/null | tar -xf - -C "$src"
else
    tar --exclude=./.venv --exclude=./wheelhouse --exclude=./build --exclude='*.egg-info' -cf - . | tar -xf - -C "$src"
fi
if ! "$PY" -m pip wheel -q --no-deps -w "$OUT" "$src" >"$src/.wheel.log" 2>&1; then
    cat "$src/.wheel.log" >&2
    echo "wheelhouse: building the renkou wheel failed" >&2
    exit 1
fi

"$PY" - "$OUT" <<'PYEOF'
"""Download the dependency closure of renkou (and renkou[postgres]) for every target Python version."""

import email.parser
import os
import subprocess
import sys
import zipfile
from pathlib import Path

try:
    from packaging.markers import default_environment
    from packaging.requirements import Requirement
    from packaging.specifiers import SpecifierSet
    from packaging.utils import canonicalize_name, parse_wheel_filename
except ImportError:  # pip always carries a copy
    from pip._vendor.packaging.markers import default_environment
    from pip._vendor.packaging.requirements import Requirement
    from pip._vendor.packaging.specifiers import SpecifierSet
    from pip._vendor.packaging.utils import canonicalize_name, parse_wheel_filename

out = Path(sys.argv[1])
pg = out / "postgres"
versions = os.environ["WHEEL_PYTHONS"].split()
platforms = os.environ["WHEEL_PLATFORMS"].split()
PURE = ["--implementation", "py", "--abi", "none", "--platform", "any"]


def pip_download(dest: Path, version: str, reqs: list[str], extra: list[str], show_errors: bool = True) -> bool:
    cmd = [sys.executable, "-m", "pip", "download", "-q", "--only-binary=:all:", "--python-version", version,
           "-d", str(dest), *extra, *reqs]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode and show_errors:
        sys.stderr.write(done.stdout + done.stderr)
    return done.returncode == 0


def wheels(folders: list[Path]) -> dict[str, list[tuple[object, Path, frozenset]]]:
    found: dict[str, list] = {}
    for folder in folders:
        for path in folder.glob("*.whl"):
            name, version, _build, tags = parse_wheel_filename(path.name)
            found.setdefault(name, []).append((version, path, tags))
    return found


def metadata(path: Path):
    with zipfile.ZipFile(path) as archive:
        member = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA") and n.count("/") == 1)
        return email.parser.BytesParser().parsebytes(archive.read(member))


def fits(tags: frozenset, meta, version: str) -> bool:
    major, minor = version.split(".")
    if not any(t.interpreter in (f"py{major}", f"py{major}{minor}", f"cp{major}{minor}") for t in tags):
        return False
    requires_python = meta.get("Requires-Python")
    return not requires_python or SpecifierSet(requires_python).contains(f"{version}.0", prereleases=True)


def missing(root: str, folders: list[Path], version: str) -> list[str]:
    """Requirements of the closure of `root` under Python `version` that no wheel in `folders` satisfies."""
    available = wheels(folders)
    env = default_environment()
    env.update(python_version=version, python_full_version=f"{version}.0")
    todo, seen, lacking = [Requirement(root)], set(), []
    while todo:
        req = todo.pop()
        key = (canonicalize_name(req.name), str(req.specifier), frozenset(req.extras))
        if key in seen:
            continue
        seen.add(key)
        candidates = []
        for wheel_version, path, tags in available.get(canonicalize_name(req.name), []):
            if req.specifier.contains(wheel_version, prereleases=True):
                meta = metadata(path)
                if fits(tags, meta, version):
                    candidates.append((wheel_version, meta))
        if not candidates:
            lacking.append(str(Requirement(f"{req.name}{req.specifier}")))
            continue
        _best, meta = max(candidates, key=lambda c: c[0])
        for line in meta.get_all("Requires-Dist") or []:
            dep = Requirement(line)
            wanted = [""] + sorted(req.extras)
            if dep.marker is None or any(dep.marker.evaluate({**env, "extra": e}) for e in wanted):
                todo.append(dep)
    return sorted(set(lacking))


def close(root: str, dest: Path, folders: list[Path], extra: list[str]) -> list[str]:
    problems = []
    for version in versions:
        for _round in range(10):
            lack = missing(root, folders, version)
            if not lack:
                break
            print(f"wheelhouse: Python {version}: fetching {' '.join(lack)}", flush=True)
            if not pip_download(dest, version, lack, extra):
                problems.append(f"Python {version}: no wheel for {' '.join(lack)}")
                break
        else:
            problems.append(f"Python {version}: dependency closure did not settle")
    return problems


# Runtime: pure-Python wheels only. A dependency without one fails here, which is the point.
problems = close("renkou", out, [out], PURE)
if problems:
    sys.exit("wheelhouse: the runtime needs a dependency without a pure-Python wheel:\n  " + "\n  ".join(problems))

# PostgreSQL driver: compiled wheels, one per Python version and platform.
pg_notes = []
renkou_meta = metadata(next(out.glob("renkou-*.whl")))
pg_reqs = []
for line in renkou_meta.get_all("Requires-Dist") or []:
    req = Requirement(line)
    if req.marker is not None and req.marker.evaluate({"extra": "postgres"}) and not req.marker.evaluate({"extra": ""}):
        pg_reqs.append(f"{req.name}{req.specifier}")
for version in versions:
    for platform in platforms or [None]:
        extra = ["--platform", platform] if platform else []
        if not pip_download(pg, version, pg_reqs, extra, show_errors=False):
            pg_notes.append(f"no wheel of {' '.join(pg_reqs)} for Python {version} on {platform or 'this platform'}")
# Their pure-Python dependencies, also those behind markers (async-timeout on 3.10).
pg_notes += close("renkou[postgres]", pg, [out, pg], PURE)

compiled = sorted("-".join(p.name.split("-")[-3:])[:-4] for p in pg.glob("*.whl") if not p.name.endswith("-none-any.whl"))
print(f"wheelhouse: {len(list(out.glob('*.whl')))} pure-Python wheels in {out}/, {len(list(pg.glob('*.whl')))} in "
      f"{pg}/, compiled for: {', '.join(compiled) or 'nothing'}")  # fmt: skip
for note in pg_notes:
    print(f"wheelhouse: note: {note} (PostgreSQL needs asyncpg built on the target; SQLite works without it)")
PYEOF
