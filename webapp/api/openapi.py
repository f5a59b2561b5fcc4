"""The OpenAPI 3.1 document for /api/v1/, grown by each issue that adds endpoints.

The document is plain data built here, served at /api/v1/openapi.json and read by schemathesis.
The request-body schemas also drive the API's own type checks (webapp/api/inputs.check_object),
so what the document promises and what the server accepts cannot drift apart. Response schemas
close every object (additionalProperties: false): a field that should not leave the server, a
worker's ID number say, breaks the schema check instead of slipping out.
"""

from __future__ import annotations

from copy import deepcopy
from datetime import datetime, time, timedelta
from typing import Any

from webapp.api.inputs import DEFAULT_PER_PAGE, MAX_PAGE, MAX_PER_PAGE
from webapp.models.types import (
    ApplicationSource,
    ApplicationStatus,
    EmployerKind,
    GigStatus,
    MarketLevel,
    PayUnit,
    Settlement,
    VerificationStatus,
)
from webapp.services import gigs
from webapp.services.gigs import MAX_HEADCOUNT
from webapp.services.hires import ACTIONS

Schema = dict[str, Any]


def _ref(name: str) -> Schema:
    """A reference to a component schema."""
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: Schema) -> dict[str, Any]:
    """A JSON content map."""
    return {"application/json": {"schema": schema}}


def _values(enum_cls) -> list[str]:
    """The values of an enum, for a schema's enum list."""
    return [m.value for m in enum_cls]


def _closed(properties: dict[str, Schema], required: list[str] | None = None) -> Schema:
    """An object with exactly these properties (all required unless listed)."""
    return {
        "type": "object",
        "required": list(properties) if required is None else required,
        "properties": properties,
        "additionalProperties": False,
    }


def _nullable(schema: Schema) -> Schema:
    """A copy of a schema that also allows null."""
    out = deepcopy(schema)
    kinds = out["type"] if isinstance(out["type"], list) else [out["type"]]
    out["type"] = [*kinds, "null"] if "null" not in kinds else kinds
    if "enum" in out and None not in out["enum"]:
        out["enum"] = [*out["enum"], None]
    return out


# -- building blocks ------------------------------------------------------------------------------

PUBLIC_ID = {"type": "string", "pattern": "^[0-9a-f]{32}$", "description": "A random public id."}
DATETIME = {"type": "string", "format": "date-time", "description": "ISO 8601 with UTC offset."}
DATE = {"type": "string", "format": "date"}
# "138****5678", "****1234" for other numbers, "" when there is none: never a full number.
MASKED_PHONE = {"type": "string", "pattern": r"^(|[0-9]{3}\*{4}[0-9]{4}|\*+[0-9]{0,4})$"}
# "张*", "J***": the first character only.
MASKED_NAME = {"type": "string", "pattern": r"^([^*]\*+|\**)$"}
MONEY = {"type": "string", "pattern": r"^[0-9]+\.[0-9]{2}$", "description": "Yuan, 2 decimals."}
HOURS = {"type": ["string", "null"], "pattern": r"^[0-9]+\.[0-9]$"}
REGION = {"type": "string", "pattern": "^[0-9]{6}$", "description": "GB/T 2260 region code."}

ERROR = {
    "type": "object",
    "required": ["error", "message"],
    "properties": {
        "error": {
            "type": ["integer", "string"],
            "description": "A snake_case code for the API's own refusals, else the HTTP status.",
        },
        "message": {"type": "string", "description": "Plain words in the request's language."},
        "fields": {
            "type": "object",
            "additionalProperties": {"type": "string"},
            "description": "The fields at fault, each with its message.",
        },
    },
}
VALIDATION_ERROR = deepcopy(ERROR) | {"required": ["error", "message", "fields"]}

MARKET = {
    "type": "object",
    "required": ["id", "name", "level", "region_code"],
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "level": {"type": "string", "enum": _values(MarketLevel)},
        "parent_id": {"type": ["integer", "null"]},
        "region_code": REGION,
        "address": {"type": ["string", "null"]},
        "opening_hours": {"type": ["string", "null"]},
        "hotline": {"type": ["string", "null"]},
        "complaint_channel": {"type": ["string", "null"]},
        "capacity": {"type": ["integer", "null"]},
    },
}

