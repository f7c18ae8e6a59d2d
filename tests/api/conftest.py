"""The API's tests run in the per-flow scenarios' project S1 (tests/flows/conftest.py): every flow published,
a user per role, twelve units, the pricing rules; plus a second project S2 with its own consultant."""
import pytest
from rest_framework.test import APIClient

from api.models import ApiToken
from kernel.models import Project
from tests.flows.conftest import customers, world  # noqa: F401  (fixtures)
from tests.kernel.conftest import make_units, make_user


@pytest.fixture
def other(db):
    """Project S2 with a consultant and a manager of its own and four units."""
    p2 = Project.objects.create(code="S2", name="Second", settings={})
    return p2, {"sales_consultant": make_user("s2_consultant", p2, "sales_consultant"),
                "sales_manager": make_user("s2_manager", p2, "sales_manager")}, make_units(p2, 4)


def client_for(user, *, scope: str = "write", projects=(), language: str = "en") -> APIClient:
    """An API client with a fresh Bearer token of the user's."""
    _token, secret = ApiToken.issue(user, "test", scope=scope, projects=projects)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_ACCEPT_LANGUAGE=language)
    return client
