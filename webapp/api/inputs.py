"""Reading API input: the JSON body, field types, pagination and the idempotency key.

The services validate meaning (a trade that exists, a start in the future); this module makes
sure they only ever see the JSON types the OpenAPI document promises, without characters a
database refuses (NUL, lone surrogates) and without dates that overflow, so bad input of any
kind ends in a 4xx, never a 500.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from typing import Any

from flask import request
from flask_babel import lazy_gettext as _l

from webapp.api.problems import ApiError, validation_error

MAX_BODY_BYTES = 64 * 1024
MAX_PAGE = 10_000
MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 20
MAX_DEPTH = 4  # {"certificates_required": ["..."]} is as deep as any body goes

# C0 controls except tab and newlines, DEL, and UTF-16 surrogates (unencodable in UTF-8).
_BAD_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_LINE_BREAKS = re.compile("[\t\n\r]")
_SAFE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,39}")
_IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{1,64}")
_DIGITS = re.compile(r"[0-9]{1,9}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# 'YYYY-MM-DDTHH:MM[:SS[.ffffff]]' with an optional 'Z' or +HH:MM offset (none: the market's time).
_DATETIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?"
    r"(Z|[+-][0-9]{2}:[0-9]{2})?"
)
YEARS = range(2000, 3000)  # far enough for any gig, near enough that no conversion overflows

TYPE_MESSAGES = {
    "string": _l("Please send text here."),
    "integer": _l("Please send a whole number here."),
    "number": _l("Please send a number here."),
    "boolean": _l("Please send true or false here."),
    "array": _l("Please send a list here."),
}


def _reject_constant(name: str) -> Any:
    """NaN and Infinity are not JSON."""
    raise ValueError(name)


def json_object() -> dict[str, Any]:
    """The request body as a JSON object; 413, 415 or 400 when too big, not JSON or no object."""
    if (request.content_length or 0) > MAX_BODY_BYTES:
        raise ApiError(413, 413, _l("The request is too large."))
    raw = request.get_data(cache=True)  # werkzeug stops at MAX_CONTENT_LENGTH (413)
    if len(raw) > MAX_BODY_BYTES:
        raise ApiError(413, 413, _l("The request is too large."))
    mimetype = request.mimetype
    if mimetype and mimetype != "application/json" and not mimetype.endswith("+json"):
        raise ApiError(
            415, "unsupported_media_type", _l("Please send JSON (Content-Type: application/json).")
        )
    if not raw.strip():
        raise ApiError(400, "body_missing", _l("Please send the details as a JSON object."))
    if not mimetype:
        raise ApiError(
            415, "unsupported_media_type", _l("Please send JSON (Content-Type: application/json).")
        )
    try:
        data = json.loads(raw, parse_constant=_reject_constant)
    except (ValueError, RecursionError):  # bad UTF-8 or syntax, huge numbers, deep nesting
        raise ApiError(400, "json_invalid", _l("The request body is not valid JSON.")) from None
    if not isinstance(data, dict):
        raise ApiError(400, "json_not_object", _l("Please send the details as a JSON object."))
    return data


def optional_json_object() -> dict[str, Any]:
    """The request body as a JSON object, or {} when no body was sent (optional bodies)."""
    if not request.content_length and not request.get_data(cache=True).strip():
        return {}
    return json_object()


def _type_ok(value: Any, kind: str) -> bool:
    """Whether a JSON value has a JSON Schema type (booleans are not numbers; 5.0 is an integer)."""
    if kind == "null":
        return value is None
    if kind == "boolean":
        return isinstance(value, bool)
    if isinstance(value, bool):
        return False
    if kind == "integer":
        return isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    if kind == "number":
        return isinstance(value, int | float)
    if kind == "string":
        return isinstance(value, str)
    if kind == "array":
        return isinstance(value, list)
    return False


def _check_string(value: str, spec: dict[str, Any]) -> Any | None:
    """The message for a string that breaks the document's limits, or None."""
    if len(value) > spec.get("maxLength", 10_000):
        return _l("This is too long (at most %(n)s characters).", n=spec.get("maxLength", 10_000))
    if _BAD_CHARS.search(value) or (not spec.get("x-multiline") and _LINE_BREAKS.search(value)):
        return _l("This has characters that are not allowed.")
    fmt = spec.get("format")
    if value and fmt == "date-time" and not _valid_datetime(value):
        return _l("Please give a date and time like 2026-05-01T08:00+08:00.")
    if value and fmt == "date" and not _valid_date(value):
        return _l("Please give a date like 2026-05-01.")
    return None


