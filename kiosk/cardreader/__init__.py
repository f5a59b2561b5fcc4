"""Second-generation ID card readers: card data and checks, drivers, and simulator fixtures."""

from kiosk.cardreader.card import (
    CardData,
    CardReadError,
    CardRejected,
    CheckedCard,
    parse_bridge_payload,
    photo_as_jpeg,
    validate_card,
)
from kiosk.cardreader.drivers import BridgeReader, IdCardReader, SimulatedReader, is_loopback_url

__all__ = [
    "BridgeReader",
    "CardData",
    "CardReadError",
    "CardRejected",
    "CheckedCard",
    "IdCardReader",
    "SimulatedReader",
    "is_loopback_url",
    "parse_bridge_payload",
    "photo_as_jpeg",
    "validate_card",
]