GIG_PROPERTIES: dict[str, Schema] = {
    "public_id": PUBLIC_ID,
    "title": {"type": "string"},
    "trade_code": {"type": "string", "description": "职业分类大典 2022 code."},
    "trade_name": {"type": "string"},
    "description": {"type": "string"},
    "headcount": {"type": "integer", "minimum": 1},
    "places_left": {"type": "integer", "minimum": 0},
    "work_address": {"type": "string"},
    "area_code": REGION,
    "starts_at": DATETIME,
    "ends_at": DATETIME,
    "daily_hours": HOURS,
    "pay_amount": MONEY,
    "pay_unit": {"type": "string", "enum": _values(PayUnit)},
    "settlement": {"type": "string", "enum": _values(Settlement)},
    "provides": _closed(
        {
            name: {"type": "boolean"}
            for name in ("meals", "lodging", "transport", "tools", "insurance")
        }
    ),
    "skill_level_required": {"type": "integer", "minimum": 0, "maximum": 5},
    "certificates_required": {"type": "array", "items": {"type": "string"}},
    "heavy_or_hazardous": {"type": "boolean"},
    "valid_until": DATE,
    "employer": _closed(
        {
            "name": {
                "type": "string",
                "description": "Registered name; an individual employer's name masked.",
            },
            "kind": {"type": "string", "enum": _values(EmployerKind)},
            "verified": {"type": "boolean"},
        }
    ),
    "contact": _closed({"name": MASKED_NAME, "phone": MASKED_PHONE}),
    "status": {"type": "string", "enum": _values(GigStatus)},
    "market_id": {"type": "integer"},
}
GIG = _closed(GIG_PROPERTIES) | {
    "description": "A gig as anyone sees it: contact masked, numbers in free text masked."
}
FINDING = _closed(
    {
        "code": {"type": "string"},
        "category": {"type": "string"},
        "action": {"type": "string", "enum": ["block", "review"]},
        "message": {"type": "string", "description": "The reason, in plain Chinese."},
    }
)
GIG_OWNER = _closed(
    GIG_PROPERTIES
    | {
        "screening": {"type": "array", "items": _ref("Finding")},
        "screening_decision": {
            "type": ["string", "null"],
            "enum": ["pass", "review", "block", None],
        },
        "revision": {"type": "integer", "minimum": 0},
        "accepted_count": {"type": "integer", "minimum": 0},
        "review_note": {"type": ["string", "null"], "description": "Staff's reason, if any."},
        "published_at": _nullable(DATETIME),
        "closed_at": _nullable(DATETIME),
        "created_at": DATETIME,
    }
) | {"description": "A gig as its employer sees it, with the screening findings."}

