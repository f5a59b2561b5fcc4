"""Masking of ID numbers, phones, names and credit codes for pages, exports and logs.

Product rules: ID numbers show the first 3 and last 4 characters ("110***********1234"), mobiles
the first 3 and last 4 digits ("138****5678"), names the first character ("张*", "J***"),
credit codes the first 2 (department and type, not identifying) and last 2 characters
("91**************1L"). Anything that does not have the expected shape is masked harder, never less.
"""

from __future__ import annotations

import logging
import re

# 17 digits and a check character, optionally grouped 6-8-4 by single spaces or hyphens,
# not inside a longer run of digits.
_ID_IN_TEXT = re.compile(r"(?<![0-9])[0-9]{6}[ -]?[0-9]{8}[ -]?[0-9]{3}[0-9Xx](?![0-9])")
# A mainland mobile, optionally after +86 / 86 and grouped 3-4-4, not inside a longer digit run.
_MOBILE_IN_TEXT = re.compile(
    r"(?<![0-9])(?:\+?86[ -]?)?1[3-9][0-9][ -]?[0-9]{4}[ -]?[0-9]{4}(?![0-9])"
)
_NOT_DIGIT = re.compile(r"[^0-9]")
_SEPARATORS = re.compile(r"[ -]")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def mask_id_number(value: str | None) -> str:
    """Mask an ID number as "110***********1234"; other lengths keep only the last 4."""
    if not value:
        return ""
    if len(value) == 18:
        return value[:3] + "*" * 11 + value[-4:]
    return _keep_last(value, 4)


def mask_phone(value: str | None) -> str:
    """Mask a mobile (E.164 or national) as "138****5678"; other numbers keep only the last 4."""
    if not value:
        return ""
    digits = _NOT_DIGIT.sub("", value)
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    if len(digits) == 11:
        return digits[:3] + "****" + digits[-4:]
    return _keep_last(digits or value, 4)


def mask_name(value: str | None) -> str:
    """Mask a name: Chinese names keep the first character ("张*"), others one letter ("J***")."""
    name = (value or "").strip()
    if len(name) < 2:
        return "*" * len(name)
    if _CJK.search(name):
        return name[0] + "*" * (len(name) - 1)
    return name[0] + "***"


def mask_uscc(value: str | None) -> str:
    """Mask a credit code as "91**************1L" (first 2 and last 2 kept)."""
    if not value:
        return ""
    if len(value) <= 4:
        return "*" * len(value)
    return value[:2] + "*" * (len(value) - 4) + value[-2:]


def mask_text(text: str) -> str:
    """Mask every ID number and mainland mobile found in free text (other digit runs stay)."""
    text = _ID_IN_TEXT.sub(lambda m: mask_id_number(_SEPARATORS.sub("", m[0])), text)
    return _MOBILE_IN_TEXT.sub(lambda m: mask_phone(m[0]), text)


class MaskingFilter(logging.Filter):
    """Mask ID numbers and mobiles in the formatted message and exception text of every record.

    Attach it to handlers, not loggers: a logger's filters only see records logged on that very
    logger, while a handler's filters see every record it emits, including those propagated from
    child loggers. install_masking_filter() does that for all handlers of a logger.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Replace the message, exception and stack text by masked text; always keep the record."""
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # bad %-args: still log, and still mask the args
            message = f"{record.msg} {record.args}"
        record.msg = mask_text(message)
        record.args = ()
        if record.exc_info and not record.exc_text:  # what Formatter.format() would cache
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_text(record.stack_info)
        return True


def install_masking_filter(logger: logging.Logger | None = None) -> None:
    """Add one MaskingFilter to every current handler of `logger` (the root logger by default).

    Handlers added later are not covered: call this after logging is configured.
    """
    for handler in (logger or logging.getLogger()).handlers:
        if not any(isinstance(f, MaskingFilter) for f in handler.filters):
            handler.addFilter(MaskingFilter())


def _keep_last(value: str, shown: int) -> str:
    """Mask all but the last `shown` characters; mask everything if that would show it all."""
    if len(value) <= shown:
        return "*" * len(value)
    return "*" * (len(value) - shown) + value[-shown:]
