"""Encryption at rest for identity data: AES-GCM bound to the row, HMAC blind indexes, rotation.

Keys come from a keyring spec kept outside the database ("kid:BASE64URL,kid2:BASE64URL"; the first
key is the active one). Each 32-byte master key is never used directly: HKDF-SHA256 derives one
subkey per purpose, so ID numbers and phones ("identity"), face templates ("face"), blind indexes
("index"), uploaded documents ("document") and later uses ("token") never share a key.

Ciphertext token: version byte (1), kid length byte, kid (ASCII), 12-byte random nonce, AES-GCM
ciphertext and tag. The associated data is the token header plus "purpose|table.column:row_id",
so a token copied to another row, column or table, or decrypted for another purpose, fails. The
row id must therefore be known when encrypting (flush the new row first, or use a public id).

Rotation: prepend a new key to the spec; old tokens still decrypt by their kid, needs_rotation()
finds them and reencrypt() moves them to the active key; BlindIndex.candidates() lets lookups
match rows indexed under any key until they are all recomputed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
import unicodedata
from collections.abc import Mapping

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PURPOSES = ("identity", "face", "index", "token", "document")
KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
TOKEN_VERSION = 1

_KID = re.compile(r"[A-Za-z0-9_-]{1,16}")
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+={0,2}")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_KIND = re.compile(r"[a-z][a-z0-9_]*")


class DecryptionError(Exception):
    """A token could not be decrypted (wrong key, row, column, table or purpose, or tampered)."""

    def __init__(self) -> None:
        super().__init__("field could not be decrypted")


class Keyring:
    """Master keys by key id (kid), the first one active; holds only the derived subkeys."""

    def __init__(self, keys: Mapping[str, bytes]) -> None:
        if not keys:
            raise ValueError("the keyring needs at least one key")
        self._subkeys: dict[tuple[str, str], bytes] = {}
        for kid, key in keys.items():
            if not isinstance(kid, str) or not _KID.fullmatch(kid):
                raise ValueError("a key id must be 1-16 characters of A-Z, a-z, 0-9, _ or -")
            if len(key) != KEY_BYTES:
                raise ValueError(f"key {kid!r} must be {KEY_BYTES} bytes, not {len(key)}")
            for purpose in PURPOSES:
                self._subkeys[kid, purpose] = _derive(key, purpose)
        self._kids = tuple(keys)

    @classmethod
    def parse(cls, spec: str) -> Keyring:
        """Parse "kid:BASE64URL,kid2:BASE64URL"; errors name the entry, never the key material."""
        keys: dict[str, bytes] = {}
        for position, entry in enumerate((spec or "").split(","), start=1):
            kid, sep, encoded = entry.strip().partition(":")
            if not sep or not _KID.fullmatch(kid):
                raise ValueError(
                    f"keyring entry {position} is not 'kid:key' with a kid of 1-16 characters "
                    "of A-Z, a-z, 0-9, _ or -"
                )
            if kid in keys:
                raise ValueError(f"keyring entry {position}: duplicate key id {kid!r}")
            keys[kid] = _decode_key(encoded.strip(), kid)
        return cls(keys)

    @staticmethod
    def generate_spec(kid: str = "k1") -> str:
        """Return a new one-key spec with 32 random bytes (prepend it to rotate)."""
        if not _KID.fullmatch(kid):
            raise ValueError("a key id must be 1-16 characters of A-Z, a-z, 0-9, _ or -")
        return f"{kid}:{base64.urlsafe_b64encode(os.urandom(KEY_BYTES)).decode().rstrip('=')}"

    @property
    def active_kid(self) -> str:
        """The key id new tokens and indexes are made with."""
        return self._kids[0]

    @property
    def kids(self) -> tuple[str, ...]:
        """All key ids, the active one first."""
        return self._kids

    def subkey(self, purpose: str, kid: str | None = None) -> bytes:
        """Return the HKDF subkey of `kid` (default: the active key) for `purpose`."""
        if purpose not in PURPOSES:
            raise ValueError(f"unknown purpose {purpose!r}")
        return self._subkeys[kid or self.active_kid, purpose]

    def __repr__(self) -> str:
        return f"<Keyring kids={list(self._kids)}>"


class FieldCipher:
    """AES-GCM encryption of one field value, bound to its table, column, row and purpose."""

    def __init__(self, keyring: Keyring, purpose: str = "identity") -> None:
        if purpose not in PURPOSES or purpose == "index":
            raise ValueError("purpose must be 'identity', 'face', 'token' or 'document'")
        self.keyring = keyring
        self.purpose = purpose
        self._aead = {kid: AESGCM(keyring.subkey(purpose, kid)) for kid in keyring.kids}

    def encrypt(
        self, plaintext: str | bytes, *, table: str, column: str, row_id: int | str
    ) -> bytes:
        """Encrypt under the active key; the token only decrypts for this table, column and row."""
        data = plaintext.encode() if isinstance(plaintext, str) else bytes(plaintext)
        kid = self.keyring.active_kid
        header = bytes([TOKEN_VERSION, len(kid)]) + kid.encode("ascii")
        nonce = os.urandom(NONCE_BYTES)
        aad = header + self._context(table, column, row_id)
        return header + nonce + self._aead[kid].encrypt(nonce, data, aad)

    def decrypt(self, token: bytes, *, table: str, column: str, row_id: int | str) -> bytes:
        """Decrypt a token made for this table, column and row; raise DecryptionError otherwise."""
        context = self._context(table, column, row_id)
        data, kid, offset = _split(token)
        aead = self._aead.get(kid)
        if aead is None:
            raise DecryptionError
        nonce = data[offset : offset + NONCE_BYTES]
        try:
            return aead.decrypt(nonce, data[offset + NONCE_BYTES :], data[:offset] + context)
        except InvalidTag:
            raise DecryptionError from None

    def decrypt_text(self, token: bytes, *, table: str, column: str, row_id: int | str) -> str:
        """Decrypt a token holding UTF-8 text."""
        try:
            return self.decrypt(token, table=table, column=column, row_id=row_id).decode()
        except UnicodeDecodeError:
            raise DecryptionError from None

    @staticmethod
    def key_id_of(token: bytes) -> str:
        """Return the key id a token was made with (raise DecryptionError if malformed)."""
        return _split(token)[1]

    def needs_rotation(self, token: bytes) -> bool:
        """Return True if the token was not made with the active key."""
        return self.key_id_of(token) != self.keyring.active_kid

    def reencrypt(self, token: bytes, *, table: str, column: str, row_id: int | str) -> bytes:
        """Decrypt and encrypt again under the active key, for the same table, column and row."""
        plaintext = self.decrypt(token, table=table, column=column, row_id=row_id)
        return self.encrypt(plaintext, table=table, column=column, row_id=row_id)

    def _context(self, table: str, column: str, row_id: int | str) -> bytes:
        """The associated data naming the purpose and the exact place of the value."""
        if not (_IDENTIFIER.fullmatch(table) and _IDENTIFIER.fullmatch(column)):
            raise ValueError("table and column must be plain identifiers")
        return f"{self.purpose}|{table}.{column}:{row_id}".encode()


class BlindIndex:
    """Keyed HMAC-SHA256 of a normalised value, to find rows without decrypting them.

    A plain SHA-256 would not do: there are only about 10^11 plausible ID numbers (region codes x
    birth dates x 1000 sequences, fewer still once a masked form shows 7 of the 18 characters) and
    about 10^9 mobile numbers per prefix set, so anyone with the database hashes them all in
    minutes. With HMAC they also need the key, which is kept outside the database.
    """

    def __init__(self, keyring: Keyring) -> None:
        self.keyring = keyring

    def compute(self, value: str, *, kind: str) -> str:
        """Return the 64-hex-character index of `value` under the active key."""
        return self._digest(value, kind, self.keyring.active_kid)

    def candidates(self, value: str, *, kind: str) -> list[str]:
        """Return the index under every key, the active first, for lookups during a rotation."""
        return [self._digest(value, kind, kid) for kid in self.keyring.kids]

    def _digest(self, value: str, kind: str, kid: str) -> str:
        """HMAC over "kind:value", with the value NFKC-normalised, without spaces, upper-cased.

        Callers pass the canonical form (ResidentId.number, the E.164 phone); the normalisation
        only absorbs spacing and case.
        """
        if not _KIND.fullmatch(kind):
            raise ValueError("kind must be a lower-case identifier such as 'resident_id'")
        normalised = "".join(unicodedata.normalize("NFKC", value).split()).upper()
        message = f"{kind}:{normalised}".encode()
        return hmac.new(self.keyring.subkey("index", kid), message, hashlib.sha256).hexdigest()


def _derive(master_key: bytes, purpose: str) -> bytes:
    """HKDF-SHA256 subkey of a master key for one purpose."""
    hkdf = HKDF(
        algorithm=hashes.SHA256(),
        length=KEY_BYTES,
        salt=None,
        info=f"gigmarket/{purpose}/v1".encode(),
    )
    return hkdf.derive(master_key)


def _decode_key(encoded: str, kid: str) -> bytes:
    """Decode urlsafe base64 (padding optional); errors name the kid only."""
    if not _BASE64URL.fullmatch(encoded):
        raise ValueError(f"key {kid!r} is not urlsafe base64")
    try:
        key = base64.urlsafe_b64decode(encoded.rstrip("=") + "=" * (-len(encoded.rstrip("=")) % 4))
    except binascii.Error:
        raise ValueError(f"key {kid!r} is not urlsafe base64") from None
    if len(key) != KEY_BYTES:
        raise ValueError(f"key {kid!r} must be {KEY_BYTES} random bytes, not {len(key)}")
    return key


def _split(token: bytes) -> tuple[bytes, str, int]:
    """Check a token's header; return the token as bytes, its kid and where the nonce starts."""
    if not isinstance(token, bytes | bytearray | memoryview):
        raise DecryptionError
    data = bytes(token)
    if len(data) < 2 or data[0] != TOKEN_VERSION:
        raise DecryptionError
    offset = 2 + data[1]
    if len(data) < offset + NONCE_BYTES + TAG_BYTES:
        raise DecryptionError
    try:
        kid = data[2:offset].decode("ascii")
    except UnicodeDecodeError:
        raise DecryptionError from None
    return data, kid, offset
