"""The members page: a project admin adds, invites, gives and takes away roles from the catalogue, with history."""
import re

import pytest
from django.contrib.admin.sites import site
from django.core import mail
from django.test import RequestFactory

from accounts.models import Membership, MembershipChange, User
from engine import members, versions


@pytest.fixture
def admin(client, people):
    Membership.objects.create(user=people["manager"], project=people["p1"], role="project_admin")
    client.force_login(people["manager"])
    return client


def roles_of(user, project) -> set[str]:
    return set(Membership.objects.filter(user=user, project=project).values_list("role", flat=True))


def test_an_admin_adds_an_existing_user_by_name_with_roles_and_the_history_says_so(admin, people):
    # given a user of another project, known by name
    people["outsider"].display_name = "王芳"
    people["outsider"].save()

    # when the admin picks her by name and gives two roles
    response = admin.post("/studio/P1/members/", {"action": "add", "user": "王芳",
                                                  "roles": ["finance", "customer_service"]}, follow=True)

    # then she holds them, and the history names who gave what
    assert roles_of(people["outsider"], people["p1"]) == {"finance", "customer_service"}
    page = response.content.decode()
    assert "王芳 (outsider)：已授予" in page
    assert [(c.member.username, c.action, c.role, c.changed_by.username) for c in
            MembershipChange.objects.order_by("pk")] == [("outsider", "given", "finance", "manager"),
                                                         ("outsider", "given", "customer_service", "manager")]
    assert "（北京时间）" in page


def test_a_role_outside_the_catalogue_is_refused_and_nothing_is_given(admin, people):
    response = admin.post("/studio/P1/members/", {"action": "add", "user": "outsider",
                                                  "roles": ["finance", "lgeal"]})

    assert response.status_code == 400
    assert roles_of(people["outsider"], people["p1"]) == set()
    assert not MembershipChange.objects.exists()


def test_the_service_names_the_nearest_role_for_a_typo(people):
    with pytest.raises(members.MemberError) as refused:
        members.give_roles(people["p1"], people["outsider"], ["financ"], by=people["manager"])

    assert refused.value.message("zh") == "标准角色和项目 P1 的流程都没有角色“financ”；是否应为“finance”？"
    assert roles_of(people["outsider"], people["p1"]) == set()


def test_a_flows_own_role_is_in_the_catalogue_once_the_flow_is_published(people):
    assert "engineer" not in {r.name for r in members.role_catalogue(people["p1"])}

    versions.publish(people["p1"], "defect")

    choices = dict(members.role_choices(people["p1"], "zh"))
    assert "engineer" in choices
    members.give_roles(people["p1"], people["outsider"], ["engineer"], by=None)
    assert roles_of(people["outsider"], people["p1"]) == {"engineer"}


def test_an_unknown_name_is_an_error_at_the_user_field(admin, people):
    response = admin.post("/studio/P1/members/", {"action": "add", "user": "nobody", "roles": ["finance"]})

    assert response.status_code == 400
    assert "没有名为 nobody 的用户" in response.content.decode()


def test_removing_a_role_is_recorded_and_the_last_project_admin_stays(admin, people):
    admin.post("/studio/P1/members/", {"action": "remove", "username": "fin", "role": "finance"})
    refused = admin.post("/studio/P1/members/", {"action": "remove", "username": "manager", "role": "project_admin"},
                         follow=True)

    assert roles_of(people["fin"], people["p1"]) == set()
    assert MembershipChange.objects.get().action == "removed"
    assert "project_admin" in roles_of(people["manager"], people["p1"])
    assert "是项目 P1 唯一的项目管理员" in refused.content.decode()


def test_an_invited_user_sets_a_password_through_the_link_once_and_then_logs_in(admin, people, client):
    response = admin.post("/studio/P1/members/", {"action": "invite", "invite-username": "lisi",
                                                  "invite-display_name": "李四", "invite-email": "lisi@example.com",
                                                  "invite-roles": ["contract_clerk"]},
                          follow=True)

    lisi = User.objects.get(username="lisi")
    assert (lisi.is_active, lisi.has_usable_password()) == (False, False)
    assert roles_of(lisi, people["p1"]) == {"contract_clerk"}
    assert [m.to for m in mail.outbox] == [["lisi@example.com"]]
    link = re.search(r"http://testserver(/invitation/[^/]+/[^/\s]+/)", mail.outbox[0].body).group(1)
    assert link in response.content.decode()  # also shown to the admin, to pass on

    client.logout()
    assert client.post(link, {"new_password1": "s3cret-pass", "new_password2": "s3cret-pass"}).status_code == 302
    lisi.refresh_from_db()
    assert lisi.is_active and lisi.check_password("s3cret-pass")
    assert client.get(link).status_code == 404  # spent
    logged_in = client.post("/login/", {"username": "lisi", "password": "s3cret-pass"})
    assert logged_in.status_code == 302 and client.get("/").wsgi_request.user.username == "lisi"


