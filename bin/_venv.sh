# Sourced by bin/authlens and bin/test: find a Python >= 3.12, keep .venv in step with pyproject.toml.
# mitmproxy 12 needs Python 3.12+, and pip on an older Python silently installs mitmproxy 11.

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv="$root/.venv"

is_new_enough() {
    "$1" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1
}

find_python() {
    local candidate
    # PATH first; a pyenv shim for a version that is not selected fails the check and is skipped.
    for candidate in python3.14 python3.13 python3.12 python3 python; do
        if command -v "$candidate" >/dev/null 2>&1 && is_new_enough "$candidate"; then
            command -v "$candidate"
            return 0
        fi
    done
    # Then pyenv's installed versions, newest first.
    for candidate in $(ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.*/bin/python3 2>/dev/null | sort -t/ -k1,1 -V -r); do
        if is_new_enough "$candidate"; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

ensure_venv() {
    if ! [ -x "$venv/bin/python" ] || ! is_new_enough "$venv/bin/python"; then
        local python
        if ! python=$(find_python); then
            echo "authlens: needs Python >= 3.12 (mitmproxy 12); none found on PATH or under pyenv." >&2
            echo "authlens: install one (e.g. 'pyenv install 3.12') and run this command again." >&2
            exit 1
        fi
        echo "authlens: creating .venv with $python" >&2
        rm -rf "$venv"
        "$python" -m venv "$venv" >&2
    fi
    # Reinstall only when the project's dependencies changed.
    local stamp="$venv/.authlens-installed" wanted
    wanted=$(cat "$root/pyproject.toml" | sha256sum | cut -c1-16)
    if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
        echo "authlens: installing authlens and its dependencies into .venv" >&2
        "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade "pip>=25.1" >&2
        "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -e "$root" --group "$root/pyproject.toml:dev" >&2
        echo "$wanted" > "$stamp"
    fi
}
