"""One delivery end to end over real HTTP to a server on 127.0.0.1 that checks the
signature the way a receiver should."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import ClassVar

import orjson
import pytest

from tests.alerts.conftest import SECRET, Clock, MakePrincipal, StoreAlert, worker
from truceline.alerts.signing import SIGNATURE_HEADER, verify
from truceline.services import alert_delivery, alert_subscriptions
from truceline.store.engine import Store


class Hook(BaseHTTPRequestHandler):
    received: ClassVar[list[dict[str, object]]] = []
    now_s = 0

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        ok = verify(SECRET, self.headers[SIGNATURE_HEADER], body, now_s=Hook.now_s)
        Hook.received.append({"ok": ok, "body": orjson.loads(body), "headers": dict(self.headers)})
        self.send_response(204 if ok else 401)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def hook_url() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Hook.received = []
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()
    server.server_close()


def test_real_http_delivery(
    store: Store, principal: MakePrincipal, alert_with: StoreAlert, clock: Clock, hook_url: str
) -> None:
    alert_subscriptions.create_subscription(
        store, principal("analyst"), url=hook_url, secret=SECRET, now_us=clock()
    )
    a = alert_with(["MISSION"])
    with store.write() as conn:
        alert_delivery.enqueue(conn, [a], now_us=clock())
    Hook.now_s = clock() // 1_000_000
    assert worker(store, clock).step(scan=False)["delivered"] == 1
    (got,) = Hook.received
    assert got["ok"] is True
    assert got["body"]["alert"]["id"] == a  # type: ignore[index]
