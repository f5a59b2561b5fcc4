"""The SMS gateway interface: the log backend, a provider's webhook, and a plug-in class."""

from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from config import TestingConfig
from webapp import create_app
from webapp.services import sms


class Recorder:
    """A plug-in gateway loaded by SMS_BACKEND="module:Class"."""

    sent: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> None:
        Recorder.sent.append((phone, text))


def _app(**overrides):
    return create_app(TestingConfig, SQLALCHEMY_DATABASE_URI="sqlite://", **overrides)


def test_log_backend_writes_the_message_and_the_filter_masks_the_number(caplog):
    from webapp.identity import MaskingFilter

    app = _app(SMS_BACKEND="log")
    with app.app_context(), caplog.at_level(logging.INFO, logger="webapp.services.sms"):
        sms.send("+8613812345678", "您的验证码是123456")
    (record,) = [r for r in caplog.records if r.name == "webapp.services.sms"]
    MaskingFilter().filter(record)  # what every handler of the app does before writing
    assert "123456" in record.getMessage()  # the code is readable where no SMS contract exists
    assert "138****5678" in record.getMessage()
    assert "13812345678" not in record.getMessage()


def test_module_class_backend_is_loaded():
    Recorder.sent.clear()
    app = _app(SMS_BACKEND=f"{__name__}:Recorder")
    with app.app_context():
        sms.send("+8613812345678", "hello")
    assert Recorder.sent == [("+8613812345678", "【零工市场】hello")]


def test_unknown_backend_is_a_clear_error():
    app = _app(SMS_BACKEND="carrier-pigeon")
    with app.app_context(), pytest.raises(RuntimeError, match="unknown SMS_BACKEND"):
        sms.gateway()


@pytest.fixture
def provider():
    """A local HTTP server standing in for a provider's gateway; records what it gets."""
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - the http.server API
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append({"auth": self.headers.get("Authorization"), "body": json.loads(body)})
            status = 500 if b"fail" in body else 200
            self.send_response(status)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/send", received
    server.shutdown()
    server.server_close()


def test_webhook_backend_posts_json_with_the_token(provider):
    url, received = provider
    app = _app(SMS_BACKEND="webhook", SMS_WEBHOOK_URL=url, SMS_WEBHOOK_TOKEN="tok")
    with app.app_context():
        sms.send("+8613812345678", "验证码123456")
    assert received == [
        {
            "auth": "Bearer tok",
            "body": {"phone": "+8613812345678", "text": "【零工市场】验证码123456"},
        }
    ]


def test_webhook_failures_become_sms_errors(provider):
    url, _ = provider
    app = _app(SMS_BACKEND="webhook", SMS_WEBHOOK_URL=url)
    with app.app_context(), pytest.raises(sms.SmsError):
        sms.send("+8613812345678", "fail")
    app = _app(SMS_BACKEND="webhook", SMS_WEBHOOK_URL="http://127.0.0.1:9/nothing")
    with app.app_context(), pytest.raises(sms.SmsError):
        sms.send("+8613812345678", "hello")


def test_webhook_without_url_refuses_to_start():
    app = _app(SMS_BACKEND="webhook", SMS_WEBHOOK_URL=None)
    with app.app_context(), pytest.raises(RuntimeError, match="SMS_WEBHOOK_URL"):
        sms.gateway()
