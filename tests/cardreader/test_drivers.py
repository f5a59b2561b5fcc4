"""Reader drivers: the HTTP bridge against a local server, and the simulated reader."""

from __future__ import annotations

import json
import socket
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from kiosk.cardreader import (
    BridgeReader,
    CardData,
    CardReadError,
    IdCardReader,
    SimulatedReader,
    fixtures,
    is_loopback_url,
)
from kiosk.cardreader.drivers import MAX_RESPONSE_BYTES

TODAY = date(2026, 3, 15)
SPECS = fixtures.load_specs()
CARD = fixtures.build_payload(SPECS["adult_a"], today=TODAY, photo_dir=None)
NO_FACE = fixtures.build_payload(SPECS["no_face_photo"], today=TODAY, photo_dir=None)


class _Bridge(BaseHTTPRequestHandler):
    """A stand-in vendor bridge: one path per behaviour."""

    release = threading.Event()

    def do_GET(self):
        as_json = "application/json"
        read_failed = fixtures.empty_payload(-11, "读卡失败")
        gbk = json.dumps(CARD, ensure_ascii=False).encode("gb18030")
        routes = {
            "/card": (200, as_json, json.dumps(NO_FACE).encode()),
            "/nocard": (200, as_json, json.dumps(fixtures.no_card_payload()).encode()),
            "/error": (200, as_json, json.dumps(read_failed).encode()),
            "/garbage": (200, "text/html", b"<html>not json</html>"),
            "/list": (200, as_json, b"[1, 2, 3]"),
            "/gbk": (200, "application/json; charset=GBK", gbk),
            "/big": (200, as_json, b" " * (MAX_RESPONSE_BYTES + 10)),
            "/500": (500, "text/plain", b"oops"),
        }
        if self.path == "/slow":
            self.release.wait(5)  # longer than the client's timeout; released at teardown
            routes["/slow"] = routes["/card"]
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", f"http://127.0.0.1:{self.server.server_port}/card")
            self.end_headers()
            return
        status, ctype, body = routes.get(self.path, (404, "text/plain", b"no"))
        try:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass  # the client gave up (the timeout test)

    def log_message(self, *args):
        """Quiet."""


class _Server(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        """Quiet: a client that timed out is expected."""


@pytest.fixture
def bridge():
    """A local bridge on 127.0.0.1 in a thread; yields its base URL."""
    _Bridge.release.clear()
    server = _Server(("127.0.0.1", 0), _Bridge)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        _Bridge.release.set()
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8989/readcard",
        "http://127.1.2.3/readcard",
        "http://[::1]:8989/readcard",
        "http://localhost:8989/readcard",
        "https://LOCALHOST/readcard",
    ],
)
def test_loopback_urls_are_accepted(url):
    assert is_loopback_url(url)
    assert BridgeReader(url).url == url


@pytest.mark.parametrize(
    "url",
    [
        "http://192.168.1.20:8989/readcard",
        "http://10.0.0.1/readcard",
        "http://example.com/readcard",
        "http://127.0.0.1.example.com/readcard",
        "http://localhost.example.com/readcard",
        "http://127.0.0.1@example.com/readcard",
        "http://0.0.0.0:8989/readcard",
        "ftp://127.0.0.1/readcard",
        "file:///etc/passwd",
        "http://127.0.0.1:notaport/",
        "//127.0.0.1/readcard",
        "",
    ],
)
def test_non_loopback_urls_are_refused(url):
    assert not is_loopback_url(url)
    with pytest.raises(ValueError, match="loopback"):
        BridgeReader(url)


def test_bridge_reads_a_card(bridge):
    card = BridgeReader(bridge + "/card").read()
    assert isinstance(card, CardData)
    assert card.name == "孙丽华"
    assert card.photo is not None


def test_bridge_without_a_card_reads_none(bridge):
    assert BridgeReader(bridge + "/nocard").read() is None


def test_bridge_gb18030_answer(bridge):
    assert BridgeReader(bridge + "/gbk").read().name == "王建军"


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("/error", "read_failed"),
        ("/garbage", "bad_field"),
        ("/list", "bad_field"),
        ("/big", "bad_field"),
        ("/500", "reader_unavailable"),
        ("/missing", "reader_unavailable"),
        ("/redirect", "reader_unavailable"),
    ],
)
def test_bridge_failures_are_card_read_errors(bridge, path, code):
    with pytest.raises(CardReadError) as info:
        BridgeReader(bridge + path).read()
    assert info.value.code == code


def test_bridge_timeout(bridge):
    with pytest.raises(CardReadError) as info:
        BridgeReader(bridge + "/slow", timeout=0.2).read()
    assert info.value.code == "reader_unavailable"


def test_bridge_not_running():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(CardReadError) as info:
        BridgeReader(f"http://127.0.0.1:{port}/readcard", timeout=1).read()
    assert info.value.code == "reader_unavailable"


def test_bridge_ignores_proxy_settings(bridge, monkeypatch):
    monkeypatch.setenv("http_proxy", "http://192.0.2.1:3128")
    monkeypatch.setenv("HTTP_PROXY", "http://192.0.2.1:3128")
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    assert BridgeReader(bridge + "/card", timeout=1).read() is not None


# ---- SimulatedReader ----


def _reader(**kw):
    sleeps = []
    reader = SimulatedReader(SPECS, None, today=TODAY, sleep=sleeps.append, **kw)
    return reader, sleeps


def test_both_drivers_are_readers():
    assert isinstance(SimulatedReader(SPECS), IdCardReader)
    assert isinstance(BridgeReader(), IdCardReader)


def test_simulated_place_read_lift():
    reader, sleeps = _reader()
    assert reader.read() is None
    reader.place("adult_a")
    assert reader.placed == "adult_a"
    first = reader.read()
    assert first.name == "王建军"
    assert reader.read() == first  # the card stays on the reader
    reader.lift()
    assert reader.placed is None
    assert reader.read() is None
    assert sleeps == []


def test_simulated_payload_is_the_vendor_json():
    reader, _ = _reader()
    payload = reader.payload("long_term")
    assert payload == fixtures.build_payload(SPECS["long_term"], today=TODAY, photo_dir=None)
    assert payload["expDate"] == "长期"
    assert reader.payload(None)["resultFlag"] == -2
    assert set(payload) == set(reader.payload(None))


def test_simulated_special_cards():
    reader, sleeps = _reader(slow_seconds=1.5)
    reader.place("no_card")
    assert reader.read() is None
    reader.place("read_error")
    with pytest.raises(CardReadError) as info:
        reader.read()
    assert info.value.code == "read_failed"
    reader.place("slow")
    assert reader.read().name == "周建伟"
    assert sleeps == [1.5]
    with pytest.raises(KeyError):
        reader.place("nobody")


def test_simulated_default_slow_delay_is_two_seconds():
    reader, sleeps = _reader()
    reader.place("slow")
    reader.read()
    assert sleeps == [2.0]


def test_simulated_hardware_behaviour_needs_a_lift_between_reads():
    reader, _ = _reader(hold_after_read=True)
    reader.place("adult_b")
    assert reader.read() is not None
    assert reader.read() is None  # like real readers: lift and place again
    reader.place("adult_b")
    assert reader.read() is not None
