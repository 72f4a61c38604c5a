"""An OTLP/HTTP endpoint that accepts every export and discards it: the tracing arm's collector.

Its own process (like the upstream), so decoding nothing costs the client and the proxies
nothing. Usage: python -m benchmarks.otlp_sink PORT (0: any free port; prints "ready PORT").
"""

from __future__ import annotations

import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class OtlpSink(BaseHTTPRequestHandler):
    """Answers every export 200; `received` (nothing here) sees each request body."""

    protocol_version = "HTTP/1.1"

    def received(self, body: bytes) -> None:
        """What to do with an export request; the benchmark's sink drops it."""

    def do_POST(self) -> None:
        self.received(self.rfile.read(int(self.headers.get("content-length", "0"))))
        self.send_response(200)
        self.send_header("content-type", "application/x-protobuf")
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def main() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), OtlpSink)
    print("ready", server.server_address[1], flush=True)  # PORT 0: the system's pick
    server.serve_forever()


if __name__ == "__main__":
    main()
