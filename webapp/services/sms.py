"""The SMS gateway interface (短信网关) and its built-in backends.

`gateway()` returns the configured backend: "log" (the default) writes each message to the
application log, which is how a station without an SMS contract, a demo or a developer reads
one-time codes; "memory" keeps messages in a list (tests, browser tests); "webhook" POSTs JSON to
a provider's HTTP gateway; "package.module:Class" loads any other SmsGateway implementation.
"""

from __future__ import annotations

import importlib
import json
import logging
import urllib.request
from dataclasses import dataclass, field
from typing import Protocol

from flask import current_app

log = logging.getLogger(__name__)
_EXT_KEY = "gigmarket.sms"


class SmsError(RuntimeError):
    """The gateway could not take the message."""


class SmsGateway(Protocol):
    """Anything that can send one text message to one mobile number (E.164)."""

    def send(self, phone: str, text: str) -> None:
        """Send the text; raise SmsError if the gateway refuses it."""
        ...


class LogSmsGateway:
    """Writes each message to the log (the number is masked there by the logging filter)."""

    def send(self, phone: str, text: str) -> None:
        """Log the message at INFO."""
        log.info("SMS to %s: %s", phone, text)


@dataclass
class MemorySmsGateway:
    """Keeps every message in memory, newest last (tests and demos in one process)."""

    outbox: list[tuple[str, str]] = field(default_factory=list)

    def send(self, phone: str, text: str) -> None:
        """Append the message to the outbox."""
        self.outbox.append((phone, text))

    def last_to(self, phone: str) -> str | None:
        """The newest message sent to this number, if any."""
        for to, text in reversed(self.outbox):
            if to == phone:
                return text
        return None


@dataclass
class WebhookSmsGateway:
    """POSTs {"phone", "text"} as JSON to a provider's gateway URL (bearer token if set)."""

    url: str
    token: str | None = None
    timeout: float = 5.0

    def send(self, phone: str, text: str) -> None:
        """Send one message; any HTTP or network failure becomes SmsError."""
        body = json.dumps({"phone": phone, "text": text}, ensure_ascii=False).encode()
        request = urllib.request.Request(  # noqa: S310 - the URL is the operator's own setting
            self.url, data=body, method="POST", headers={"Content-Type": "application/json"}
        )
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                if response.status >= 300:
                    raise SmsError(f"gateway answered {response.status}")
        except OSError as exc:  # URLError and HTTPError are OSErrors
            raise SmsError(f"gateway unreachable: {exc}") from exc


def _build(app_config) -> SmsGateway:
    """Make the backend named by SMS_BACKEND."""
    backend = app_config.get("SMS_BACKEND") or "log"
    if backend == "log":
        return LogSmsGateway()
    if backend == "memory":
        return MemorySmsGateway()
    if backend == "webhook":
        url = app_config.get("SMS_WEBHOOK_URL")
        if not url:
            raise RuntimeError("SMS_BACKEND=webhook needs GIGMARKET_SMS_WEBHOOK_URL")
        return WebhookSmsGateway(url=url, token=app_config.get("SMS_WEBHOOK_TOKEN"))
    module_name, _, class_name = backend.partition(":")
    if not class_name:
        raise RuntimeError(f"unknown SMS_BACKEND {backend!r}: log, memory, webhook or module:Class")
    return getattr(importlib.import_module(module_name), class_name)()


def gateway() -> SmsGateway:
    """The app's SMS gateway (made once per app)."""
    sms = current_app.extensions.get(_EXT_KEY)
    if sms is None:
        sms = current_app.extensions[_EXT_KEY] = _build(current_app.config)
    return sms


def send(phone: str, text: str) -> None:
    """Send a message through the app's gateway, signed with the station's SMS signature."""
    signature = current_app.config.get("SMS_SIGNATURE") or ""
    gateway().send(phone, f"【{signature}】{text}" if signature else text)
