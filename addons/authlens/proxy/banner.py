"""The startup banner of `authlens run` on a terminal, from what mitmproxy actually listens on.

Printed from the `running` hook: mitmproxy calls it only after every server is up, so the
banner never claims an address that failed to bind.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

from mitmproxy import ctx

from authlens.output.human import HumanView, Listener, banner
from authlens.settings import Settings
from authlens.tools.console import invoked_as

CA_FILE = "mitmproxy-ca-cert.pem"


def stdout_fd() -> int:
    """The process's real stdout (`authlens run` points `sys.stdout` at stderr)."""
    return sys.__stdout__.fileno() if sys.__stdout__ else 1


def listeners() -> list[Listener]:
    """Each address a proxy server listens on, with its mode."""
    found: list[Listener] = []
    proxyserver = ctx.master.addons.get("proxyserver")
    for instance in getattr(proxyserver, "servers", ()):
        for address in instance.listen_addrs:
            found.append(Listener(str(address[0]), int(address[1]), _mode_name(instance.mode)))
    return found


def _mode_name(mode: object) -> str:
    spec = str(getattr(mode, "full_spec", mode))
    return spec.split("@", 1)[0]  # "reverse:https://api.openai.com@8081" -> without the port


def show_banner(view: HumanView, settings: Settings) -> None:
    """Write the banner to stdout; a failure to write it is nobody's problem."""
    ca_file = Path(ctx.options.confdir).expanduser() / CA_FILE
    log_file = str(settings.log_file) if settings.log_file else None
    text = banner(
        listeners(), ca_file=str(ca_file), log_file=log_file, command=invoked_as(), full=view.full
    )
    with contextlib.suppress(OSError):
        os.write(view.fd, text.encode("utf-8", "replace"))
