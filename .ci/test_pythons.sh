#!/usr/bin/env bash
# `make test-pythons`: the test suite on the oldest and the newest Python found (requires-python >= 3.10),
# each in its own venv (.venv-py3.X). Interpreters are looked for in pyenv ($PYENV_ROOT/versions/3.X.*) and as
# python3.X on PATH (pyenv shims excluded: they only work for the selected version).
#
#   PYTEST_ARGS   default "-x -q -p no:cacheprovider"
#   TEST_PYTHONS  explicit interpreters instead of the search, e.g. "/usr/bin/python3.10 /opt/py313/bin/python3"
set -uo pipefail
cd "$(dirname "$0")/.."
PYTEST_ARGS=${PYTEST_ARGS:-"-x -q -p no:cacheprovider"}
OLDEST_SUPPORTED=10
# shellcheck source=.ci/pythons.sh
source .ci/pythons.sh

if [ -n "${TEST_PYTHONS:-}" ]; then
    read -r -a pythons <<<"$TEST_PYTHONS"
else
    found=()
    for minor in $(seq "$OLDEST_SUPPORTED" 20); do
        p=$(find_python "$minor")
        [ -n "$p" ] && found+=("$p")
    done
    if [ ${#found[@]} = 0 ]; then
        echo "test-pythons: skipped: no Python 3.$OLDEST_SUPPORTED or newer found (pyenv or python3.X on PATH)"
        exit 0
    fi
    oldest=${found[0]}
    newest=${found[${#found[@]} - 1]}
    if ! "$oldest" -c "import sys; assert sys.version_info[:2] == (3, $OLDEST_SUPPORTED)"; then
        echo "test-pythons: Python 3.$OLDEST_SUPPORTED (the oldest supported) is not installed: skipped; oldest found is $oldest"
    fi
    pythons=("$oldest")
    if [ "$newest" = "$oldest" ]; then
        echo "test-pythons: only one Python found ($oldest): the newest is the oldest"
    else
        pythons+=("$newest")
    fi
fi

failed=()
for py in "${pythons[@]}"; do
    version=$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])') || { failed+=("$py (does not run)"); continue; }
    full=$("$py" -c 'import platform; print(platform.python_version())')
    venv=.venv-py$version
    t0=$SECONDS
    echo "test-pythons: Python $full ($py) in $venv"
    if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import sys' 2>/dev/null; then
        rm -rf "$venv"
        "$py" -m venv "$venv" && "$venv/bin/python" -m pip install -q --upgrade pip || { failed+=("$full (venv)"); continue; }
    fi
    if ! "$venv/bin/python" -m pip install -q -e '.[test,postgres]' >"$venv/install.log" 2>&1; then
        cat "$venv/install.log"
        failed+=("$full (install)")
        continue
    fi
    # shellcheck disable=SC2086
    if "$venv/bin/python" -m pytest $PYTEST_ARGS; then
        echo "test-pythons: Python $full passed ($((SECONDS - t0))s)"
    else
        echo "test-pythons: Python $full FAILED ($((SECONDS - t0))s)"
        failed+=("$full")
    fi
done
if [ ${#failed[@]} != 0 ]; then
    echo "test-pythons: failed on: ${failed[*]}"
    exit 1
fi
echo "test-pythons: all passed (${pythons[*]})"
