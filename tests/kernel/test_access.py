"""Role lookups: the one copy the kernel, the engine and the web ask."""
from django.contrib.auth.models import AnonymousUser

from accounts.models import Membership
from kernel.access import MANAGER_ROLES, memberships_of, roles_in
from kernel.models import Project

from .conftest import make_user


def test_a_users_roles_in_a_project_and_across_projects(project, django_assert_num_queries):
    other = Project.objects.create(code="K2", name="Other garden")
    li = make_user("li", project, "sales_manager", "finance")
    Membership.objects.create(user=li, project=other, role="sales_consultant")

    with django_assert_num_queries(1):
        assert roles_in(li.pk, project.pk) == {"sales_manager", "finance"}
    with django_assert_num_queries(1):
        assert memberships_of(li.pk) == {project.pk: {"sales_manager", "finance"}, other.pk: {"sales_consultant"}}


def test_no_user_holds_no_roles(project, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert roles_in(None, project.pk) == frozenset()
        assert roles_in(AnonymousUser().pk, project.pk) == frozenset()
        assert memberships_of(None) == {}


def test_the_managers_are_the_sales_manager_the_director_and_the_project_admin():
    assert MANAGER_ROLES == frozenset({"sales_manager", "project_director", "project_admin"})
