"""The front desk under a rush (PostgreSQL, real parallel connections): one phone is one customer with one
protection, and one form submitted twice at once is one visit."""
import pytest
from django.db import transaction

from kernel.errors import CustomerProtected
from kernel.models import Customer, CustomerRegistration, Visit
from kernel.visits import register_visit

from .conftest import NOW, make_user
from .parallel import needs_postgresql, race


@pytest.mark.django_db(transaction=True)
def test_two_consultants_registering_one_new_phone_at_once_make_one_customer_and_one_protection(project):
    # given
    needs_postgresql()
    consultants = [make_user(f"c{i}", project, "sales_consultant") for i in range(2)]

    def register(worker: int):
        with transaction.atomic():
            return register_visit(project_id=project.pk, received_by_id=consultants[worker].pk, kind="visit",
                                  phone="138 1234 1234", name="张伟", token=f"form-{worker}", now=NOW).pk

    # when
    results = race(2, register)

    # then
    visits = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if isinstance(r, CustomerProtected)]
    assert (len(visits), len(refused)) == (1, 1), results
    winner = Visit.objects.get().received_by_id
    assert Customer.objects.count() == 1
    assert list(CustomerRegistration.objects.values_list("consultant_id", flat=True)) == [winner]
    assert refused[0].params["consultant_id"] == winner
    assert f"请联系{refused[0].params['consultant']}或销售经理" in refused[0].message_zh


@pytest.mark.django_db(transaction=True)
def test_one_form_submitted_twice_at_once_makes_one_visit(project):
    # given: a double click, two requests with the form's one token
    needs_postgresql()
    wang = make_user("wang", project, "sales_consultant")

    def submit(_worker: int):
        with transaction.atomic():
            return register_visit(project_id=project.pk, received_by_id=wang.pk, kind="call",
                                  phone="13812341234", name="张伟", token="one-form", now=NOW).pk

    # when
    results = race(2, submit)

    # then
    assert all(isinstance(r, int) for r in results), results
    assert len(set(results)) == 1
    assert (Visit.objects.count(), Customer.objects.count(), CustomerRegistration.objects.count()) == (1, 1, 1)
