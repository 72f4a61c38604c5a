"""Which shell will read `authlens env`'s lines, and how the user invoked authlens.

$SHELL names the login shell, not the one running: `SHELL=/usr/bin/fish bash -c 'eval
"$(authlens env)"'` must get bash syntax. So the process tree is asked first: the nearest
ancestor that is a shell (in `eval "$(...)"` that is the subshell of the command
substitution, the same program as the user's shell). $SHELL is the fallback.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

# Process names -> the syntax `env` renders for them; POSIX shells all take `export`.
_SHELLS = {
    "bash": "bash",
    "zsh": "zsh",
    "fish": "fish",
    "pwsh": "powershell",
    "powershell": "powershell",
    "powershell.exe": "powershell",
    "pwsh.exe": "powershell",
    "sh": "bash",
    "dash": "bash",
    "ksh": "bash",
    "mksh": "bash",
    "ash": "bash",
    "busybox": "bash",
}
_MAX_DEPTH = 8  # launchers between the shell and us: bin/authlens, uv run, env, ...


def _proc_parent(pid: int) -> tuple[str, int] | None:
    """(name, parent pid) of `pid` from /proc (Linux), or from `ps` (macOS, BSD)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        return name, int(stat[stat.rindex(")") + 2 :].split()[1])
    except (OSError, ValueError, IndexError):
        pass
    if shutil.which("ps") is None:
        return None
    try:
        out = subprocess.run(
            ["ps", "-o", "ppid=,comm=", "-p", str(pid)],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        ).stdout.split(None, 1)
        return Path(out[1].strip()).name, int(out[0])
    except (OSError, ValueError, IndexError, subprocess.SubprocessError):
        return None


def shell_of_process(name: str) -> str | None:
    """The syntax for a process called `name` (`-bash` is a login bash), or None."""
    return _SHELLS.get(Path(name.lstrip("-")).name.lower())


def running_shell(pid: int | None = None) -> str | None:
    """The syntax of the nearest shell among our ancestors, or None when none is seen."""
    pid = os.getppid() if pid is None else pid
    for _ in range(_MAX_DEPTH):
        if pid <= 1:
            return None
        found = _proc_parent(pid)
        if found is None:
            return None
        name, parent = found
        if (shell := shell_of_process(name)) is not None:
            return shell
        pid = parent
    return None


def detect_shell(environ: Mapping[str, str]) -> str:
    """The running shell; else $SHELL; PowerShell on Windows; bash otherwise."""
    if os.name == "nt":
        return "powershell"
    return running_shell() or shell_of_process(environ.get("SHELL", "")) or "bash"


def invoked_as(environ: Mapping[str, str] | None = None) -> str:
    """The command as the user typed it: `bin/authlens` from a clone, else `authlens`.

    bin/authlens exports AUTHLENS_PROG before it execs the venv's script; a script on PATH
    is named by its base name, any other by its path.
    """
    environ = os.environ if environ is None else environ
    if prog := environ.get("AUTHLENS_PROG"):
        return prog
    argv0 = sys.argv[0] if sys.argv and sys.argv[0] else "authlens"
    name = Path(argv0).name
    if name != "authlens":
        return "authlens"  # python -m authlens.cli, tests
    on_path = shutil.which(name)
    if on_path and Path(on_path).resolve() == Path(argv0).resolve():
        return name
    return argv0
