"""Staff sign-in with server-side sessions (security.md requirement 1 and the replay trap)."""

from datetime import timedelta

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import StaffSession, StaffUser
from webapp.models.base import utcnow


def test_sign_in_opens_a_server_side_session(app, client, make_market, make_staff, login):
    username = make_staff(make_market())
    response = login(username)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/staff/")
    assert client.get("/staff/").status_code == 200
    with app.app_context():
        sessions = db.session.scalars(select(StaffSession)).all()
        assert len(sessions) == 1
        assert sessions[0].revoked_at is None


def test_wrong_password_is_refused_and_counted(app, client, make_market, make_staff, login):
    username = make_staff(make_market())
    response = login(username, password="wrong password!")
    assert response.status_code == 401
    assert client.get("/staff/").status_code == 302
    with app.app_context():
        staff = db.session.scalar(select(StaffUser).where(StaffUser.username == username))
        assert staff.failed_logins == 1


def test_replayed_cookie_after_logout_is_dead(app, make_market, make_staff, login):
    username = make_staff(make_market())
    client = app.test_client()
    login(username, c=client)
    stolen = client.get_cookie("gm_session").value
    from tests.conftest import csrf_token_from

    token = csrf_token_from(client.get("/staff/").get_data(as_text=True))
    client.post("/staff/logout", data={"csrf_token": token})
    attacker = app.test_client()
    attacker.set_cookie("gm_session", stolen)
    assert attacker.get("/staff/").status_code == 302


def test_disabling_an_account_ends_its_sessions(
    app, client, runner, make_market, make_staff, login
):
    username = make_staff(make_market())
    login(username)
    assert client.get("/staff/").status_code == 200
    result = runner.invoke(args=["staff", "disable", username])
    assert result.exit_code == 0, result.output
    assert client.get("/staff/").status_code == 302


def test_idle_session_expires(app, client, make_market, make_staff, login):
    username = make_staff(make_market())
    login(username)
    with app.app_context():
        row = db.session.scalars(select(StaffSession)).one()
        row.last_seen_at = utcnow() - app.config["STAFF_IDLE_TIMEOUT"] - timedelta(minutes=1)
        db.session.commit()
    assert client.get("/staff/").status_code == 302
    with app.app_context():
        assert db.session.scalars(select(StaffSession)).one().revoked_at is not None


def test_login_is_rate_limited(client, make_market, make_staff, login):
    username = make_staff(make_market())
    codes = [login(username, password="wrong password!").status_code for _ in range(11)]
    assert codes[:10] == [401] * 10
    assert codes[10] == 429


def test_next_page_is_followed_only_within_staff(client, make_market, make_staff, login):
    market_id = make_market()
    username = make_staff(market_id)
    client.get(f"/staff/markets/{market_id}")
    response = login(username)
    assert response.headers["Location"].endswith(f"/staff/markets/{market_id}")
