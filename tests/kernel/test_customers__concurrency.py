"""Dedup and protection hold when consultants act at the same moment (PostgreSQL, real connections)."""
import pytest
from django.db import transaction

from kernel import customers
from kernel.errors import CustomerProtected, DuplicatePhone
from kernel.models import Customer, CustomerRegistration

from .conftest import NOW, make_user
from .parallel import needs_postgresql, race


@pytest.mark.django_db(transaction=True)
def test_ten_consultants_registering_one_phone_at_once_make_one_customer(project):
    # given
    needs_postgresql()
    consultants = [make_user(f"c{i}", project, "sales_consultant") for i in range(10)]

    def register(worker: int):
        with transaction.atomic():
            return customers.register(project_id=project.pk, consultant_id=consultants[worker].pk, name="张伟",
                                      phone="138 1234 1234", now=NOW).consultant_id

    # when
    results = race(10, register)

    # then
    winners = [r for r in results if isinstance(r, int)]
    duplicates = [r for r in results if isinstance(r, DuplicatePhone)]
    customer = Customer.objects.get()
    assert (len(winners), len(duplicates)) == (1, 9)
    assert all(d.params["customer_id"] == customer.pk for d in duplicates)
    assert list(CustomerRegistration.objects.values_list("consultant_id", flat=True)) == winners


@pytest.mark.django_db(transaction=True)
def test_ten_consultants_claiming_one_customer_at_once_leave_one_protected_owner(project):
    # given: a customer known from another project, not yet registered here
    needs_postgresql()
    from kernel.models import Project

    other = Project.objects.create(code="K2", name="Other")
    first = make_user("first", other, "sales_consultant")
    customer = customers.register(project_id=other.pk, consultant_id=first.pk, name="张伟", phone="13812341234",
                                  now=NOW).customer
    consultants = [make_user(f"c{i}", project, "sales_consultant") for i in range(10)]

    def claim(worker: int):
        with transaction.atomic():
            return customers.claim(project_id=project.pk, customer_id=customer.pk,
                                   consultant_id=consultants[worker].pk, now=NOW).consultant_id

    # when
    results = race(10, claim)

    # then
    owners = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if isinstance(r, CustomerProtected)]
    assert (len(owners), len(refused)) == (1, 9)
    assert CustomerRegistration.objects.get(project=project).consultant_id == owners[0]