VERIFICATION = {"type": "string", "enum": _values(VerificationStatus)}
ACCOUNT = _closed(
    {
        "public_id": PUBLIC_ID,
        "phone": MASKED_PHONE,
        "employer": {
            "oneOf": [
                {"type": "null"},
                _closed(
                    {
                        "public_id": PUBLIC_ID,
                        "kind": {"type": "string", "enum": _values(EmployerKind)},
                        "name": {"type": "string"},
                        "verification_status": VERIFICATION,
                        "verification_note": {"type": ["string", "null"]},
                        "reverify_due_on": _nullable(DATE),
                    }
                ),
            ]
        },
        "worker": {
            "oneOf": [
                {"type": "null"},
                _closed(
                    {
                        "public_id": PUBLIC_ID,
                        "name": MASKED_NAME,
                        "verification_status": VERIFICATION,
                    }
                ),
            ]
        },
    }
)
APPLICATION_STATUS = {"type": "string", "enum": _values(ApplicationStatus)}
RATING = {"type": ["integer", "null"], "minimum": 1, "maximum": 5}
# The hire lifecycle as both sides see it (webapp/services/hires.py).
LIFECYCLE: dict[str, Schema] = {
    "source": {"type": "string", "enum": _values(ApplicationSource)},
    "accepted_at": _nullable(DATETIME),
    "dispatched_at": _nullable(DATETIME),
    "arrived_at": _nullable(DATETIME),
    "completed_at": _nullable(DATETIME),
    "paid_confirmed_at": _nullable(DATETIME),
    "ended_at": _nullable(DATETIME),
    "end_reason": {"type": ["string", "null"], "description": "Why it was declined, cancelled..."},
    "late_cancel": {"type": "boolean", "description": "Cancelled within 12 hours of the start."},
    "pay_due_at": _nullable(DATETIME)
    | {"description": "When pay falls due (from the settlement)."},
    "pay_alert_at": _nullable(DATETIME)
    | {"description": "When the unpaid-wages alert was raised."},
    "worker_rating": RATING | {"description": "The worker's rating of the employer."},
    "employer_rating": RATING | {"description": "The employer's rating of the worker."},
    "actions": {
        "type": "array",
        "items": {"type": "string", "enum": list(ACTIONS)},
        "description": "The steps the caller may take now (one endpoint each).",
    },
}
APPLICATION = _closed(
    {
        "public_id": PUBLIC_ID,
        "status": APPLICATION_STATUS,
        "applied_at": _nullable(DATETIME),
        **LIFECYCLE,
        "gig_id": PUBLIC_ID,
        "worker": _closed(
            {
                "name": MASKED_NAME,
                "phone": {
                    "type": ["string", "null"],
                    "maxLength": 20,
                    "description": (
                        "The worker's mobile once taken on (accepted and after); null before."
                    ),
                },
                "trades": {
                    "type": "array",
                    "items": _closed(
                        {
                            "trade_code": {"type": "string"},
                            "trade_name": {"type": "string"},
                            "skill_level": {"type": "integer", "minimum": 0, "maximum": 5},
                        }
                    ),
                },
            }
        ),
    }
) | {
    "description": (
        "A sign-up or hire as the gig's employer sees it: no ID, birth date or sex; the phone "
        "only once the worker is taken on."
    )
}
WORKER_APPLICATION = _closed(
    {
        "public_id": PUBLIC_ID,
        "status": APPLICATION_STATUS,
        "applied_at": _nullable(DATETIME),
        **LIFECYCLE,
        "contact_phone": {
            "type": ["string", "null"],
            "maxLength": 20,
            "description": "The gig's contact number once you are taken on; null before.",
        },
        "gig": _ref("Gig"),
    }
)


def _page_of(item: str) -> Schema:
    """One page of a list of a component schema."""
    return _closed(
        {
            "items": {"type": "array", "items": _ref(item)},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
            "total": {"type": "integer", "minimum": 0},
        }
    )


# -- request bodies (also the server's own type checks) -------------------------------------------

OTP_REQUEST = _closed({"phone": {"type": "string", "maxLength": 32, "description": "Mobile."}})
TOKEN_REQUEST = _closed(
    {
        "phone": {"type": "string", "maxLength": 32},
        "code": {"type": "string", "maxLength": 16, "description": "The 6 digits of the SMS."},
    }
)
GIG_INPUT_PROPERTIES: dict[str, Schema] = {
    "trade_code": {"type": "string", "maxLength": 12, "description": "职业分类大典 2022 code."},
    "title": {"type": "string", "minLength": 4, "maxLength": 40},
    "description": {"type": ["string", "null"], "maxLength": 2000, "x-multiline": True},
    "headcount": {"type": "integer", "minimum": 1, "maximum": MAX_HEADCOUNT},
    "work_address": {"type": "string", "minLength": 4, "maxLength": 200},
    "area_code": {"type": ["string", "null"], "pattern": "^[0-9]{6}$", "maxLength": 6},
    "starts_at": {
        "type": "string",
        "format": "date-time",
        "maxLength": 40,
        "description": "ISO 8601; without an offset it is the market's local time.",
    },
    "ends_at": {"type": "string", "format": "date-time", "maxLength": 40},
    "daily_hours": {"type": ["number", "string", "null"], "maxLength": 8, "maximum": 12},
    "pay_amount": {
        "type": ["number", "string"],
        "maxLength": 16,
        "description": "Yuan, at most 2 decimals; a string avoids binary rounding.",
    },
    "pay_unit": {"type": "string", "enum": _values(PayUnit)},
    "settlement": {"type": "string", "enum": _values(Settlement)},
    "provides_meals": {"type": ["boolean", "null"]},
    "provides_lodging": {"type": ["boolean", "null"]},
    "provides_transport": {"type": ["boolean", "null"]},
    "provides_tools": {"type": ["boolean", "null"]},
    "provides_insurance": {"type": ["boolean", "null"]},
    "skill_level_required": {"type": ["integer", "null"], "minimum": 0, "maximum": 5},
    "certificates_required": {
        "type": ["array", "null"],
        "maxItems": 5,
        "items": {"type": "string", "maxLength": 30},
    },
    "heavy_or_hazardous": {"type": ["boolean", "null"]},
    "contact_name": {"type": ["string", "null"], "maxLength": 50},
    "contact_phone": {"type": ["string", "null"], "maxLength": 20},
    "valid_until": {
        "type": ["string", "null"],
        "format": "date",
        "maxLength": 10,
        "description": "Last day to sign up (default: the start day).",
    },
}
GIG_REQUIRED = [
    "trade_code",
    "title",
    "headcount",
    "work_address",
    "starts_at",
    "ends_at",
    "pay_amount",
    "pay_unit",
    "settlement",
]
GIG_INPUT = _closed(
    GIG_INPUT_PROPERTIES
    | {"publish": {"type": ["boolean", "null"], "description": "Also screen and publish."}},
    required=GIG_REQUIRED,
)
GIG_PATCH = _closed({k: _nullable(v) for k, v in GIG_INPUT_PROPERTIES.items()}, required=[]) | {
    "minProperties": 1,
    "description": (
        "Only the fields to change: an absent field keeps its value; null empties an optional "
        "field or resets it to its default, and is refused for a required one."
    ),
}

