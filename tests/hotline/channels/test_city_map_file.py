"""The city's boundary GeoJSON is a file of its own, not part of each page: the dashboard and the
citizen form link it, the browser keeps it (ETag, Last-Modified) and revalidates it with a 304
that carries no body; an administrator's upload is a new version with a new ETag."""

from __future__ import annotations

import json

from flask.testing import FlaskClient
from sqlalchemy import delete

from hotline.app.extensions import db
from hotline.models import CityMap
from hotline.reporting import street_map
from tests.conftest import login
from tests.hotline.admin.helpers import sign_in
from tests.hotline.admin.test_map_pages import feature, upload

URL = "/map/city.geojson"
# What the boundaries carry and the pages carried before: their geometry.
GEOMETRY = '"coordinates"'


def test_the_file_answers_with_its_version_and_the_browser_keeps_it(
        reference: None, client: FlaskClient) -> None:
    response = client.get(URL)  # public: the citizen form draws it
    assert response.status_code == 200
    assert response.mimetype == "application/geo+json"
    assert response.get_json(force=True) == street_map.current(db.session).geojson
    etag, _weak = response.get_etag()
    assert etag and response.last_modified is not None
    assert response.cache_control.public and response.cache_control.no_cache

    again = client.get(URL, headers={"If-None-Match": f'"{etag}"'})
    assert again.status_code == 304 and again.get_data() == b""
    assert again.get_etag() == (etag, False)
    stale = client.get(URL, headers={"If-None-Match": '"city-map-0"'})
    assert stale.status_code == 200
    since = client.get(URL, headers={"If-Modified-Since": response.headers["Last-Modified"]})
    assert since.status_code == 304


def test_an_upload_changes_the_etag(reference: None, client: FlaskClient) -> None:
    before, _weak = client.get(URL).get_etag()
    sign_in(client, "admin")
    body = json.dumps({"type": "FeatureCollection", "features": [feature("a1")]})
    assert upload(client, body.encode()).status_code == 302
    response = client.get(URL, headers={"If-None-Match": f'"{before}"'})
    assert response.status_code == 200
    assert response.get_etag()[0] != before
    assert [f["properties"]["code"] for f in response.get_json(force=True)["features"]] == ["a1"]


def test_no_map_is_a_404(reference: None, client: FlaskClient) -> None:
    db.session.execute(delete(CityMap))
    db.session.flush()
    assert client.get(URL).status_code == 404
    page = client.get("/submit").get_data(as_text=True)
    assert 'id="pick-map"' not in page and URL not in page


def test_the_pages_link_the_file_instead_of_carrying_it(reference: None,
                                                        client: FlaskClient) -> None:
    form = client.get("/submit").get_data(as_text=True)
    assert f'data-geojson="{URL}"' in form and GEOMETRY not in form
    login(client, "supervisor")
    dashboard = client.get("/supervise").get_data(as_text=True)
    assert f'"geojson_url": "{URL}"' in dashboard and GEOMETRY not in dashboard