def test_inviting_a_taken_user_name_is_refused(admin, people):
    response = admin.post("/studio/P1/members/", {"action": "invite", "invite-username": "FIN",
                                                  "invite-display_name": "x", "invite-roles": ["finance"]})

    assert response.status_code == 400
    assert "用户名 FIN 已被占用" in response.content.decode()
    assert User.objects.filter(username__iexact="fin").count() == 1


@pytest.mark.parametrize("who", ["director", "outsider"])
def test_only_the_projects_admins_see_or_change_its_members(client, people, who):
    client.force_login(people[who])

    assert client.get("/studio/P1/members/").status_code == 404
    assert client.post("/studio/P1/members/", {"action": "remove", "username": "fin",
                                               "role": "finance"}).status_code == 404
    assert client.get("/lookups/P1/users/?q=fin").status_code == 404
    assert roles_of(people["fin"], people["p1"]) == {"finance"}


def test_an_admin_of_one_project_cannot_touch_another(admin, people):
    # manager administers P1 only
    assert admin.get("/studio/P2/members/").status_code == 404
    assert admin.post("/studio/P2/members/", {"action": "add", "user": "fin", "roles": ["finance"]}).status_code == 404
    assert admin.post("/studio/P2/members/", {"action": "remove", "username": "outsider",
                                              "role": "sales_consultant"}).status_code == 404
    assert roles_of(people["fin"], people["p2"]) == set()
    assert roles_of(people["outsider"], people["p2"]) == {"sales_consultant"}


def test_a_superuser_administers_every_projects_members(client, people):
    boss = User.objects.create_superuser("boss", password="x")
    client.force_login(boss)

    client.post("/studio/P2/members/", {"action": "add", "user": "fin", "roles": ["finance"]})

    assert roles_of(people["fin"], people["p2"]) == {"finance"}


def test_the_lookup_finds_active_users_by_name(admin, people):
    people["fin"].display_name = "财务小王"
    people["fin"].save()

    results = admin.get("/lookups/P1/users/?q=小王").json()["results"]

    assert results == [{"value": "fin", "text": "财务小王 (fin)"}]


def test_the_members_page_reads_in_a_fixed_number_of_queries(admin, people, django_assert_max_num_queries):
    for i in range(15):
        user = User.objects.create_user(f"extra{i}", password="x")
        members.give_roles(people["p1"], user, ["finance", "customer_service"], by=people["manager"])

    with django_assert_max_num_queries(12):
        response = admin.get("/studio/P1/members/")

    assert response.status_code == 200
    assert response.content.decode().count("data-member=") == 6 + 15


def test_the_django_admin_refuses_a_role_outside_the_catalogue(people):
    boss = User.objects.create_superuser("boss", password="x")
    request = RequestFactory().post("/")
    request.user = boss
    form_class = site._registry[Membership].get_form(request)

    typo = form_class({"user": people["fin"].pk, "project": people["p1"].pk, "role": "lgeal"})
    good = form_class({"user": people["fin"].pk, "project": people["p2"].pk, "role": "finance"})

    assert not typo.is_valid() and "role" in typo.errors
    assert good.is_valid(), good.errors


def test_the_django_admin_lists_memberships_by_role_title_and_records_its_changes(client, people):
    boss = User.objects.create_superuser("boss", password="x")
    client.force_login(boss)

    page = client.get("/admin/accounts/membership/").content.decode()
    added = client.post("/admin/accounts/membership/add/", {"user": people["fin"].pk, "project": people["p2"].pk,
                                                            "role": "finance"})

    assert "财务" in page
    assert added.status_code == 302
    assert [(c.member.username, c.action, c.role, c.changed_by.username) for c in MembershipChange.objects.all()] == [
        ("fin", "given", "finance", "boss")]


def test_a_project_admin_cannot_make_anyone_a_platform_admin(admin, people):
    page = admin.get("/studio/P1/members/").content.decode()
    refused = admin.post("/studio/P1/members/", {"action": "add", "user": "fin", "roles": ["platform_admin"]})

    assert 'value="platform_admin"' not in page
    assert refused.status_code == 400
    assert roles_of(people["fin"], people["p1"]) == {"finance"}
    with pytest.raises(members.MemberError):
        members.give_roles(people["p1"], people["fin"], ["platform_admin"], by=people["manager"])
