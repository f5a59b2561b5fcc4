"""The market tree (province > cities > counties > stations), its staff and the kiosks."""

from __future__ import annotations

import secrets
from datetime import time, timedelta

from kiosk.devices import register_kiosk
from webapp import refdata
from webapp.extensions import db
from webapp.models import Market, StaffUser
from webapp.models.types import MarketLevel, StaffRole
from webapp.services.auth import hash_password

from . import text
from .context import Context, Station, local_at
from .summary import DemoAccount


def build_markets(ctx: Context) -> None:
    """Province > cities > (county) > stations, their staff and kiosks."""
    created = local_at(ctx.day0 - timedelta(days=90), time(9, 0))
    province = Market(
        level=MarketLevel.PROVINCE,
        name="河南省零工市场",
        region_code="410000",
        address="郑州市郑东新区商务外环路与商务西七街交叉口东北角",
        latitude=34.7640,
        longitude=113.7300,
        hotline="0371-60000010",
        complaint_channel=text.complaint_channel("0371-60000010"),
        services=text.CITY_SERVICES,
        capacity=None,
        created_at=created,
    )
    ctx.markets["henan"] = province
    parents: dict[str, Market] = {}
    for code, (key, name, address, lat, lon, hotline) in text.CITIES.items():
        city = Market(
            level=MarketLevel.CITY,
            parent=province,
            name=name,
            region_code=code,
            address=address,
            latitude=lat,
            longitude=lon,
            opens_at=time(8, 30),
            closes_at=time(17, 30),
            opening_hours="周一至周五 08:30-12:00, 14:30-17:30",
            hotline=hotline,
            complaint_channel=text.complaint_channel(hotline),
            services=text.CITY_SERVICES,
            created_at=created,
        )
        ctx.markets[key] = parents[code] = city
    for spec in text.STATIONS:
        parent = parents[spec.city]
        if spec.county_node:
            region = refdata.region(spec.region)
            parent = Market(
                level=MarketLevel.COUNTY,
                parent=parent,
                name=spec.county_node,
                region_code=spec.region,
                address=f"{text.CITY_NAMES[spec.city]}{region.name}",
                hotline=spec.hotline,
                complaint_channel=text.complaint_channel(spec.hotline),
                created_at=created,
            )
            ctx.markets[spec.key + "_county"] = parent
        opening = f"每天 {spec.opens:%H:%M}-{spec.closes:%H:%M}（节假日照常开放）"
        station = Market(
            level=MarketLevel.STATION,
            parent=parent,
            name=spec.name,
            region_code=spec.region,
            address=spec.address,
            latitude=spec.lat,
            longitude=spec.lon,
            opens_at=spec.opens,
            closes_at=spec.closes,
            opening_hours=opening,
            hotline=spec.hotline,
            complaint_channel=text.complaint_channel(spec.hotline),
            services=text.STATION_SERVICES,
            guide=text.station_guide(opening),
            capacity=spec.capacity,
            created_at=created,
        )
        ctx.markets[spec.key] = station
    db.session.add_all(ctx.markets.values())
    db.session.flush()

    for spec in text.STATIONS:
        market = ctx.markets[spec.key]
        admin = _account(
            ctx, f"{spec.key}_admin", StaffRole.STATION_ADMIN, market, _staff_name(ctx)
        )
        staff = [
            _account(ctx, f"{spec.key}_staff{n}", StaffRole.STATION_STAFF, market, _staff_name(ctx))
            for n in (1, 2)
        ]
        ctx.stations[spec.key] = Station(spec, market, admin, [admin, *staff], [])
    for key, _name, _a, _lat, _lon, _h in text.CITIES.values():
        _account(ctx, f"{key}_supervisor", StaffRole.SUPERVISOR, ctx.markets[key], _staff_name(ctx))
    _account(ctx, "henan_supervisor", StaffRole.SUPERVISOR, province, _staff_name(ctx))
    _account(ctx, "henan_auditor", StaffRole.AUDITOR, province, _staff_name(ctx))
    db.session.flush()

    for station in ctx.stations.values():
        _register_kiosks(ctx, station)
    db.session.flush()


def _account(ctx: Context, username: str, role: StaffRole, market: Market, name: str) -> StaffUser:
    """A staff account with a fresh random password (not from the seed)."""
    password = secrets.token_urlsafe(9)
    user = StaffUser(
        username=username,
        display_name=name,
        password_hash=hash_password(password),
        role=role,
        market=market,
        created_at=local_at(ctx.day0 - timedelta(days=60), time(9, 0)),
    )
    ctx.accounts.append(DemoAccount(username, role.value, market.name, name, password))
    db.session.add(user)
    return user


def _staff_name(ctx: Context) -> str:
    """A staff member's name (born 1970-1998)."""
    sex = ctx.rng.choice("MF")
    return text.person_name(ctx.rng, sex, ctx.rng.randint(1970, 1998))


def _register_kiosks(ctx: Context, station: Station) -> None:
    """The station's kiosks, registered by its admin as staff would; the device tokens come
    from `secrets` (not the seed) and go to the summary, to be entered on the devices."""
    for n in range(1, station.spec.kiosks + 1):
        name = f"{n}号自助服务终端"
        kiosk, token = register_kiosk(station.market, name, "portrait", station.admin)
        kiosk.last_seen_at = local_at(ctx.today - timedelta(days=1), station.spec.closes)
        kiosk.created_at = local_at(ctx.day0 - timedelta(days=30), time(10, 0))
        station.kiosks.append(kiosk)
        ctx.kiosks.append((station.market.name, kiosk.name, token))
