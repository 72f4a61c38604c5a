"""`authlens demo`: offline, in seconds: the proxy, a fake OpenAI, broken requests, diagnoses.

The fake runs in this process; the proxy is a real `authlens run` in reverse mode in front of
it (plain HTTP on 127.0.0.1: no CA, no network, nothing written to ~/.mitmproxy). Everything
stops at the end, also on Ctrl-C.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import IO, Any

from rich.console import Console
from rich.text import Text

from authlens.fake_openai import FakeOpenAI
from authlens.tools.console import error, invoked_as, make_console, printable
from authlens.tools.demo_cases import (
    Case,
    Outcome,
    call_with_sdk,
    call_with_urllib,
    demo_cases,
    demo_key,
    sdk_available,
)
from authlens.tools.logview import format_event, layout_line, parse_line

EXAMPLES = """\
examples:
  authlens demo                 # a free local port, the openai SDK if installed
  authlens demo --port 8099
  authlens demo --no-sdk        # plain HTTP requests instead of the openai SDK
"""
_STARTUP_SECONDS = 30.0


class DemoError(Exception):
    """Something that stops the demo, with a message for the user."""


def add_parser(sub: Any) -> None:
    parser = sub.add_parser(
        "demo",
        help="offline demo: proxy + fake OpenAI + broken requests, with diagnoses",
        description=(
            "Start authlens in front of a built-in fake OpenAI on 127.0.0.1, send realistic "
            "broken requests (no key, quoted key, placeholder, another provider's key, wrong "
            "organization, revoked key) and a good one, and show what the application sees. "
            "Fully offline; stops everything at the end."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--port", type=int, default=0, help="proxy port (default: a free one)")
    parser.add_argument("--no-sdk", action="store_true", help="send with urllib, not openai")
    parser.set_defaults(handler=main)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_in_use(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def start_proxy(port: int, upstream: str, workdir: Path) -> subprocess.Popen[str]:
    """`authlens run` in reverse mode; its own CA and state stay in `workdir`.

    The fake stands in for api.openai.com, so its host gets the OpenAI profile.
    """
    args = [
        sys.executable,
        "-m",
        "authlens.cli",
        "run",
        "--mode",
        f"reverse:{upstream}",
        "-p",
        str(port),
        "--set",
        f"confdir={workdir}",
        "--set",
        "authlens_profiles=127.0.0.1=openai",
    ]
    stderr = (workdir / "mitmproxy.log").open("w")
    return subprocess.Popen(
        args,
        stdout=subprocess.PIPE,
        stderr=stderr,
        stdin=subprocess.DEVNULL,
        text=True,
        bufsize=1,
    )


def wait_ready(proxy: subprocess.Popen[str], port: int, workdir: Path) -> None:
    deadline = time.monotonic() + _STARTUP_SECONDS
    while time.monotonic() < deadline:
        if proxy.poll() is not None:
            said = (workdir / "mitmproxy.log").read_text(errors="replace")
            if "address already in use" in said.lower():
                raise DemoError(f"port {port} is in use: pick another with --port, or omit it")
            tail = " | ".join(said.strip().splitlines()[-3:])
            raise DemoError(f"the proxy stopped at startup (exit {proxy.returncode}): {tail}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise DemoError(f"the proxy did not listen on port {port} within {_STARTUP_SECONDS:.0f} s")


def read_log(stream: IO[str], into: list[str]) -> threading.Thread:
    def pump() -> None:
        for line in stream:
            into.append(line)

    thread = threading.Thread(target=pump, name="authlens-demo-log", daemon=True)
    thread.start()
    return thread


def stop(proxy: subprocess.Popen[str]) -> None:
    if proxy.poll() is None:
        proxy.terminate()
        try:
            proxy.wait(10)
        except subprocess.TimeoutExpired:
            proxy.kill()
            proxy.wait(5)


def keep_local_traffic_direct() -> None:
    """The demo talks to 127.0.0.1 only: never through a proxy set in the user's environment."""
    for name in ("NO_PROXY", "no_proxy"):
        current = os.environ.get(name, "")
        os.environ[name] = ",".join(p for p in (current, "127.0.0.1", "localhost") if p)


