"""One customer per phone number, across all projects."""
import pytest
from django.db import IntegrityError, transaction

from kernel import customers
from kernel.errors import DuplicatePhone, InvalidCustomerData
from kernel.models import Customer, CustomerRegistration, Project

from .conftest import NOW, make_user


def test_registering_a_customer_normalises_the_phone_and_registers_them_here(project):
    # given
    wang = make_user("wang", project, "sales_consultant")

    # when
    registration = customers.register(project_id=project.pk, consultant_id=wang.pk, name=" 张伟 ",
                                      phone="138 1234 1234", extra={"gender": "male", "source": "walk_in"},
                                      now=NOW)

    # then
    customer = registration.customer
    assert (customer.name, customer.phone, customer.extra) == (
        "张伟", "+8613812341234", {"gender": "male", "source": "walk_in"})
    assert (registration.project_id, registration.consultant_id, registration.registered_at) == (
        project.pk, wang.pk, NOW)


def test_registering_an_existing_phone_points_to_the_existing_customer(project):
    # given
    wang, li = make_user("wang", project, "sales_consultant"), make_user("li", project, "sales_consultant")
    first = customers.register(project_id=project.pk, consultant_id=wang.pk, name="张伟", phone="13812341234")

    # when
    with pytest.raises(DuplicatePhone) as caught:
        customers.register(project_id=project.pk, consultant_id=li.pk, name="张 伟", phone="+86 138-1234-1234")

    # then
    assert caught.value.params["customer_id"] == first.customer_id
    assert caught.value.message_en == (
        f"phone 138****1234 is already registered to customer #{first.customer_id} 张伟: use that customer")
    assert caught.value.message_zh == f"电话 138****1234 已登记为客户 #{first.customer_id} 张伟，请使用该客户"
    assert Customer.objects.count() == 1
    assert CustomerRegistration.objects.count() == 1


def test_the_same_phone_in_another_project_is_still_the_same_customer(project):
    wang = make_user("wang", project, "sales_consultant")
    other = Project.objects.create(code="K2", name="Other")
    customers.register(project_id=project.pk, consultant_id=wang.pk, name="张伟", phone="13812341234")

    with pytest.raises(DuplicatePhone):
        customers.register(project_id=other.pk, consultant_id=wang.pk, name="张伟", phone="13812341234")

    assert Customer.objects.count() == 1


def test_changing_a_phone_to_one_that_exists_is_refused(project):
    wang = make_user("wang", project, "sales_consultant")
    zhang = customers.register(project_id=project.pk, consultant_id=wang.pk, name="张伟", phone="13812341234")
    li = customers.register(project_id=project.pk, consultant_id=wang.pk, name="李娜", phone="13987654321")

    with pytest.raises(DuplicatePhone) as caught:
        customers.update(li.customer_id, by_user_id=wang.pk, phone="138-1234-1234")

    assert caught.value.params["customer_id"] == zhang.customer_id
    assert Customer.objects.get(pk=li.customer_id).phone == "+8613987654321"


def test_the_database_refuses_two_customers_with_one_phone(project):
    Customer.objects.create(name="A", phone="+8613812341234", created_at=NOW)

    with pytest.raises(IntegrityError), transaction.atomic():
        Customer.objects.create(name="B", phone="+8613812341234", created_at=NOW)


def test_extra_fields_are_checked_against_the_customer_schema(project):
    wang = make_user("wang", project, "sales_consultant")

    with pytest.raises(InvalidCustomerData) as caught:
        customers.register(project_id=project.pk, consultant_id=wang.pk, name="张伟", phone="13812341234",
                           extra={"gender": "x", "shoe_size": 42})

    assert caught.value.message_en == (
        "customer data is not valid: (extra): Additional properties are not allowed ('shoe_size' was unexpected); "
        "gender: 'x' is not one of ['female', 'male']")
    assert Customer.objects.count() == 0


@pytest.mark.parametrize(("name", "en", "zh"), [
    ("  ", "name: a name is required", "name（姓名）：必填"),
    ("张" * 101, "name: at most 100 characters", "name（姓名）：最多 100 个字符"),
])
def test_a_missing_or_overlong_name_is_refused_in_both_languages(project, name, en, zh):
    wang = make_user("wang", project, "sales_consultant")

    with pytest.raises(InvalidCustomerData) as caught:
        customers.register(project_id=project.pk, consultant_id=wang.pk, name=name, phone="13812341234")

    assert caught.value.message_en == f"customer data is not valid: {en}"
    assert caught.value.message_zh == f"客户资料不符合要求：{zh}"
    assert Customer.objects.count() == 0