INVITATION_INPUT = _closed(
    {
        "worker_id": {
            "type": "string",
            "maxLength": 32,
            "description": "The worker's public id (from the candidates of the gig).",
        }
    }
)
ARRIVAL_INPUT = _closed(
    {
        "payload": {
            "type": "string",
            "maxLength": 500,
            "description": "The text of the worker's personal QR code, as scanned (GM1:w:...).",
        }
    }
)
REASON_INPUT = _closed(
    {"reason": {"type": ["string", "null"], "maxLength": 200, "description": "Optional."}},
    required=[],
)
CANCEL_INPUT = _closed(
    {"reason": {"type": "string", "minLength": 1, "maxLength": 200, "description": "Why."}}
)
NO_SHOW_INPUT = _closed(
    {"note": {"type": ["string", "null"], "maxLength": 200, "description": "Optional."}},
    required=[],
)
RATING_INPUT = _closed({"stars": {"type": "integer", "minimum": 1, "maximum": 5}})

# -- parameters, responses ------------------------------------------------------------------------

MARKET_ID = {
    "name": "market_id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer", "minimum": 1, "maximum": 2147483647},
}
GIG_ID = {
    "name": "public_id",
    "in": "path",
    "required": True,
    "schema": PUBLIC_ID,
    "description": "The gig's public id.",
}
PAGING = [
    {
        "name": "page",
        "in": "query",
        "required": False,
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1},
    },
    {
        "name": "per_page",
        "in": "query",
        "required": False,
        "schema": {
            "type": "integer",
            "minimum": 1,
            "maximum": MAX_PER_PAGE,
            "default": DEFAULT_PER_PAGE,
        },
    },
]
CSRF_HEADER = {
    "name": "X-CSRFToken",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "maxLength": 200},
    "description": "Required only with the cookie session (cookieAuth); bearer calls ignore it.",
}
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": True,
    "schema": {"type": "string", "minLength": 1, "maxLength": 64, "pattern": "^[!-~]+$"},
    "description": "One per sign-up tap: a repeat returns the first sign-up (200), never a second.",
}

APPLICATION_ID = {
    "name": "public_id",
    "in": "path",
    "required": True,
    "schema": PUBLIC_ID,
    "description": "The application's (hire's) public id.",
}
HIRE_KEY = IDEMPOTENCY_KEY | {
    "description": (
        "One per tap: a repeat with the same key answers 200 with the hire as it stands and "
        "changes nothing; a key already used for another step or hire is a 422."
    ),
}

AUTHENTICATED = [{"bearerAuth": []}, {"cookieAuth": []}]
OPTIONALLY_AUTHENTICATED = [{}, {"bearerAuth": []}, {"cookieAuth": []}]

_DESCRIPTIONS = {
    400: "Malformed request: bad parameter, not JSON, no JSON object, missing header or CSRF.",
    401: "No credentials, or an unknown, expired or revoked token.",
    403: "Signed in, but not allowed (not an employer / worker, not verified).",
    404: "Not found, or not yours.",
    409: "Not possible in the present state.",
    413: "The body is too large.",
    415: "The body is not JSON.",
    422: "Fields missing or not right; `fields` says which.",
    429: "Too many requests; `Retry-After` says when to try again.",
    503: "The text message could not be sent.",
}


