"""The admin pages follow the masking rule, and list every kernel model without a query per row."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Membership, User
from kernel import customers, payments, queue, units
from kernel.models import QueueBatch

from .conftest import NOW, make_ctx, make_units


def admin_client(client, project, *roles):
    user = User.objects.create_superuser("root", password="x")
    for role in roles:
        Membership.objects.create(user=user, project=project, role=role)
    client.force_login(user)
    return client


def test_the_customer_list_and_page_show_a_masked_phone_to_an_admin_without_a_role(client, project, zhang):
    c = admin_client(client, project)

    listing = c.get(reverse("admin:kernel_customer_changelist")).content.decode()
    page = c.get(reverse("admin:kernel_customer_change", args=[zhang.pk])).content.decode()

    assert "138****1234" in listing and "13812341234" not in listing
    assert "138****1234" in page and "13812341234" not in page


def test_a_sales_manager_sees_and_edits_the_full_phone(client, project, zhang):
    c = admin_client(client, project, "sales_manager")

    listing = c.get(reverse("admin:kernel_customer_changelist")).content.decode()
    page = c.get(reverse("admin:kernel_customer_change", args=[zhang.pk])).content.decode()

    assert "+8613812341234" in listing
    assert 'name="phone" value="+8613812341234"' in page


def test_searching_customers_by_phone_needs_the_whole_number(client, project, zhang):
    c = admin_client(client, project)
    url = reverse("admin:kernel_customer_changelist")

    whole = c.get(url, {"q": "138 1234 1234"}).content.decode()
    partial = c.get(url, {"q": "1381234"}).content.decode()

    assert "张伟" in whole
    assert "张伟" not in partial


def test_saving_a_customer_in_the_admin_normalises_the_phone(client, project, zhang):
    c = admin_client(client, project, "sales_manager")

    response = c.post(reverse("admin:kernel_customer_change", args=[zhang.pk]),
                      {"name": "张伟", "phone": "139 0000 1111", "extra": "{}"})

    zhang.refresh_from_db()
    assert response.status_code == 302
    assert zhang.phone == "+8613900001111"
    assert zhang.history.latest("history_id").history_user.username == "root"


def test_an_invalid_phone_in_the_admin_is_refused_in_the_viewers_language(client, project, zhang):
    c = admin_client(client, project, "sales_manager")

    response = c.post(reverse("admin:kernel_customer_change", args=[zhang.pk]),
                      {"name": "张伟", "phone": "12345", "extra": "{}"}, HTTP_ACCEPT_LANGUAGE="zh-hans")

    zhang.refresh_from_db()
    assert response.status_code == 200
    assert "电话：12345 不是有效的电话号码" in response.content.decode()
    assert zhang.phone == "+8613812341234"


def test_a_queue_batch_keeps_its_project_and_code_once_created(client, project):
    # given: batch A has issued A-0001
    queue.issue(make_ctx(project, flow="queue"), "A")
    batch = QueueBatch.objects.get()
    c = admin_client(client, project)

    # when: an admin tries to rename it, and to close it
    response = c.post(reverse("admin:kernel_queuebatch_change", args=[batch.pk]),
                      {"project": project.pk, "code": "B", "title": "批次 A", "is_open": ""})

    # then: the title and the closing stand, the code does not
    batch.refresh_from_db()
    assert response.status_code == 302
    assert (batch.code, batch.title, batch.is_open, batch.last_number) == ("A", "批次 A", False, 1)


def add_deal(project, consultant, n: int) -> None:
    """A unit in a building of its own, held, with a queue number and a deposit; a customer with a registration."""
    unit, = make_units(project, 1, building_code=f"B{n}")
    ctx = make_ctx(project)
    units.hold(ctx, unit.pk)
    queue.issue(ctx, "A")
    payments.record(ctx, "deposit", "100.00")
    customers.register(project_id=project.pk, consultant_id=consultant.pk, name=f"客户{n}",
                       phone=f"1390000{n:04d}", now=NOW)


@pytest.mark.parametrize("model", ["project", "building", "unit", "unithold", "queuebatch", "queuenumber",
                                   "payment", "customer", "customerregistration"])
def test_every_kernel_list_page_renders_without_a_query_per_row(client, project, wang, model):
    # given: a deal of everything
    add_deal(project, wang, 1)
    c = admin_client(client, project)
    url = reverse(f"admin:kernel_{model}_changelist")

    def queries_to_list() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert c.get(url).status_code == 200
        return len(queries)

    one = queries_to_list()

    # when: three more deals
    for n in (2, 3, 4):
        add_deal(project, wang, n)

    # then
    assert queries_to_list() == one
