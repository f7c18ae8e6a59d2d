"""API tokens: the page under the user menu (create, secret once, last used, revoke) and the command."""
from io import StringIO

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from api.models import ApiToken

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_page_creates_a_token_shown_once_and_revokes_it(client, people, language):
    client.cookies["django_language"] = language
    client.force_login(people["consultant"])
    page = client.get("/account/api-tokens/")
    assert page.status_code == 200 and b"/account/api-tokens/" in page.content  # in the user menu too

    made = client.post("/account/api-tokens/", {"action": "create", "name": "bank", "scope": "read",
                                                "projects": [people["p1"].pk]})
    assert made.status_code == 200
    secret = made.context["secret"]
    assert secret.startswith("rep_") and secret.encode() in made.content
    token = ApiToken.objects.get(user=people["consultant"])
    assert list(token.projects.values_list("code", flat=True)) == ["P1"]
    assert secret.encode() not in client.get("/account/api-tokens/").content  # never shown again

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.get("/api/v1/projects/").status_code == 200
    assert b"None" not in client.get("/account/api-tokens/").content

    client.post("/account/api-tokens/", {"action": "revoke", "token": token.pk})
    assert api.get("/api/v1/projects/").status_code == 401


def test_a_user_cannot_revoke_anothers_token(client, people):
    token, _secret = ApiToken.issue(people["manager"], "theirs")
    client.force_login(people["consultant"])
    client.post("/account/api-tokens/", {"action": "revoke", "token": token.pk})
    token.refresh_from_db()
    assert token.revoked_at is None


def test_the_form_refuses_a_token_without_a_name(client, people):
    client.force_login(people["consultant"])
    response = client.post("/account/api-tokens/", {"action": "create", "name": "", "scope": "read"})
    assert response.status_code == 400 and not ApiToken.objects.exists()


def test_the_command_creates_lists_and_revokes(people):
    out = StringIO()
    call_command("api_tokens", "create", "manager", "finance system", "--write", "--project", "P1", stdout=out)
    secret = out.getvalue().split()[0]
    token = ApiToken.objects.get()
    assert token.may_write and secret.startswith(token.hint)
    listing = StringIO()
    call_command("api_tokens", "list", "manager", stdout=listing)
    assert "finance system" in listing.getvalue() and "never" in listing.getvalue()
    call_command("api_tokens", "revoke", "manager", token.hint, stdout=StringIO())
    token.refresh_from_db()
    assert token.revoked_at is not None