def _error(status: int) -> dict[str, Any]:
    """A documented error response."""
    response: dict[str, Any] = {
        "description": _DESCRIPTIONS[status],
        "content": _json(_ref("ValidationError" if status == 422 else "Error")),
    }
    if status == 401:
        response["headers"] = {
            "WWW-Authenticate": {"required": True, "schema": {"type": "string"}},
        }
    if status == 429:
        response["headers"] = {
            "Retry-After": {
                "required": True,
                "schema": {"type": "string", "pattern": "^[0-9]+$"},
                "description": "Seconds to wait.",
            },
        }
    return response


def _ok(description: str, schema: Schema, headers: dict | None = None) -> dict[str, Any]:
    """A documented success response."""
    response: dict[str, Any] = {"description": description, "content": _json(schema)}
    if headers:
        response["headers"] = headers
    return response


def _operation(
    operation_id: str,
    summary: str,
    responses: dict[int | str, Any],
    errors: tuple[int, ...],
    *,
    tags: list[str],
    security: list | None = None,
    parameters: list | None = None,
    body: Schema | None = None,
    example: dict[str, Any] | None = None,
    description: str | None = None,
) -> dict[str, Any]:
    """One operation with its errors."""
    operation: dict[str, Any] = {
        "operationId": operation_id,
        "summary": summary,
        "tags": tags,
        "responses": {str(k): v for k, v in responses.items()}
        | {str(code): _error(code) for code in errors},
    }
    if description:
        operation["description"] = description
    if security is not None:
        operation["security"] = security
    if parameters:
        operation["parameters"] = parameters
    if body is not None:
        content = _json(body)
        if example is not None:
            content["application/json"]["example"] = example
        operation["requestBody"] = {"required": True, "content": content}
    return operation


BODY_ERRORS = (400, 413, 415)


def gig_example() -> dict[str, Any]:
    """A clean posting starting the day after tomorrow (valid whenever the document is read)."""
    starts = datetime.combine(
        gigs.local_today() + timedelta(days=2), time(8, 0), tzinfo=gigs.local_zone()
    )
    return {
        "trade_code": "6-29-01-01",
        "title": "瓦工师傅5名 包吃住",
        "description": "二七区自建房砌墙，按天算工，18周岁以上，身体健康。",
        "headcount": 5,
        "work_address": "郑州市二七区大学路88号",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=9)).isoformat(),
        "daily_hours": 8,
        "pay_amount": "330.00",
        "pay_unit": "day",
        "settlement": "daily",
        "provides_meals": True,
        "provides_lodging": True,
        "publish": True,
    }


HIRE_ERRORS = (400, 401, 403, 404, 409, 422)


def _hire_step(
    operation_id: str,
    summary: str,
    role: str,
    *,
    body: Schema | None = None,
    optional_body: bool = False,
    example: dict[str, Any] | None = None,
    description: str | None = None,
) -> dict[str, Any]:
    """One step of the hire lifecycle, by the employer or the worker, on one application."""
    schema = "Application" if role == "employer" else "WorkerApplication"
    operation = _operation(
        operation_id,
        summary,
        {200: _ok("The hire as it now stands (also the answer to a repeated key)", _ref(schema))},
        (*HIRE_ERRORS, *(BODY_ERRORS if body is not None else ())),
        tags=[role],
        security=AUTHENTICATED,
        parameters=[APPLICATION_ID, HIRE_KEY, CSRF_HEADER],
        body=body,
        example=example,
        description=description,
    )
    if optional_body:
        operation["requestBody"]["required"] = False
    return operation


