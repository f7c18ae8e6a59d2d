"""Phone masking: who sees 13812341234 and who sees 138****1234 (rule in kernel/visibility.py)."""
import pytest

from accounts.models import User
from kernel import customers
from kernel.access import FULL_PHONE_ROLES
from kernel.history import customer_changes
from kernel.models import Customer, Project
from kernel.visibility import PhoneVisibility, customer_payload, customer_rows, with_registrations

from .conftest import NOW, make_user


def shown_to(user, customer, project_id=None) -> str:
    return PhoneVisibility.for_user(user, project_id).phone_for(customer)


@pytest.mark.parametrize("role", sorted(FULL_PHONE_ROLES))
def test_roles_that_call_or_identify_buyers_see_the_full_number(project, zhang, role):
    viewer = make_user("viewer", project, role)

    assert shown_to(viewer, zhang) == "+8613812341234"


@pytest.mark.parametrize("role", ["sales_consultant", "channel_agent", "finance", "leasing_agent",
                                  "merchant_manager", "implementer", "platform_admin"])
def test_other_roles_see_the_masked_number(project, zhang, role):
    viewer = make_user("viewer", project, role)

    assert shown_to(viewer, zhang) == "138****1234"


def test_the_consultant_a_customer_is_registered_to_sees_the_full_number(project, zhang, wang):

    assert shown_to(wang, zhang) == "+8613812341234"


def test_a_consultant_who_left_the_project_no_longer_sees_the_full_number(project, zhang, wang):
    wang.memberships.all().delete()

    assert shown_to(wang, zhang) == "138****1234"


def test_a_manager_sees_full_numbers_only_of_customers_registered_in_their_projects(project, zhang):
    other = Project.objects.create(code="K2", name="Other")
    manager_elsewhere = make_user("boss", other, "sales_manager")

    assert shown_to(manager_elsewhere, zhang) == "138****1234"


def test_a_page_about_one_project_counts_only_that_project(project, zhang):
    other = Project.objects.create(code="K2", name="Other")
    manager = make_user("boss", project, "sales_manager")

    assert shown_to(manager, zhang, project_id=project.pk) == "+8613812341234"
    assert shown_to(manager, zhang, project_id=other.pk) == "138****1234"


def test_anonymous_viewers_and_superusers_without_a_role_see_the_masked_number(project, zhang):
    from django.contrib.auth.models import AnonymousUser

    root = User.objects.create_superuser("root", password="x")

    assert shown_to(AnonymousUser(), zhang) == "138****1234"
    assert shown_to(root, zhang) == "138****1234"
    assert shown_to(None, zhang) == "138****1234"


def test_the_payload_for_pages_exports_and_apis_masks_the_phone_and_says_so(project, zhang):
    viewer = make_user("agent", project, "channel_agent")

    payload = customer_payload(zhang, PhoneVisibility.for_user(viewer))

    assert payload == {"id": zhang.pk, "name": "张伟", "phone": "138****1234", "phone_masked": True, "extra": {}}


def test_an_export_of_many_customers_costs_two_queries(project, zhang, django_assert_num_queries, wang):
    for i in range(5):
        customers.register(project_id=project.pk, consultant_id=wang.pk, name=f"客户{i}", phone=f"1391234000{i}")
    viewer = PhoneVisibility.for_user(make_user("agent", project, "channel_agent"))

    with django_assert_num_queries(2):
        rows = customer_rows(with_registrations(Customer.objects.order_by("phone")), viewer)

    assert [r["phone"] for r in rows] == ["138****1234"] + [f"139****000{i}" for i in range(5)]


def test_the_history_of_a_phone_change_is_masked_for_those_who_see_masked_numbers(project, zhang, wang):
    # given
    customers.update(zhang.pk, by_user_id=wang.pk, phone="13900001111", now=NOW)
    agent = make_user("agent", project, "channel_agent")

    # when
    for_agent = customer_changes(zhang, PhoneVisibility.for_user(agent))
    for_wang = customer_changes(zhang, PhoneVisibility.for_user(wang))

    # then
    assert [(c.field, c.old, c.new, c.user_id, c.at) for c in for_agent] == [
        ("phone", "138****1234", "139****1111", wang.pk, NOW)]
    assert [(c.old, c.new) for c in for_wang] == [("+8613812341234", "+8613900001111")]
