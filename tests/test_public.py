"""Public pages: station home page, health check, OpenAPI, languages."""

from webapp.extensions import db
from webapp.models import Market


def test_home_page_lists_station_services_hours_hotline_and_complaints(app, client, make_market):
    market_id = make_market(
        name="金水区经三路街道零工服务站",
        address="郑州市金水区经三路 1 号",
        opening_hours="每天 6:30-18:00",
        hotline="0371-60000000",
    )
    page = client.get("/").get_data(as_text=True)
    assert "金水区经三路街道零工服务站" in page
    assert "每天 6:30-18:00" in page
    assert "0371-60000000" in page
    assert "投诉" in page  # how to complain, in Chinese by default
    assert client.get(f"/markets/{market_id}").status_code == 200


def test_user_text_is_escaped(app, client, make_market):
    make_market(name="<script>alert(1)</script>站")
    page = client.get("/").get_data(as_text=True)
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;" in page


def test_english_on_request(client):
    page = client.get("/?lang=en").get_data(as_text=True)
    assert "How to complain" in page
    assert client.get("/").get_data(as_text=True).count("How to complain") == 1  # sticky


def test_chinese_by_default(client):
    page = client.get("/", headers={"Accept-Language": "zh-CN,zh;q=0.9"}).get_data(as_text=True)
    assert "投诉" in page
    assert "How to complain" not in page


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_openapi_document_describes_the_market_endpoints(client, make_market):
    doc = client.get("/api/v1/openapi.json").json
    assert doc["openapi"].startswith("3.")
    assert "/markets" in doc["paths"]
    assert "/markets/{market_id}" in doc["paths"]
    market_id = make_market(name="测试站")
    items = client.get("/api/v1/markets").json["items"]
    required = doc["components"]["schemas"]["Market"]["required"]
    assert all(key in items[0] for key in required)
    assert client.get(f"/api/v1/markets/{market_id}").json["name"] == "测试站"


def test_inactive_markets_are_hidden(app, client, make_market):
    market_id = make_market(name="已关闭站")
    with app.app_context():
        db.session.get(Market, market_id).is_active = False
        db.session.commit()
    assert client.get(f"/markets/{market_id}").status_code == 404
    assert "已关闭站" not in client.get("/").get_data(as_text=True)