def _hire_paths() -> dict[str, Any]:
    """The hire lifecycle: the employer's and the worker's steps (webapp/services/hires.py)."""
    employer = "/employer/applications/{public_id}/"
    worker = "/worker/applications/{public_id}/"
    reason = _ref("ReasonInput")
    return {
        "/employer/gigs/{public_id}/invitations": {
            "post": _operation(
                "inviteWorker",
                "Invite a worker to my gig (the worker accepts or declines)",
                {
                    201: _ok("Invited", _ref("Application")),
                    200: _ok(
                        "Already invited or signed up: the hire as it stands", _ref("Application")
                    ),
                },
                (*BODY_ERRORS, 401, 403, 404, 409, 422),
                tags=["employer"],
                security=AUTHENTICATED,
                parameters=[GIG_ID, HIRE_KEY, CSRF_HEADER],
                body=_ref("InvitationInput"),
                example={"worker_id": "0123456789abcdef0123456789abcdef"},
            )
        },
        "/employer/gigs/{public_id}/arrivals": {
            "post": _operation(
                "recordArrivalByQr",
                "Record a worker's arrival by scanning their personal QR code at the site",
                {200: _ok("The worker's hire, arrived", _ref("Application"))},
                (*BODY_ERRORS, *HIRE_ERRORS),
                tags=["employer"],
                security=AUTHENTICATED,
                parameters=[GIG_ID, HIRE_KEY, CSRF_HEADER],
                body=_ref("ArrivalInput"),
            )
        },
        employer + "accept": {
            "post": _hire_step(
                "acceptApplication",
                "Take the worker on (never beyond the headcount: 409 full)",
                "employer",
                description="Both sides must be verified now (双实名); the worker's phone shows.",
            )
        },
        employer + "decline": {
            "post": _hire_step(
                "declineApplication",
                "Decline a sign-up",
                "employer",
                body=reason,
                optional_body=True,
            )
        },
        employer + "dispatch": {
            "post": _hire_step("dispatchWorker", "Send the taken-on worker (派工)", "employer")
        },
        employer + "arrive": {
            "post": _hire_step("confirmArrival", "The worker has arrived", "employer")
        },
        employer + "complete": {
            "post": _hire_step(
                "completeWork",
                "The work is done; pay falls due by the gig's settlement",
                "employer",
            )
        },
        employer + "no-show": {
            "post": _hire_step(
                "reportNoShow",
                "The worker did not come (from 30 minutes after the start)",
                "employer",
                body=_ref("NoShowInput"),
                optional_body=True,
            )
        },
        employer + "cancel": {
            "post": _hire_step(
                "cancelHireByEmployer",
                "Call off a hire before arrival (within 12 hours of the start: late)",
                "employer",
                body=_ref("CancelInput"),
                example={"reason": "工程延期"},
            )
        },
        employer + "rate": {
            "post": _hire_step(
                "rateWorker",
                "Rate the worker once the work is done (once)",
                "employer",
                body=_ref("RatingInput"),
                example={"stars": 5},
            )
        },
        worker + "accept": {
            "post": _hire_step("acceptInvitation", "Accept an invitation", "worker")
        },
        worker + "decline": {
            "post": _hire_step(
                "declineInvitation",
                "Decline an invitation",
                "worker",
                body=reason,
                optional_body=True,
            )
        },
        worker + "withdraw": {
            "post": _hire_step(
                "withdrawApplication",
                "Withdraw my sign-up before I am taken on",
                "worker",
                body=reason,
                optional_body=True,
            )
        },
        worker + "cancel": {
            "post": _hire_step(
                "cancelHireByWorker",
                "Call off a hire I was taken on for (within 12 hours of the start: late)",
                "worker",
                body=_ref("CancelInput"),
                example={"reason": "家里有事"},
            )
        },
        worker + "confirm-paid": {
            "post": _hire_step("confirmPaid", "I have received the pay", "worker")
        },
        worker + "rate": {
            "post": _hire_step(
                "rateEmployer",
                "Rate the employer once the work is done (once)",
                "worker",
                body=_ref("RatingInput"),
                example={"stars": 4},
            )
        },
    }


