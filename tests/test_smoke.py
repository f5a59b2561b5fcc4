"""The product's front doors answer."""

import pytest


@pytest.mark.parametrize(
    "path", ["/", "/staff/login", "/healthz", "/api/v1/openapi.json", "/kiosk/", "/m/"]
)
def test_front_doors_answer_200(client, path):
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
