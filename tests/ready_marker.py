"""A test-only mitmproxy addon: writes a file once startup has passed mitmproxy's last check.

mitmproxy prints "listening at" before the `running` hooks run, and its `errorcheck` addon
ends the process right after them if any error was logged during startup. So "listening" does
not mean "up". `errorcheck` removes its log handler only when that last check passed: the file
this addon writes once the handler is gone is a positive sign that the proxy stays up (and its
absence while the process exits is the sign that it failed). `tests/harness.py` loads it.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from mitmproxy import ctx
from mitmproxy.addonmanager import Loader


class ReadyMarker:
    def __init__(self) -> None:
        self.task: asyncio.Task[None] | None = None  # kept: the loop holds tasks weakly

    def load(self, loader: Loader) -> None:
        loader.add_option("harness_ready_file", str, "", "File written once startup has succeeded.")

    def running(self) -> None:
        self.task = asyncio.get_running_loop().create_task(self.mark_ready())

    async def mark_ready(self) -> None:
        errorcheck = ctx.master.addons.get("errorcheck")
        handler = getattr(errorcheck, "logger", None)
        while handler is not None and handler in logging.getLogger().handlers:
            await asyncio.sleep(0.01)
        if path := ctx.options.harness_ready_file:
            Path(path).write_text("ready\n")


addons = [ReadyMarker()]