def _paths() -> dict[str, Any]:
    """Every operation of the API."""
    gig_owner = _ok("The gig, as its employer sees it", _ref("GigOwner"))
    return {
        "/openapi.json": {
            "get": _operation(
                "getOpenApi",
                "This document",
                {200: _ok("The OpenAPI 3.1 document", {"type": "object"})},
                (),
                tags=["meta"],
                security=[],
            )
        },
        "/markets": {
            "get": _operation(
                "listMarkets",
                "Every active market",
                {
                    200: _ok(
                        "The markets",
                        _closed({"items": {"type": "array", "items": _ref("Market")}}),
                    )
                },
                (),
                tags=["markets"],
                security=[],
            )
        },
        "/markets/{market_id}": {
            "get": _operation(
                "getMarket",
                "One active market",
                {200: _ok("The market", _ref("Market"))},
                (404,),
                tags=["markets"],
                security=[],
                parameters=[MARKET_ID],
            )
        },
        "/markets/{market_id}/gigs": {
            "get": _operation(
                "listMarketGigs",
                "A market's open gigs still taking sign-ups, soonest first",
                {200: _ok("One page of gigs", _page_of("Gig"))},
                (400, 404),
                tags=["gigs"],
                security=[],
                parameters=[MARKET_ID, *PAGING],
            )
        },
        "/auth/otp": {
            "post": _operation(
                "requestCode",
                "Text a one-time sign-in code to a mobile number",
                {
                    202: _ok(
                        "The code is on its way",
                        _closed(
                            {
                                "resend_after": {"type": "integer", "minimum": 0},
                                "expires_in": {"type": "integer", "minimum": 1},
                                "phone": MASKED_PHONE,
                            }
                        ),
                    )
                },
                (*BODY_ERRORS, 429, 503),
                tags=["auth"],
                security=[],
                body=_ref("OtpRequest"),
                example={"phone": "13812345678"},
                description="Limited per number and per address; 429 carries Retry-After.",
            )
        },
        "/auth/token": {
            "post": _operation(
                "createToken",
                "Exchange the code for an API token",
                {
                    201: _ok(
                        "Signed in",
                        _closed(
                            {
                                "token": {"type": "string", "minLength": 20},
                                "token_type": {"type": "string", "const": "Bearer"},
                                "account": _ref("Account"),
                            }
                        ),
                    )
                },
                (*BODY_ERRORS, 401, 403, 429),
                tags=["auth"],
                security=[],
                body=_ref("TokenRequest"),
                example={"phone": "13812345678", "code": "123456"},
                description="A wrong code counts as a guess; a code dies after a few.",
            ),
            "delete": _operation(
                "revokeToken",
                "Revoke the API token of this request",
                {204: {"description": "Revoked"}},
                (401,),
                tags=["auth"],
                security=[{"bearerAuth": []}],
            ),
        },
        "/me": {
            "get": _operation(
                "getMe",
                "The signed-in account",
                {200: _ok("The account (numbers masked)", _ref("Account"))},
                (401,),
                tags=["auth"],
                security=AUTHENTICATED,
            )
        },
        "/gigs/{public_id}": {
            "get": _operation(
                "getGig",
                "One gig",
                {
                    200: _ok(
                        "The gig: its employer gets GigOwner, everyone else Gig",
                        {"oneOf": [_ref("GigOwner"), _ref("Gig")]},
                    )
                },
                (401, 404),
                tags=["gigs"],
                security=OPTIONALLY_AUTHENTICATED,
                parameters=[GIG_ID],
                description=(
                    "Open and filled gigs, and closed or expired ones that were published, are "
                    "public. Drafts, gigs waiting for review and rejected ones: the employer's own."
                ),
            )
        },
        "/gigs/{public_id}/applications": {
            "post": _operation(
                "signUp",
                "Sign up for a gig (a verified worker)",
                {
                    201: _ok("Signed up", _ref("WorkerApplication")),
                    200: _ok("Already signed up: the first sign-up", _ref("WorkerApplication")),
                },
                (400, 401, 403, 404, 409),
                tags=["worker"],
                security=AUTHENTICATED,
                parameters=[GIG_ID, IDEMPOTENCY_KEY, CSRF_HEADER],
            )
        },
        "/worker/applications": {
            "get": _operation(
                "listMyApplications",
                "My sign-ups, newest first",
                {200: _ok("One page of sign-ups", _page_of("WorkerApplication"))},
                (400, 401, 403),
                tags=["worker"],
                security=AUTHENTICATED,
                parameters=PAGING,
            )
        },
        "/employer/gigs": {
            "get": _operation(
                "listMyGigs",
                "My postings in every status, newest first",
                {200: _ok("One page of my gigs", _page_of("GigOwner"))},
                (400, 401, 403),
                tags=["employer"],
                security=AUTHENTICATED,
                parameters=PAGING,
            ),
            "post": _operation(
                "createGig",
                "Post a gig: a draft, or published at once with `publish: true`",
                {
                    201: _ok(
                        "Created: a draft, open, waiting for review, or a draft blocked by "
                        "screening (see `screening`)",
                        _ref("GigOwner"),
                        {"Location": {"required": True, "schema": {"type": "string"}}},
                    )
                },
                (*BODY_ERRORS, 401, 403, 409, 422),
                tags=["employer"],
                security=AUTHENTICATED,
                parameters=[CSRF_HEADER],
                body=_ref("GigInput"),
                example=gig_example(),
                description="Publishing needs a verified employer (403 employer_unverified).",
            ),
        },
        "/employer/gigs/{public_id}": {
            "patch": _operation(
                "updateGig",
                "Change my gig (an open one is screened again)",
                {200: gig_owner},
                (*BODY_ERRORS, 401, 403, 404, 409, 422),
                tags=["employer"],
                security=AUTHENTICATED,
                parameters=[GIG_ID, CSRF_HEADER],
                body=_ref("GigPatch"),
                example={"headcount": 6, "pay_amount": "340.00"},
            )
        },
        "/employer/gigs/{public_id}/publish": {
            "post": _operation(
                "publishGig",
                "Screen and publish my draft",
                {200: gig_owner},
                (400, 401, 403, 404, 409),
                tags=["employer"],
                security=AUTHENTICATED,
                parameters=[GIG_ID, CSRF_HEADER],
            )
        },
        "/employer/gigs/{public_id}/close": {
            "post": _operation(
                "closeGig",
                "Stop taking sign-ups",
                {200: gig_owner},
                (400, 401, 403, 404, 409),
                tags=["employer"],
                security=AUTHENTICATED,
                parameters=[GIG_ID, CSRF_HEADER],
            )
        },
        "/employer/gigs/{public_id}/applications": {
            "get": _operation(
                "listGigApplications",
                "The sign-ups and hires of my gig (names masked; the phone once taken on)",
                {200: _ok("One page of sign-ups", _page_of("Application"))},
                (400, 401, 403, 404),
                tags=["employer"],
                security=AUTHENTICATED,
                parameters=[GIG_ID, *PAGING],
            )
        },
        **_hire_paths(),
    }


