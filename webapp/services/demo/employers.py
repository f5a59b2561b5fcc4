"""The HR agency registry and the 50 employers: enterprises, individuals and licensed agencies."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from webapp import refdata
from webapp.extensions import db
from webapp.models import Agency, Employer
from webapp.models.types import AgencyStatus, EmployerKind, VerificationStatus
from webapp.services import identity

from . import text
from .context import (
    Context,
    EmployerPlan,
    add_months,
    county_name,
    county_of,
    local_at,
    local_date,
    named_county,
    years_before,
)


def build_agencies(ctx: Context) -> None:
    """The HR agency registry: valid, one expired, one revoked."""
    rng = ctx.rng
    for seq, (name, _station, region, authority, status) in enumerate(text.AGENCIES, 1):
        if status == "expired":
            lapsed = timedelta(days=rng.randint(30, 300))
            valid_from = years_before(ctx.today, 5) - lapsed
        else:
            valid_from = ctx.today - timedelta(days=rng.randint(200, 1400))
        abbr = "郑" if region.startswith("4101") else "洛"
        licence = f"（{abbr}）人服证字〔{valid_from.year}〕第{region[2:6]}{seq * 7 + 100:04d}号"
        area = "0371" if abbr == "郑" else "0379"
        agency = Agency(
            name=name,
            uscc=ctx.uscc("91", region),
            licence_number=licence,
            issuing_authority=authority,
            valid_from=valid_from,
            valid_until=add_months(valid_from, 60),
            scope=text.AGENCY_SCOPE,
            address=text.street_address(
                rng, county_of(region), county_name(region), region[:4] + "00"
            )
            + "写字楼"
            + f"{rng.randint(3, 20)}层",
            office_phone=f"{area}-60{rng.randint(10000, 99999)}0",
            region_code=region,
            status=AgencyStatus(status),
            created_at=local_at(ctx.day0 - timedelta(days=60), time(10, 0)),
        )
        ctx.agencies.append(agency)
    db.session.add_all(ctx.agencies)
    db.session.flush()


def _specs(ctx: Context) -> list[dict]:
    """What to create: every enterprise, individual employer and valid agency of the banks."""
    specs: list[dict] = []
    for name, station, code, unit, section, division, trades, state in text.ENTERPRISES:
        specs.append(
            dict(
                kind=EmployerKind.ENTERPRISE,
                name=name,
                station=station,
                code=code,
                unit=unit,
                section=section,
                division=division,
                trades=trades,
                state=state,
                agency=None,
                method="enterprise_licence",
            )
        )
    for station, trades, section, division, state in text.INDIVIDUALS:
        specs.append(
            dict(
                kind=EmployerKind.INDIVIDUAL,
                name=None,
                station=station,
                code=None,
                unit="individual_employer",
                section=section,
                division=division,
                trades=trades,
                state=state,
                agency=None,
                method="individual_face",
            )
        )
    for agency, (_n, station, *_rest) in zip(ctx.agencies, text.AGENCIES, strict=True):
        if agency.status is AgencyStatus.VALID:
            specs.append(
                dict(
                    kind=EmployerKind.HR_AGENCY,
                    name=agency.name,
                    station=station,
                    code=None,
                    unit="llc",
                    section="L",
                    division="72",
                    trades=text.AGENCY_TRADES,
                    state="early",
                    agency=agency,
                    method="agency_registry",
                )
            )
    return specs


def build_employers(ctx: Context) -> None:
    """50 employers: enterprises, individual employers and licensed HR agencies."""
    rng = ctx.rng
    pending_identity: list[tuple[Employer, str, str]] = []
    for spec in _specs(ctx):
        station = ctx.stations[spec["station"]]
        county = named_county(spec["name"] or "") or text.STATION_COUNTY[spec["station"]]
        city = station.spec.city
        contact_name, contact_id = _contact(ctx)
        phone = ctx.phone()
        status, verified_at, created_at = _verification(ctx, spec["state"])
        if spec["kind"] is EmployerKind.INDIVIDUAL:
            name = contact_name
            address = text.street_address(rng, county, county_name(county), city) + (
                f"{rng.choice(text.ESTATES)}{rng.randint(1, 24)}号楼"
            )
            uscc = None
        elif spec["kind"] is EmployerKind.HR_AGENCY:
            name, uscc, address = spec["name"], spec["agency"].uscc, spec["agency"].address
        else:
            name = spec["name"]
            region = county if rng.random() < 0.7 else city
            uscc = ctx.uscc(spec["code"], region)
            address = text.street_address(rng, county, county_name(county), city, within=name)
            if spec["section"] != "A":
                address += rng.choice(("", "院内", "一楼", "A座2层"))
        reviewer = rng.choice(station.staff)
        row = Employer(
            kind=spec["kind"],
            name=name,
            uscc=uscc,
            agency=spec["agency"],
            contact_name=contact_name,
            industry_section=spec["section"],
            industry_division=spec["division"],
            unit_type=refdata.unit_type(spec["unit"]).code,  # the exact 表4 code
            address=address,
            market=station.market,
            verification_status=status,
            verification_method=spec["method"] if verified_at else None,
            verified_at=verified_at,
            verified_by_id=reviewer.id if status is not VerificationStatus.PENDING else None,
            reverify_due_on=add_months(local_date(verified_at), 6) if verified_at else None,
            created_at=created_at,
        )
        if status is VerificationStatus.REJECTED:
            row.verification_note = (
                "营业执照照片模糊，且执照上的统一社会信用代码与填报不一致，请重新上传清晰照片。"
            )
        posts_from = (
            verified_at
            if status in (VerificationStatus.VERIFIED, VerificationStatus.EXPIRED)
            else None
        )
        posts_until = None
        if status is VerificationStatus.EXPIRED:
            posts_until = local_at(row.reverify_due_on, time(0))
        if spec["state"] == "arrears":
            posts_until = local_at(ctx.sanction_day - timedelta(days=12), time(0))
        ctx.employers.append(
            EmployerPlan(
                row,
                spec["station"],
                tuple(spec["trades"]),
                spec["state"],
                county,
                phone,
                posts_from,
                posts_until,
            )
        )
        pending_identity.append((row, contact_id, phone))
    db.session.add_all([e.row for e in ctx.employers])
    db.session.flush()
    for row, contact_id, phone in pending_identity:
        identity.store(row, "contact_id", contact_id)
        identity.store(row, "contact_phone", phone)
    ctx.progress(f"employers {len(ctx.employers)}/{len(ctx.employers)}")


def _verification(ctx: Context, state: str) -> tuple[VerificationStatus, datetime | None, datetime]:
    """(status, verified_at, created_at) for an employer state."""
    rng = ctx.rng
    at = time(9, 0)
    if state in ("early", "arrears"):
        verified = local_at(ctx.today - timedelta(days=rng.randint(100, 175)), at)
    elif state == "new":
        verified = local_at(ctx.today - timedelta(days=rng.randint(30, 75)), at)
    elif state == "expired":
        verified = local_at(ctx.today - timedelta(days=rng.randint(200, 230)), at)
    elif state == "pending":
        created = local_at(ctx.today - timedelta(days=rng.randint(1, 5)), at)
        return VerificationStatus.PENDING, None, created + ctx.minutes(0, 480)
    else:  # rejected
        created = local_at(ctx.today - timedelta(days=rng.randint(10, 20)), at)
        return VerificationStatus.REJECTED, None, created + ctx.minutes(0, 480)
    verified += ctx.minutes(0, 480)
    created = verified - timedelta(days=rng.randint(1, 3)) - ctx.minutes(0, 300)
    status = VerificationStatus.EXPIRED if state == "expired" else VerificationStatus.VERIFIED
    return status, verified, created


def _contact(ctx: Context) -> tuple[str, str]:
    """A contact person: name and a synthetic ID number (kept in memory only)."""
    rng = ctx.rng
    sex = "M" if rng.random() < 0.65 else "F"
    birth = years_before(ctx.today, rng.randint(28, 58)) - timedelta(days=rng.randint(1, 364))
    region = rng.choice(("410105", "410103", "410102", "410311", "410303", "410122"))
    return text.person_name(rng, sex, birth.year), ctx.resident_id(region, birth, sex)
