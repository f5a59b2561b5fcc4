"""The public HR agency lookup (/agencies): no sign-in, search, escaping, expiry, pages."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import count

import pytest

from webapp.extensions import db

_seq = count(1)


@pytest.fixture(autouse=True)
def english(client):
    """Pages in English, so assertions do not depend on the translation catalogue."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def add_agency(app):
    """Put an agency in the registry: add_agency(name, licence_number, **fields)."""
    from webapp.identity import synthesize_uscc
    from webapp.models import Agency
    from webapp.models.types import AgencyStatus

    def add(name, licence_number=None, valid_until=None, status="valid", **fields):
        n = next(_seq)
        with app.app_context():
            db.session.add(
                Agency(
                    name=name,
                    uscc=synthesize_uscc("9", "1", "410105", f"MB{n:06d}"),
                    licence_number=licence_number or f"4101052023{n:05d}",
                    issuing_authority="郑州市人力资源和社会保障局",
                    valid_from=date(2023, 1, 1),
                    valid_until=valid_until or date.today() + timedelta(days=400),
                    region_code="410105",
                    status=AgencyStatus(status),
                    **fields,
                )
            )
            db.session.commit()

    return add


def test_lookup_needs_no_sign_in_and_lists_only_valid_agencies(client, add_agency):
    add_agency("中原人力资源有限公司", scope="职业介绍", office_phone="0371-66661111")
    add_agency("过期劳务有限公司", valid_until=date.today() - timedelta(days=1))
    add_agency("暂停派遣有限公司", status="suspended")
    response = client.get("/agencies")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "中原人力资源有限公司" in page
    assert "职业介绍" in page
    assert "0371-66661111" in page
    assert "过期劳务有限公司" not in page
    assert "暂停派遣有限公司" not in page


def test_lookup_finds_by_licence_number(client, add_agency):
    add_agency("中原人力资源有限公司", licence_number="4101052023AB123")
    add_agency("另一家人力资源有限公司")
    page = client.get("/agencies", query_string={"q": " 4101052023ab123 "}).get_data(as_text=True)
    assert "中原人力资源有限公司" in page
    assert "另一家人力资源有限公司" not in page
    assert "郑州市人力资源和社会保障局" in page


def test_lookup_finds_by_part_of_the_name(client, add_agency):
    add_agency("郑州好工人力资源有限公司")
    add_agency("洛阳劳务派遣有限公司")
    page = client.get("/agencies", query_string={"q": "好工"}).get_data(as_text=True)
    assert "郑州好工人力资源有限公司" in page
    assert "洛阳劳务派遣有限公司" not in page


@pytest.mark.parametrize(
    ("status", "valid_until", "shown"),
    [
        ("valid", date.today() + timedelta(days=1), "Valid"),
        ("valid", date.today() - timedelta(days=1), "Expired"),
        ("suspended", date.today() + timedelta(days=30), "Suspended"),
        ("revoked", date.today() + timedelta(days=30), "Revoked"),
    ],
)
def test_search_shows_the_standing_with_expiry_from_the_date(
    client, add_agency, status, valid_until, shown
):
    add_agency("查询测试人力资源有限公司", status=status, valid_until=valid_until)
    page = client.get("/agencies", query_string={"q": "查询测试"}).get_data(as_text=True)
    assert "查询测试人力资源有限公司" in page
    assert f'">{shown}</span>' in page
    for other in {"Valid", "Expired", "Suspended", "Revoked"} - {shown}:
        assert f'">{other}</span>' not in page


def test_user_text_is_escaped(client, add_agency):
    add_agency("中原人力资源有限公司")
    page = client.get("/agencies", query_string={"q": "<script>alert(1)</script>"}).get_data(
        as_text=True
    )
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "中原人力资源有限公司" not in page


def test_wildcards_in_the_query_match_only_themselves(client, add_agency):
    add_agency("中原人力资源有限公司")
    for q in ["%", "_", "' OR '1'='1"]:
        page = client.get("/agencies", query_string={"q": q}).get_data(as_text=True)
        assert "中原人力资源有限公司" not in page, q


def test_agencies_come_fifty_to_a_page(client, add_agency):
    for n in range(51):
        add_agency(f"分页测试{n:02d}人力资源有限公司")
    first = client.get("/agencies").get_data(as_text=True)
    assert first.count("分页测试") == 50
    assert "page=2" in first
    second = client.get("/agencies", query_string={"page": 2}).get_data(as_text=True)
    assert second.count("分页测试") == 1
    assert "分页测试50人力资源有限公司" in second
    for page in ["999999999999999999999999", "-3", "abc"]:
        response = client.get("/agencies", query_string={"page": page})
        assert response.status_code == 200
        assert "分页测试" in response.get_data(as_text=True)
