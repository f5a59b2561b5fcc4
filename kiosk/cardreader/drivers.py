"""ID card reader drivers: the vendor's HTTP bridge on loopback, and the simulated reader.

Both answer `read()` with CardData, None when no card is on the reader, or raise CardReadError.
The browser has the same two drivers in static/js/cardreader.js; these serve a local agent, the
simulator endpoint and the tests.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path
from typing import Protocol, runtime_checkable
from urllib.parse import urlsplit

from kiosk.cardreader import fixtures
from kiosk.cardreader.card import (
    MSG_BAD_FIELD,
    MSG_NO_DEVICE,
    CardData,
    CardReadError,
    parse_bridge_payload,
)

DEFAULT_BRIDGE_URL = "http://127.0.0.1:8989/readcard"
MAX_RESPONSE_BYTES = 1024 * 1024


@runtime_checkable
class IdCardReader(Protocol):
    """What every reader driver offers."""

    def read(self) -> CardData | None:
        """The card on the reader, None without one; CardReadError on a failed read."""
        ...


def is_loopback_url(url: str) -> bool:
    """Whether an http(s) URL points at this machine (127.0.0.0/8, ::1 or localhost)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError:
        return False
    if parts.scheme not in {"http", "https"} or not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """The bridge never redirects; following one could leave loopback."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        """Refuse every redirect."""
        return None


class BridgeReader:
    """The vendor's local bridge service: GET url returns the flat JSON of the card."""

    def __init__(self, url: str = DEFAULT_BRIDGE_URL, timeout: float = 3.0) -> None:
        if not is_loopback_url(url):
            raise ValueError("the card reader bridge must listen on loopback (127.0.0.1, ::1)")
        self.url = url
        self.timeout = timeout
        # No proxies (an http_proxy variable must not see card data) and no redirects.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect)

    def fetch(self) -> dict:
        """The bridge's raw JSON answer; CardReadError if the bridge cannot be used."""
        request = urllib.request.Request(  # noqa: S310 - loopback http(s) only, checked above
            self.url, headers={"Accept": "application/json"}
        )
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                charset = response.headers.get_content_charset()
                body = response.read(MAX_RESPONSE_BYTES + 1)
        except urllib.error.HTTPError as err:
            err.close()
            raise CardReadError("reader_unavailable", MSG_NO_DEVICE, f"HTTP {err.code}") from None
        except TimeoutError:
            raise CardReadError("reader_unavailable", MSG_NO_DEVICE, "timeout") from None
        except (urllib.error.URLError, OSError, http.client.HTTPException) as err:
            raise CardReadError("reader_unavailable", MSG_NO_DEVICE, type(err).__name__) from None
        if len(body) > MAX_RESPONSE_BYTES:
            raise CardReadError("bad_field", MSG_BAD_FIELD, "response too large")
        payload = _decode_json(body, charset)
        if not isinstance(payload, dict):
            raise CardReadError("bad_field", MSG_BAD_FIELD, "response is not an object")
        return payload

    def read(self) -> CardData | None:
        """The card on the reader, None without one."""
        return _card_or_none(self.fetch())


class SimulatedReader:
    """A reader holding the fixture cards; a tester places and lifts them.

    With `hold_after_read`, it behaves like real hardware: after a successful read the card must
    be lifted and placed again before the next read finds it.
    """

    def __init__(
        self,
        cards: dict[str, dict] | None = None,
        photo_dir: Path | None = None,
        *,
        slow_seconds: float = 2.0,
        today: date | None = None,
        hold_after_read: bool = False,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.cards = fixtures.load_specs() if cards is None else cards
        self.photo_dir = photo_dir
        self.slow_seconds = slow_seconds
        self.today = today
        self.hold_after_read = hold_after_read
        self._sleep = sleep
        self._placed: str | None = None
        self._read_done = False

    @property
    def placed(self) -> str | None:
        """The key of the card on the reader, if any."""
        return self._placed

    def place(self, key: str) -> None:
        """Put a fixture card on the reader (KeyError for an unknown key)."""
        if key not in self.cards:
            raise KeyError(key)
        self._placed = key
        self._read_done = False

    def lift(self) -> None:
        """Take the card off the reader."""
        self._placed = None
        self._read_done = False

    def payload(self, key: str | None) -> dict:
        """The vendor JSON the bridge would send for this fixture (None: no card)."""
        if key is None or (self.hold_after_read and self._read_done and key == self._placed):
            return fixtures.no_card_payload()
        return fixtures.build_payload(
            self.cards[key], today=self.today or date.today(), photo_dir=self.photo_dir
        )

    def read(self) -> CardData | None:
        """Read the placed card through the same parser as the real bridge."""
        key = self._placed
        if key is not None and fixtures.is_slow(self.cards[key]):
            self._sleep(self.slow_seconds)
        card = _card_or_none(self.payload(key))
        if card is not None:
            self._read_done = True
        return card


def _card_or_none(payload: Mapping) -> CardData | None:
    """Parse a bridge answer; a no-card answer is None, not an error."""
    try:
        return parse_bridge_payload(payload)
    except CardReadError as err:
        if err.code == "no_card":
            return None
        raise


def _decode_json(body: bytes, charset: str | None) -> object:
    """JSON from UTF-8 or the declared charset; some bridges answer in GB18030."""
    for encoding in dict.fromkeys([charset or "utf-8", "utf-8", "gb18030"]):
        try:
            text = body.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            continue
        try:
            return json.loads(text)
        except (ValueError, RecursionError):
            break
    raise CardReadError("bad_field", MSG_BAD_FIELD, "response is not JSON")
