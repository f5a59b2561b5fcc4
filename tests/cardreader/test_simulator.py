"""The simulated reader's endpoints: hidden unless configured, then exactly the vendor JSON."""

from __future__ import annotations

import pytest
from flask import url_for

from kiosk.cardreader import CardReadError, fixtures, parse_bridge_payload
from kiosk.simulator import sim_bp

VENDOR_KEYS = set(fixtures.no_card_payload())


def _mount(app, reader: str, **config):
    """Configure the reader kind and mount the simulator if the app does not yet."""
    app.config["KIOSK_CARD_READER"] = reader
    app.config["KIOSK_SIM_SLOW_SECONDS"] = 0.01
    app.config.update(config)
    if "kiosk_sim" not in app.blueprints:
        app.register_blueprint(sim_bp, url_prefix="/kiosk/simulator")
    with app.test_request_context():
        return url_for("kiosk_sim.readcard"), url_for("kiosk_sim.cards")


@pytest.fixture
def sim(app):
    """(client, readcard URL, cards URL) with the simulated reader on."""
    readcard, cards = _mount(app, "simulated")
    return app.test_client(), readcard, cards


@pytest.mark.parametrize("query", ["", "?card=none", "?card=adult_a", "?card=nobody"])
def test_everything_404s_with_the_real_bridge(app, query):
    readcard, cards = _mount(app, "bridge")
    client = app.test_client()
    assert client.get(readcard + query).status_code == 404
    assert client.get(cards).status_code == 404


def test_no_card(sim):
    client, readcard, _ = sim
    for url in (readcard, readcard + "?card=none", readcard + "?card="):
        response = client.get(url)
        assert response.status_code == 200
        assert response.get_json() == fixtures.no_card_payload()
        assert response.headers["Cache-Control"] == "no-store"


def test_unknown_card_404s(sim):
    client, readcard, _ = sim
    assert client.get(readcard + "?card=nobody").status_code == 404


def test_every_fixture_is_served_as_vendor_json(sim):
    client, readcard, cards = sim
    listed = client.get(cards).get_json()["cards"]
    assert [item["key"] for item in listed] == list(fixtures.load_specs())
    for item in listed:
        assert item["label"]
        assert item["description"]
        response = client.get(f"{readcard}?card={item['key']}")
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-store"
        payload = response.get_json()
        assert set(payload) == VENDOR_KEYS
        failure = {"read_error": "read_failed", "no_card": "no_card"}.get(item["key"])
        if failure:
            with pytest.raises(CardReadError) as info:
                parse_bridge_payload(payload)
            assert info.value.code == failure
        else:
            card = parse_bridge_payload(payload)
            assert card.name == fixtures.load_specs()[item["key"]]["name"]


def test_panel_text(sim):
    client, _, cards = sim
    data = client.get(cards).get_json()
    assert set(data["text"]) == {"lift", "placed", "nothing"}
    assert all(data["text"].values())


def test_photos_follow_the_configured_folder(app):
    readcard, cards = _mount(app, "simulated", KIOSK_SIM_PHOTO_DIR="")
    client = app.test_client()
    assert client.get(readcard + "?card=adult_a").get_json()["identityPic"] == ""
    noted = {item["key"] for item in client.get(cards).get_json()["cards"] if "note" in item}
    assert noted == {"adult_a", "adult_a_other_photo", "adult_b", "impostor"}
    generated = client.get(readcard + "?card=no_face_photo").get_json()
    assert parse_bridge_payload(generated).photo is not None


@pytest.mark.skipif(fixtures.default_photo_dir() is None, reason="../shared/faces is absent")
def test_photos_from_the_shared_folder(app):
    readcard, cards = _mount(
        app, "simulated", KIOSK_SIM_PHOTO_DIR=str(fixtures.default_photo_dir())
    )
    client = app.test_client()
    card = parse_bridge_payload(client.get(readcard + "?card=adult_a").get_json())
    assert card.photo is not None
    assert not [item for item in client.get(cards).get_json()["cards"] if "note" in item]


def test_slow_card_answers_after_the_delay(app):
    import time

    readcard, _ = _mount(app, "simulated", KIOSK_SIM_SLOW_SECONDS=0.3)
    client = app.test_client()
    started = time.monotonic()
    response = client.get(readcard + "?card=slow")
    assert time.monotonic() - started >= 0.3
    assert parse_bridge_payload(response.get_json()).name == "周建伟"