def openapi_document(cookie_name: str = "gm_session") -> dict[str, Any]:
    """Build the document (plain data, so tests and schemathesis can read it)."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Gig-market station service API (零工市场服务接口)",
            "version": "1.0.0",
            "description": (
                "Public and authenticated endpoints of a 零工市场 station service, for phones and "
                "integrations. Sign in with POST /auth/otp then POST /auth/token and send "
                "`Authorization: Bearer <token>`; the phone pages' session cookie works too, with "
                "the X-CSRFToken header on every change. Errors are JSON: "
                '{"error", "message", "fields"?}, messages in the request\'s language '
                "(Accept-Language: zh-CN or en). Phones and names are masked; a worker's ID "
                "number, phone, birth date and sex are never returned."
            ),
        },
        "servers": [{"url": "/api/v1"}],
        "tags": [
            {"name": "meta"},
            {"name": "markets"},
            {"name": "gigs"},
            {"name": "auth"},
            {"name": "employer"},
            {"name": "worker"},
        ],
        "paths": _paths(),
        "components": {
            "schemas": {
                "Market": MARKET,
                "Gig": GIG,
                "GigOwner": GIG_OWNER,
                "Finding": FINDING,
                "Account": ACCOUNT,
                "Application": APPLICATION,
                "WorkerApplication": WORKER_APPLICATION,
                "Error": ERROR,
                "ValidationError": VALIDATION_ERROR,
                "OtpRequest": OTP_REQUEST,
                "TokenRequest": TOKEN_REQUEST,
                "GigInput": GIG_INPUT,
                "GigPatch": GIG_PATCH,
                "InvitationInput": INVITATION_INPUT,
                "ArrivalInput": ARRIVAL_INPUT,
                "ReasonInput": REASON_INPUT,
                "CancelInput": CANCEL_INPUT,
                "NoShowInput": NO_SHOW_INPUT,
                "RatingInput": RATING_INPUT,
            },
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A token from POST /auth/token (revocable; idle expiry).",
                },
                "cookieAuth": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": cookie_name,
                    "description": (
                        "The phone pages' session cookie; changes need the X-CSRFToken header."
                    ),
                },
            },
        },
    }