def _valid_datetime(value: str) -> bool:
    """An ISO 8601 date-time in the accepted shape, within YEARS."""
    if not _DATETIME.fullmatch(value):
        return False
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return moment.year in YEARS


def _valid_date(value: str) -> bool:
    """A YYYY-MM-DD date within YEARS."""
    if not _DATE.fullmatch(value):
        return False
    try:
        return date.fromisoformat(value).year in YEARS
    except ValueError:
        return False


def _check_value(value: Any, spec: dict[str, Any]) -> Any | None:
    """The message for a value that breaks its property schema (types and limits), or None."""
    kinds = spec["type"] if isinstance(spec["type"], list) else [spec["type"]]
    kind = next((k for k in kinds if _type_ok(value, k)), None)
    if kind is None:
        return TYPE_MESSAGES.get(next(k for k in kinds if k != "null"), TYPE_MESSAGES["string"])
    if kind == "string":
        return _check_string(value, spec)
    if kind == "array":
        items = spec.get("items", {"type": "string"})
        if len(value) > spec.get("maxItems", 100):
            return _l("At most %(n)s items, please.", n=spec.get("maxItems", 100))
        for item in value:
            problem = _check_value(item, items)
            if problem is not None:
                return problem
    return None


def check_object(
    data: dict[str, Any],
    schema: dict[str, Any],
    *,
    status: int = 422,
    partial: bool = False,
) -> dict[str, Any]:
    """Check a body against an object schema of the document; return it with whole-number floats
    as ints. Unknown fields, wrong types, over-long or unprintable strings and missing required
    fields (unless partial) give one ApiError listing every field at fault."""
    properties: dict[str, Any] = schema["properties"]
    errors: dict[str, Any] = {}
    clean: dict[str, Any] = {}
    for name, value in data.items():
        spec = properties.get(name)
        if spec is None:
            key = name if _SAFE_NAME.fullmatch(name) else "body"
            errors[key] = _l("This field is not known.")
            continue
        problem = _check_value(value, spec)
        if problem is not None:
            errors[name] = problem
            continue
        if isinstance(value, float) and "integer" in spec["type"] and value.is_integer():
            value = int(value)
        clean[name] = value
    if not partial:
        for name in schema.get("required", ()):
            if data.get(name) in (None, "") and name not in errors:
                errors[name] = _l("This is needed.")
    if errors:
        raise validation_error(errors, status)
    return clean


def _int_arg(name: str, default: int, high: int) -> int:
    """A whole-number query argument from 1 to `high`, or the default when absent."""
    raw = request.args.get(name)
    if raw is None:
        return default
    if not _DIGITS.fullmatch(raw) or not 1 <= int(raw) <= high:
        raise validation_error(
            {name: _l("Please give a whole number from 1 to %(n)s.", n=high)}, status=400
        )
    return int(raw)


def pagination() -> tuple[int, int]:
    """?page (1..10000) and ?per_page (1..100) of a list; 400 for anything else."""
    return _int_arg("page", 1, MAX_PAGE), _int_arg("per_page", DEFAULT_PER_PAGE, MAX_PER_PAGE)


def idempotency_key() -> str:
    """The Idempotency-Key header: 1 to 64 visible ASCII characters, required."""
    key = request.headers.get("Idempotency-Key")
    if key is None or not _IDEMPOTENCY_KEY.fullmatch(key):
        raise ApiError(
            400,
            "idempotency_key_invalid",
            _l("Please send an Idempotency-Key header of 1 to 64 visible characters."),
        )
    return key