def show_title(console: Console, number: int, case: Case) -> None:
    title = Text(f"{number}. {case.title}", style="bold")
    title.append(f"  ({printable(case.mistake)})", style="dim")
    console.print(title)


def app_text(text: str, style: str) -> Text:
    """What the app saw; the part authlens appended (`[authlens: ...]`) in its own colour."""
    said, marker, ours = printable(text).partition(" [authlens: ")
    shown = Text(said, style=style)
    if marker:
        shown.append(" [authlens: " + ours, style="bold cyan")
    return shown


def show_case(console: Console, outcome: Outcome) -> None:
    style = "green" if outcome.status is not None and outcome.status < 400 else "yellow"
    console.print(Text("   app sees: ", style="dim") + app_text(outcome.text, style))
    if outcome.cause:
        console.print(
            Text("   authlens: ", style="dim") + Text(outcome.cause, style="bold magenta")
        )


def run_cases(console: Console, base_url: str, fake: FakeOpenAI, use_sdk: bool) -> list[Outcome]:
    revoked = demo_key("revoked")

    def revoke() -> None:
        fake.keys = fake.keys - {revoked}

    outcomes = []
    for number, case in enumerate(demo_cases(demo_key("good"), revoked, revoke), start=1):
        send = call_with_sdk if use_sdk and not case.raw_http else call_with_urllib
        show_title(console, number, case)
        if case.warmup is not None:
            first = send(base_url, case.warmup)
            console.print(Text(f"   (first: {printable(first.text[:70])})", style="dim"))
        if case.between is not None:
            case.between()
        outcome = send(base_url, case.call)
        show_case(console, outcome)
        outcomes.append(outcome)
    return outcomes


def show_log(console: Console, lines: list[str], expected: int) -> None:
    deadline = time.monotonic() + 3.0
    while sum('"exchange"' in line for line in lines) < expected and time.monotonic() < deadline:
        time.sleep(0.05)
    console.print(Text(f"\nThe proxy's JSON log, as '{invoked_as()} tail' shows it:", style="bold"))
    for line in list(lines):
        parsed = parse_line(line)
        if parsed.event is None:
            continue
        if not console.is_terminal:
            console.print(format_event(parsed.event))
            continue
        for part in layout_line(parsed, console.width, full=False):
            console.print(part, soft_wrap=True)


def demo(args: argparse.Namespace) -> int:
    console = make_console()
    use_sdk = sdk_available() and not args.no_sdk
    if args.port and port_in_use(args.port):
        error(f"port {args.port} is in use: pick another with --port, or omit it for a free one")
        return 1
    port = args.port or free_port()
    keep_local_traffic_direct()
    log: list[str] = []
    with (
        tempfile.TemporaryDirectory(prefix="authlens-demo-") as tmp,
        FakeOpenAI([demo_key("good"), demo_key("revoked")]) as fake,
    ):
        proxy = start_proxy(port, fake.url, Path(tmp))
        try:
            wait_ready(proxy, port, Path(tmp))
            assert proxy.stdout is not None
            read_log(proxy.stdout, log)
            base_url = f"http://127.0.0.1:{port}/v1"
            client = "the openai SDK" if use_sdk else "urllib (pip install openai to use the SDK)"
            console.print(
                Text(
                    f"authlens (reverse mode) on 127.0.0.1:{port} in front of a fake OpenAI at "
                    f"{fake.url}; the app uses base_url={base_url} and sends with {client}.\n",
                    style="bold",
                )
            )
            outcomes = run_cases(console, base_url, fake, use_sdk)
            show_log(console, log, expected=len(outcomes) + 1)
        except DemoError as e:
            error(str(e))
            return 1
        finally:
            stop(proxy)
    undiagnosed = [o for o in outcomes if o.status is not None and o.status >= 400 and not o.cause]
    prog = invoked_as()
    console.print(
        Text(
            f"\nStopped the proxy and the fake. Next: '{prog} run' and "
            f"'eval \"$({prog} env)\"' for your own app.",
            style="dim",
        )
    )
    return 1 if undiagnosed else 0


def main(args: argparse.Namespace) -> int:
    try:
        return demo(args)
    except KeyboardInterrupt:
        return 130
