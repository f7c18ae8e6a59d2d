"""The OpenAPI document: valid OpenAPI 3, served at /api/schema/, and naming every endpoint of /api/v1/."""
import pytest
import yaml
from django.urls import get_resolver
from openapi_spec_validator import validate

from api import urls as api_urls

pytestmark = pytest.mark.django_db


def test_the_schema_validates_and_lists_every_endpoint(client, people):
    client.force_login(people["consultant"])
    response = client.get("/api/schema/")
    assert response.status_code == 200
    document = yaml.safe_load(response.content)

    validate(document)  # raises on any departure from the OpenAPI 3 specification
    assert document["openapi"].startswith("3.")
    paths = set(document["paths"])
    routed = {"/api/v1/" + str(p.pattern).replace("<int:", "{").replace("<slug:", "{").replace(">", "}")
              for p in api_urls.v1}
    assert routed == paths
    assert "bearerToken" in document["components"]["securitySchemes"]
    assert get_resolver().resolve("/api/v1/tasks/").url_name == "inbox"


def test_the_browsable_documentation_loads_its_assets_from_this_site(client, people):
    client.force_login(people["consultant"])
    page = client.get("/api/docs/")

    assert page.status_code == 200
    text = page.content.decode()
    assert "swagger-ui" in text and "cdn" not in text.lower() and "https://" not in text
