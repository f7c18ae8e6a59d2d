"""Plugin rules per project: validated against the plugin's schema on save, problems by path."""
import pytest

from accounts.models import Membership
from extensions.models import RuleSet


@pytest.fixture
def admin(client, people):
    Membership.objects.create(user=people["manager"], project=people["p1"], role="project_admin")
    client.force_login(people["manager"])
    return client


def test_bad_rules_are_refused_with_their_paths_and_nothing_is_saved(admin, people):
    response = admin.post("/studio/P1/rules/commission/", {"config": "payable: {collected_share: high}\n"})

    assert response.status_code == 400
    page = response.content.decode()
    assert "payable.collected_share" in page
    assert RuleSet.objects.count() == 0


def test_good_rules_are_saved_as_a_new_revision(admin, people):
    rules = "payable: {collected_share: \"0.30\"}\n"

    response = admin.post("/studio/P1/rules/commission/", {"config": rules})

    assert response.status_code == 302
    saved = RuleSet.objects.get(project=people["p1"], plugin="commission")
    assert (saved.revision, saved.config) == (1, {"payable": {"collected_share": "0.30"}})
    assert "佣金规则已保存为第 1 版。" in admin.get(response["Location"]).content.decode()


def test_rules_pages_are_for_project_admins(client, people):
    client.force_login(people["director"])

    assert client.get("/studio/P1/rules/commission/").status_code == 404


def test_a_fraction_written_as_a_number_is_refused_with_its_path(admin, people):
    response = admin.post("/studio/P1/rules/commission/", {"config": "payable: {collected_share: 0.30}\n"})

    assert response.status_code == 400
    assert "<li>payable.collected_share: 应为文本，实际为数字</li>" in response.content.decode()
    assert RuleSet.objects.count() == 0
