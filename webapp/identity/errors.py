"""The one exception raised by the identity validators, with a stable code for machines."""

from __future__ import annotations


class IdentityError(ValueError):
    """A value that is not a usable ID number, credit code or phone number.

    `code` is stable and meant for programs (for example "id_checksum"); `message` is a lazy
    translatable string (flask_babel.lazy_gettext) for the worker, and `str(err)` renders it in
    the current locale. The rejected value is never part of the error, so logging one leaks nothing.
    """

    def __init__(self, code: str, message: object) -> None:
        super().__init__(code, message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        """Return the message in the current locale."""
        return str(self.message)
