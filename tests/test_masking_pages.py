"""Identities are masked in pages and logs; full views are audited (requirements 7, 19)."""

import io
import logging
import re

from sqlalchemy import select

from tests.conftest import csrf_token_from
from webapp.extensions import db
from webapp.models import AuditEvent

ID_RE = re.compile(r"(?<![\dA-Za-z_-])\d{17}[\dXx](?![\dA-Za-z_-])")
PHONE_RE = re.compile(r"(?<![\dA-Za-z_-])1[3-9]\d{9}(?![\dA-Za-z_-])")  # not inside tokens


def test_worker_page_masks_id_and_phone(client, make_market, make_staff, make_worker, login):
    market = make_market()
    public_id, number = make_worker(market, phone="+8613812345678")
    login(make_staff(market))
    page = client.get(f"/staff/workers/{public_id}").get_data(as_text=True)
    assert number not in page
    assert not ID_RE.search(page)
    assert not PHONE_RE.search(page)
    assert f"{number[:3]}***********{number[-4:]}" in page
    assert "138****5678" in page


def test_full_identity_needs_a_reason_and_is_audited(
    app, client, make_market, make_staff, make_worker, login
):
    market = make_market()
    public_id, number = make_worker(market)
    login(make_staff(market))
    token = csrf_token_from(client.get(f"/staff/workers/{public_id}").get_data(as_text=True))
    refused = client.post(f"/staff/workers/{public_id}/reveal", data={"csrf_token": token})
    assert refused.status_code == 302
    shown = client.post(
        f"/staff/workers/{public_id}/reveal", data={"csrf_token": token, "reason": "工资纠纷核实"}
    )
    assert number in shown.get_data(as_text=True)
    with app.app_context():
        events = db.session.scalars(select(AuditEvent)).all()
        assert [e.action for e in events] == ["view_identity"]
        assert events[0].detail["reason"] == "工资纠纷核实"
        assert number not in str(events[0].detail)


def test_log_lines_are_masked(app):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        from webapp.identity import install_masking_filter

        install_masking_filter(root)
        logging.getLogger("webapp.anything").warning(
            "worker %s phone %s", "41010519750314001X", "+8613812345678"
        )
        try:
            raise ValueError("bad id 41010519750314001X")
        except ValueError:
            logging.getLogger("webapp.other").exception("failed")
    finally:
        root.removeHandler(handler)
    output = stream.getvalue()
    assert "41010519750314001X" not in output
    assert "13812345678" not in output
    assert "410***********001X" in output
    assert "138****5678" in output


def test_app_logger_masks_through_the_factory(app, capsys):
    app.logger.error("lookup failed for 41010519750314001X / 13912345678")
    err = capsys.readouterr().err
    assert "41010519750314001X" not in err
    assert "13912345678" not in err
    assert "410***********001X" in err
