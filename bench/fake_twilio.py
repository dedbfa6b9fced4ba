"""A local stand-in for Twilio's Messages API, and a twilio HTTP client that calls it.

The benchmark sends reminders through the real ``twilio`` library and our Twilio
gateway; only the host changes: https://api.twilio.com becomes a tiny HTTP server on
127.0.0.1 that answers like Twilio (201 with a message resource). Nothing leaves the
machine.
"""

from __future__ import annotations

import itertools
import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from twilio.http.http_client import TwilioHttpClient

TWILIO_BASE = "https://api.twilio.com"


class _Handler(BaseHTTPRequestHandler):
    server: FakeTwilio  # type: ignore[assignment]  # narrower than the base class says
    protocol_version = "HTTP/1.1"
    # Headers and body go out as two writes; without this, Nagle's algorithm and the
    # client's delayed ACK add 40 ms to every answer (a fake must not be the bottleneck).
    disable_nagle_algorithm = True

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        length = int(self.headers.get("Content-Length") or 0)
        form = parse_qs(self.rfile.read(length).decode())
        if not self.path.endswith("/Messages.json"):
            self._answer(404, {"code": 20404, "message": "not found", "status": 404})
            return
        sid = f"SM{self.server.prefix}{next(self.server.counter):020x}"
        with self.server.lock:
            self.server.received += 1
        self._answer(
            201,
            {
                "sid": sid,
                "status": "queued",
                "to": form.get("To", [""])[0],
                "from": form.get("From", ["+4759000000"])[0],
                "body": form.get("Body", [""])[0],
                "num_segments": "1",
                "direction": "outbound-api",
                "error_code": None,
                "error_message": None,
            },
        )

    def _answer(self, status: int, payload: dict[str, Any]) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
        return


class FakeTwilio(ThreadingHTTPServer):
    """``with FakeTwilio() as fake: fake.url`` serves on a free loopback port."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.counter = itertools.count(1)
        self.prefix = uuid.uuid4().hex[:12]  # SIDs unique across runs, like Twilio's
        self.lock = threading.Lock()
        self.received = 0
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def __enter__(self) -> FakeTwilio:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()


class LocalTwilioHttpClient(TwilioHttpClient):
    """The twilio library's own HTTP client, pointed at the fake."""

    def __init__(self, base_url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.base_url = base_url

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        if url.startswith(TWILIO_BASE):
            url = self.base_url + url[len(TWILIO_BASE) :]
        return super().request(method, url, *args, **kwargs)
