"""What a demo load hands back: the staff accounts and kiosk device codes it created (shown
once, then only their hashes remain) and the row counts, with a printable report."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import (
    Agency,
    Application,
    ApplicationEvent,
    CheckIn,
    Complaint,
    Consent,
    CreditEvent,
    Document,
    Employer,
    Gig,
    GigRevision,
    Kiosk,
    LedgerDay,
    Market,
    PhoneAccount,
    PolicySession,
    Sanction,
    SpecialistVisit,
    StaffUser,
    VerificationRequest,
    Worker,
    WorkerCertificate,
    WorkerTrade,
)

# The tables the demo fills, in the order the report lists them.
COUNTED = (
    ("markets", Market),
    ("staff", StaffUser),
    ("kiosks", Kiosk),
    ("agencies", Agency),
    ("employers", Employer),
    ("phone_accounts", PhoneAccount),
    ("verification_requests", VerificationRequest),
    ("documents", Document),
    ("workers", Worker),
    ("worker_trades", WorkerTrade),
    ("worker_certificates", WorkerCertificate),
    ("gigs", Gig),
    ("gig_revisions", GigRevision),
    ("applications", Application),
    ("application_events", ApplicationEvent),
    ("check_ins", CheckIn),
    ("consents", Consent),
    ("policy_sessions", PolicySession),
    ("specialist_visits", SpecialistVisit),
    ("ledger_days", LedgerDay),
    ("complaints", Complaint),
    ("credit_events", CreditEvent),
    ("sanctions", Sanction),
)


@dataclass(frozen=True)
class DemoAccount:
    """A staff account created by the demo, with its one-time password."""

    username: str
    role: str
    market: str
    display_name: str
    password: str = field(repr=False)


@dataclass
class DemoSummary:
    """What `load_demo` created: accounts and kiosk codes (shown once) and row counts."""

    seed: int
    today: date
    accounts: list[DemoAccount]
    counts: dict[str, int]
    seconds: float
    # (market name, kiosk name, device token) per registered kiosk; tokens are credentials.
    kiosks: list[tuple[str, str, str]] = field(default_factory=list, repr=False)
    # (role, name, mobile) to sign in with on the phone pages (fictional demo numbers).
    phones: list[tuple[str, str, str]] = field(default_factory=list, repr=False)

    def report(self) -> str:
        """A readable multi-line report: accounts, kiosk device codes and the row counts."""
        lines = [
            f"Demo province loaded (seed {self.seed}, history up to {self.today.isoformat()}, "
            f"{self.seconds:.1f} s).",
            "Staff accounts; the passwords are shown only now, so note them:",
        ]
        lines += _table(
            ("username", "role", "market", "password"),
            [(a.username, a.role, a.market, a.password) for a in self.accounts],
        )
        if self.kiosks:
            lines.append("Kiosk device codes (enter at /kiosk/setup on each kiosk):")
            lines += _table(("market", "kiosk", "device code"), self.kiosks)
        if self.phones:
            lines.append(
                "Phone sign-in at /m/signin (the one-time code is written to the server log):"
            )
            lines += _table(("who", "name", "mobile"), self.phones)
        lines.append("Rows:")
        for name, count in self.counts.items():
            lines.append(f"  {name:<22}{count:>7}")
        return "\n".join(lines)


def count_rows() -> dict[str, int]:
    """Row counts of the demo tables."""
    return {
        name: db.session.scalar(select(func.count()).select_from(model)) for name, model in COUNTED
    }


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    """Left-aligned columns under a header and a rule, indented two spaces."""
    widths = [max(_width(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = []
    for row in [header, tuple("-" * w for w in widths), *rows]:
        cells = (_pad(v, w) for v, w in zip(row, widths, strict=True))
        lines.append(("  " + "  ".join(cells)).rstrip())
    return lines


def _width(value: str) -> int:
    """Display width in a terminal: CJK characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in value)


def _pad(value: str, width: int) -> str:
    """Left-align to a display width."""
    return value + " " * (width - _width(value))
