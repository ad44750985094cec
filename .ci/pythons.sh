# Sourced by .ci/test_pythons.sh and .ci/offline_install.sh: find installed Python interpreters.
# find_python MINOR prints the path of a working python3.MINOR (with venv), or nothing. It looks in pyenv
# ($PYENV_ROOT/versions/3.MINOR.*, newest patch first) and for python3.MINOR on PATH, skipping pyenv shims
# (they only work for the selected version).
find_python() {
    local minor=$1 candidate
    for candidate in $(ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3."$minor".*/bin/python3 2>/dev/null | sort -V -r) \
        $(type -a -p python3."$minor" 2>/dev/null | grep -v /shims/); do
        if [ -x "$candidate" ] && "$candidate" -c "import sys, venv; assert sys.version_info[:2] == (3, $minor)" 2>/dev/null
        then
            echo "$candidate"
            return
        fi
    done
}
