# Sourced by bin/authlens, bin/test and bin/lock: find a Python >= 3.12 and keep a virtualenv in
# step with the lock (requirements/dev.txt). Portable: bash 3.2 (macOS) and POSIX tools only.
#
# AUTHLENS_PYTHON picks the interpreter: unset, the newest Python >= 3.12 on PATH or under pyenv,
# in .venv; a version ("3.12", "3.12.7") or an interpreter's path, in .venv-<major.minor>. The
# interpreter is looked for only when its venv has to be created.
# mitmproxy 12 needs Python 3.12+, and pip on an older Python silently installs mitmproxy 11.

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
lock_file="$root/requirements/dev.txt"
# The (major, minor) floor, as in pyproject.toml's requires-python.
floor_major=3
floor_minor=12

# "major minor micro" of the interpreter $1, or nothing if it does not run.
python_version() {
    "$1" -c 'import sys; print("%d %d %d" % sys.version_info[:3])' 2>/dev/null
}

# True for a "major minor micro" (three arguments) at or above the floor.
meets_floor() {
    [ $# -eq 3 ] && [ "$1" -eq "$floor_major" ] && [ "$2" -ge "$floor_minor" ]
}

# Every interpreter worth asking, one per line: PATH first, then pyenv's installed versions.
python_candidates() {
    local name path
    for name in python3.14 python3.13 python3.12 python3 python; do
        path=$(command -v "$name" 2>/dev/null) && echo "$path"
    done
    # A glob, not `ls`: folder names with spaces stay whole; an unmatched glob stays literal.
    for path in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/*/bin/python3; do
        [ -x "$path" ] && echo "$path"
    done
    return 0
}

# The newest interpreter at or above the floor that matches $1 ("" for any, "3.12", "3.12.7"),
# versions compared as numbers (3.12.10 is newer than 3.12.9). Prints its path, or fails.
find_python() {
    local wanted=$1 best="" best_key=-1 candidate version key
    while IFS= read -r candidate; do
        [ -n "$candidate" ] || continue
        version=$(python_version "$candidate") || continue
        # shellcheck disable=SC2086  # "major minor micro" split into three arguments
        meets_floor $version || continue
        set -- $version
        case "$wanted" in
            "" | "$1.$2" | "$1.$2.$3") ;;
            *) continue ;;
        esac
        key=$(($1 * 1000000 + $2 * 1000 + $3))
        if [ "$key" -gt "$best_key" ]; then
            best=$candidate
            best_key=$key
        fi
    done <<CANDIDATES
$(python_candidates)
CANDIDATES
    [ -n "$best" ] || return 1
    echo "$best"
}

# Sets $venv from AUTHLENS_PYTHON, without looking for an interpreter when a version is named.
choose_venv() {
    local wanted=${AUTHLENS_PYTHON:-} version
    case "$wanted" in
        "") venv="$root/.venv" ;;
        [0-9]*.[0-9]*) venv="$root/.venv-$(echo "$wanted" | cut -d. -f1,2)" ;;
        *)
            version=$(python_version "$wanted") || true
            # shellcheck disable=SC2086
            if ! meets_floor $version; then
                echo "authlens: AUTHLENS_PYTHON=$wanted is not a Python >= $floor_major.$floor_minor" >&2
                exit 1
            fi
            set -- $version
            venv="$root/.venv-$1.$2"
            ;;
    esac
}

# Sets $python, the interpreter to create $venv with.
choose_python() {
    local wanted=${AUTHLENS_PYTHON:-}
    if [ -n "$wanted" ] && [ -x "$wanted" ]; then
        python=$wanted
    elif ! python=$(find_python "$wanted"); then
        echo "authlens: needs Python >= $floor_major.$floor_minor${wanted:+ matching '$wanted'} (mitmproxy 12); none found on PATH or under pyenv." >&2
        echo "authlens: install one (e.g. 'pyenv install ${wanted:-3.12}') and run this command again." >&2
        exit 1
    fi
}

# A lock around the setup, so two commands started together on a fresh clone do not install
# into the same virtualenv at once. mkdir is atomic everywhere (flock is not on macOS).
setup_lock() { echo "$venv.setup-lock"; }

acquire_setup_lock() {
    local lock holder waited=0
    lock=$(setup_lock)
    until mkdir "$lock" 2>/dev/null; do
        # A holder killed by SIGKILL leaves the folder behind: take it over once its pid is gone.
        holder=$(cat "$lock/pid" 2>/dev/null) || holder=""
        if [ -n "$holder" ] && ! kill -0 "$holder" 2>/dev/null; then
            rm -rf "$lock"
            continue
        fi
        if [ "$waited" -eq 0 ]; then
            echo "authlens: waiting for another setup of $(basename "$venv") to finish" >&2
        fi
        waited=$((waited + 1))
        if [ "$waited" -gt 1800 ]; then
            echo "authlens: still locked after 30 minutes; remove $lock if no setup runs" >&2
            exit 1
        fi
        sleep 1
    done
    echo $$ >"$lock/pid"
}

release_setup_lock() {
    rm -rf "$(setup_lock)"
}

# What the installed packages were made from: the locks and pyproject.toml (entry points, the
# project's own metadata). cksum is POSIX (sha256sum is GNU-only, shasum needs Perl).
wanted_stamp() {
    cat "$root"/requirements/*.txt "$root/pyproject.toml" | cksum | tr -s ' \t' '--'
}

venv_runs() {
    # shellcheck disable=SC2046
    [ -x "$venv/bin/python" ] && meets_floor $(python_version "$venv/bin/python")
}

venv_is_current() {
    venv_runs && [ "$(cat "$venv/.authlens-installed" 2>/dev/null)" = "$(wanted_stamp)" ]
}

pip_in_venv() {
    "$venv/bin/python" -m pip --quiet --disable-pip-version-check "$@"
}

install_venv() {
    local stamp="$venv/.authlens-installed"
    if ! venv_runs; then
        choose_python
        echo "authlens: creating $(basename "$venv") with $python" >&2
        rm -rf "$venv"
        "$python" -m venv "$venv" >&2
    fi
    echo "authlens: installing authlens and the locked dependencies into $(basename "$venv")" >&2
    rm -f "$stamp"
    # The image's locked wheels (runtime and build backend, hashes checked) are kept in the venv's
    # wheelhouse: a test replays the Dockerfile's install steps in clean venvs from it, offline.
    pip_in_venv download --require-hashes --no-deps --only-binary :all: --dest "$venv/wheels" \
        -r "$root/requirements/runtime.txt" -r "$root/requirements/build.txt" >&2
    pip_in_venv install --require-hashes --no-deps --find-links "$venv/wheels" -r "$lock_file" >&2
    # authlens itself, editable, built by the locked hatchling (no build isolation).
    pip_in_venv install --no-index --no-deps --no-build-isolation --editable "$root" >&2
    wanted_stamp >"$stamp"
}

# Make $venv current: the usual case (nothing changed) takes no lock and installs nothing.
ensure_venv() {
    choose_venv
    venv_is_current && return 0
    acquire_setup_lock
    trap release_setup_lock EXIT
    trap 'release_setup_lock; exit 130' INT TERM
    # Another command may have finished the same setup while this one waited.
    venv_is_current || install_venv
    release_setup_lock
    trap - EXIT INT TERM
}
