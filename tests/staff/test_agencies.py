"""The HR agency registry kept by staff: who may edit, validation, audit."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.conftest import csrf_token_from
from tests.staff.conftest import new_id_number, new_uscc
from webapp.extensions import db
from webapp.models import Agency, AuditEvent
from webapp.models.types import AgencyStatus


@pytest.fixture(autouse=True)
def english(client):
    """Pages in English, so assertions do not depend on the translation catalogue."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


def _form(**overrides) -> dict[str, str]:
    """A valid registry form."""
    return {
        "name": "河南好工人力资源服务有限公司",
        "uscc": new_uscc(),
        "licence_number": "410105202400001",
        "issuing_authority": "郑州市金水区人力资源和社会保障局",
        "valid_from": "2024-01-01",
        "valid_until": (date.today() + timedelta(days=700)).isoformat(),
        "scope": "职业介绍、劳务派遣",
        "address": "郑州市金水区经三路1号",
        "office_phone": "0371-65550000",
        "region_code": "410105",
        "status": "valid",
    } | overrides


def _sign_in(client, login, username) -> str:
    """Sign in and return a CSRF token for the new session."""
    assert login(username).status_code == 302
    return csrf_token_from(client.get("/staff/agencies").get_data(as_text=True))


def _events(app, action: str) -> list[AuditEvent]:
    """Audit events of one action."""
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


# role -> (list, detail, new form, edit form, create, update)
EXPECTED = {
    "station_staff": (200, 200, 403, 403, 403, 403),
    "station_admin": (200, 200, 200, 200, 302, 302),
    "supervisor": (200, 200, 200, 200, 302, 302),
    "auditor": (200, 200, 403, 403, 403, 403),
    "anonymous": (302, 302, 302, 302, 302, 302),
}


@pytest.mark.parametrize("role", list(EXPECTED))
def test_registry_routes_follow_roles(
    app, client, make_market, make_staff, login, make_agency, role
):
    market = make_market()
    agency_id = make_agency(name="原有人力资源有限公司")
    if role == "anonymous":
        token = csrf_token_from(client.get("/staff/login").get_data(as_text=True))
    else:
        token = _sign_in(client, login, make_staff(market, role=role))
    got = [
        client.get("/staff/agencies").status_code,
        client.get(f"/staff/agencies/{agency_id}").status_code,
        client.get("/staff/agencies/new").status_code,
        client.get(f"/staff/agencies/{agency_id}/edit").status_code,
        client.post("/staff/agencies", data=_form(csrf_token=token)).status_code,
        client.post(
            f"/staff/agencies/{agency_id}",
            data=_form(licence_number="410105202499999", csrf_token=token, status="suspended"),
        ).status_code,
    ]
    assert tuple(got) == EXPECTED[role]
    with app.app_context():
        count = db.session.scalar(select(db.func.count(Agency.id)))
        status = db.session.get(Agency, agency_id).status
    may_edit = EXPECTED[role][4] == 302 and role != "anonymous"
    assert count == (2 if may_edit else 1)
    assert (status == AgencyStatus.SUSPENDED) is may_edit
    assert client.get("/staff/agencies/999999").status_code == (302 if role == "anonymous" else 404)


def test_adding_an_agency_is_audited_and_found_by_the_verification_service(
    app, client, make_market, make_staff, login
):
    token = _sign_in(client, login, make_staff(make_market(), role="station_admin"))
    form = _form(licence_number=" 4101 0520 24ab001 ")
    response = client.post("/staff/agencies", data=form | {"csrf_token": token})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "410105202 4AB001".replace(" ", "") in page
    assert "Valid" in page
    with app.app_context():
        from webapp.services import verification

        agency = verification.find_agency("410105 2024ab001")
        assert agency is not None
        assert agency.licence_number == "4101052024AB001"
        assert verification.agency_standing(agency) == "valid"
    (event,) = _events(app, "agency.create")
    assert event.detail["licence_number"] == "4101052024AB001"
    assert event.detail["changes"]["name"] == [None, form["name"]]


