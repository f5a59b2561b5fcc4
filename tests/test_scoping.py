"""Staff see only their market subtree (security.md requirement 5)."""

import pytest


@pytest.fixture
def province(make_market):
    """A province with two cities, each with two stations."""
    prov = make_market("province", name="河南省", region_code="410000")
    zz = make_market("city", parent=prov, name="郑州市零工市场", region_code="410100")
    ly = make_market("city", parent=prov, name="洛阳市零工市场", region_code="410300")
    return {
        "province": prov,
        "zz": zz,
        "ly": ly,
        "zz1": make_market(parent=zz, region_code="410105"),
        "zz2": make_market(parent=zz, region_code="410103"),
        "ly1": make_market(parent=ly, region_code="410311"),
    }


# (staff's market, role) -> markets visible; the rest of the province must be hidden.
MATRIX = [
    ("zz1", "station_staff", {"zz1"}),
    ("zz1", "station_admin", {"zz1"}),
    ("zz", "supervisor", {"zz", "zz1", "zz2"}),
    ("ly", "supervisor", {"ly", "ly1"}),
    ("province", "supervisor", {"province", "zz", "ly", "zz1", "zz2", "ly1"}),
    ("province", "auditor", {"province", "zz", "ly", "zz1", "zz2", "ly1"}),
]


@pytest.mark.parametrize(("home", "role", "visible"), MATRIX)
def test_market_pages_follow_the_subtree(client, province, make_staff, login, home, role, visible):
    login(make_staff(province[home], role=role))
    for key, market_id in province.items():
        status = client.get(f"/staff/markets/{market_id}").status_code
        assert status == (200 if key in visible else 404), (home, role, key)


def test_market_list_shows_only_the_subtree(client, province, make_staff, login):
    login(make_staff(province["zz"], role="supervisor"))
    page = client.get("/staff/").get_data(as_text=True)
    assert f"/staff/markets/{province['zz1']}" in page
    assert f"/staff/markets/{province['ly1']}" not in page


def test_worker_pages_follow_the_subtree(client, province, make_staff, make_worker, login):
    public_id, _ = make_worker(province["ly1"])
    login(make_staff(province["zz1"]))
    assert client.get(f"/staff/workers/{public_id}").status_code == 404


def test_supervisor_cannot_reveal_identities(client, province, make_staff, make_worker, login):
    public_id, _ = make_worker(province["zz1"])
    login(make_staff(province["zz"], role="supervisor"))
    page = client.get(f"/staff/workers/{public_id}")
    assert page.status_code == 200
    from tests.conftest import csrf_token_from

    token = csrf_token_from(page.get_data(as_text=True))
    response = client.post(
        f"/staff/workers/{public_id}/reveal", data={"reason": "核对", "csrf_token": token}
    )
    assert response.status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in(client, province):
    response = client.get(f"/staff/markets/{province['zz1']}")
    assert response.status_code == 302
    assert "/staff/login" in response.headers["Location"]
