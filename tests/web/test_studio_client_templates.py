"""The studio lists a project's client templates with the shipped ones, without a query per template."""
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Membership
from engine import client_templates, versions

TEMPLATES = Path(__file__).parents[1] / "engine" / "client_bundle" / "templates"


def install(project, name: str) -> None:
    text = (TEMPLATES / "flows" / "complaint.yaml").read_text(encoding="utf-8")
    files = client_templates.TemplateFiles(
        name, text.replace("name: complaint", f"name: {name}").replace("en: Service complaint", f"en: {name}"),
        {"complaint.json": (TEMPLATES / "schemas" / "complaint.json").read_text(encoding="utf-8")})
    client_templates.install(files, projects=[project], source="ACME 2026-12-02")


@pytest.fixture
def admin(client, people):
    Membership.objects.create(user=people["manager"], project=people["p1"], role="project_admin")
    client.force_login(people["manager"])
    client.cookies["django_language"] = "en"
    return client


def queries(admin) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert admin.get("/studio/P1/").status_code == 200
    return len(captured)


def test_the_studio_lists_client_templates_without_a_query_per_template(admin, people):
    install(people["p1"], "complaint")
    versions.publish(people["p1"], "complaint")
    one = queries(admin)
    for name in ("callback", "renovation", "parking", "noise"):
        install(people["p1"], name)
    versions.publish(people["p1"], "noise")

    page = admin.get("/studio/P1/").content.decode()

    assert queries(admin) == one
    for name in ("callback", "renovation", "parking", "noise", "complaint"):
        assert f'data-origin="{name}">Client template, loaded from ACME 2026-12-02 on' in page
    assert 'data-origin="subscription">Shipped with the product' in page


def test_a_client_template_of_another_project_is_not_in_its_studio(admin, people):
    install(people["p2"], "complaint")

    assert "complaint" not in admin.get("/studio/P1/").content.decode()
    assert admin.get("/studio/P1/complaint/").status_code == 404