def test_bad_credit_code_is_refused_next_to_the_field_keeping_what_was_typed(
    app, client, make_market, make_staff, login
):
    token = _sign_in(client, login, make_staff(make_market(), role="station_admin"))
    good = new_uscc()
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    response = client.post("/staff/agencies", data=_form(uscc=bad, csrf_token=token))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "credit code" in page.lower()
    assert 'id="uscc-error"' in page
    assert f'value="{bad}"' in page
    assert 'value="河南好工人力资源服务有限公司"' in page
    with app.app_context():
        assert db.session.scalar(select(db.func.count(Agency.id))) == 0
    assert _events(app, "agency.create") == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "公司"),
        ("issuing_authority", ""),
        ("valid_from", "2024-13-01"),
        ("valid_until", "2023-01-01"),  # before valid_from
        ("region_code", "4101"),
        ("office_phone", "13812345678"),  # a personal mobile on a public page
        ("office_phone", "call us"),
        ("status", "bogus"),
        ("licence_number", "12"),
    ],
)
def test_each_field_is_validated(client, make_market, make_staff, login, field, value):
    token = _sign_in(client, login, make_staff(make_market(), role="supervisor"))
    response = client.post("/staff/agencies", data=_form(**{field: value}, csrf_token=token))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f'id="{field}-error"' in page
    assert page.count('class="field-error"') == 1  # only the field at fault


def test_duplicate_licence_number_is_refused(
    app, client, make_market, make_staff, login, make_agency
):
    make_agency(licence_number="410105202400007")
    token = _sign_in(client, login, make_staff(make_market(), role="station_admin"))
    response = client.post(
        "/staff/agencies", data=_form(licence_number="4101 0520 2400 007", csrf_token=token)
    )
    assert response.status_code == 400
    assert "This licence number is already in the registry." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(db.func.count(Agency.id))) == 1


def test_editing_is_audited_with_old_and_new_values(
    app, client, make_market, make_staff, login, make_agency
):
    agency_id = make_agency(licence_number="410105202400008", name="旧名称人力资源有限公司")
    other_id = make_agency(licence_number="410105202400009")
    token = _sign_in(client, login, make_staff(make_market(), role="station_admin"))
    form = client.get(f"/staff/agencies/{agency_id}/edit").get_data(as_text=True)
    assert 'value="410105202400008"' in form
    with app.app_context():
        agency = db.session.get(Agency, agency_id)
        data = {
            "name": agency.name,
            "uscc": agency.uscc,
            "licence_number": agency.licence_number,
            "issuing_authority": agency.issuing_authority,
            "valid_from": agency.valid_from.isoformat(),
            "valid_until": agency.valid_until.isoformat(),
            "region_code": agency.region_code,
            "status": "revoked",
        }
    taken = client.post(
        f"/staff/agencies/{agency_id}",
        data=data | {"licence_number": "410105202400009", "csrf_token": token},
    )
    assert taken.status_code == 400
    saved = client.post(f"/staff/agencies/{agency_id}", data=data | {"csrf_token": token})
    assert saved.status_code == 302
    page = client.get(f"/staff/agencies/{agency_id}").get_data(as_text=True)
    assert "Revoked" in page
    (event,) = _events(app, "agency.update")
    assert event.detail["changes"] == {"status": ["valid", "revoked"]}
    assert event.object_id == str(agency_id)
    with app.app_context():
        assert db.session.get(Agency, other_id).licence_number == "410105202400009"


def test_staff_search_finds_by_name_or_number(client, make_market, make_staff, login, make_agency):
    make_agency(name="中原人才服务有限公司", licence_number="410105202400010")
    make_agency(name="洛阳劳务派遣有限公司", licence_number="410311202400011")
    _sign_in(client, login, make_staff(make_market()))
    by_name = client.get("/staff/agencies", query_string={"q": "中原"}).get_data(as_text=True)
    assert "中原人才服务有限公司" in by_name
    assert "洛阳劳务派遣有限公司" not in by_name
    by_number = client.get("/staff/agencies", query_string={"q": "410311"}).get_data(as_text=True)
    assert "洛阳劳务派遣有限公司" in by_number
    assert "中原人才服务有限公司" not in by_number
    assert "Add an agency" not in by_name  # station staff read only


def test_hr_agency_employer_must_match_a_valid_registry_entry(app, make_market, make_agency):
    market = make_market()
    make_agency(licence_number="410105202400012", status="suspended")
    with app.app_context():
        from webapp.models import PhoneAccount
        from webapp.services import identity, verification

        account = PhoneAccount()
        identity.store(account, "phone", "+8613900000001")
        with pytest.raises(verification.VerificationError) as refused:
            verification.submit_agency(
                account,
                market_id=market,
                name="暂停人力资源有限公司",
                uscc=new_uscc(),
                licence_number="410105202400012",
                contact_name="赵六",
                contact_id=new_id_number(),
            )
        assert refused.value.code == "agency_suspended"
        db.session.rollback()
