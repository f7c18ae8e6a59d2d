"""Who sees which customers, and finding them: name, whole phone in any spelling, last four, ID number; companies."""
import pytest

from kernel import customer_scope, customers
from kernel.models import Company, Customer, Project

from .conftest import NOW, make_user


@pytest.fixture
def world(project, zhang, wang):
    """K1 and K2 belong to one company (not sharing), K3 to another. 张伟 is Wang's in K1."""
    group = Company.objects.create(code="group", name="集团")
    rival = Company.objects.create(code="rival", name="别家")
    project.company = group
    project.save()
    k2 = Project.objects.create(code="K2", name="Second", company=group)
    k3 = Project.objects.create(code="K3", name="Third", company=rival)
    zhou = make_user("zhou", k2, "sales_consultant")
    qian = make_user("qian", k3, "sales_consultant")
    li = customers.register(project_id=k2.pk, consultant_id=zhou.pk, name="李娜", phone="13900001111",
                            extra={"id_type": "resident_id", "id_number": "11010519491231002X"}, now=NOW).customer
    sun = customers.register(project_id=k3.pk, consultant_id=qian.pk, name="孙丽", phone="13700003333",
                             now=NOW).customer
    Customer.objects.filter(pk=zhang.pk).update(extra={"id_number": "310101199001011234"})
    return {"group": group, "k1": project, "k2": k2, "k3": k3, "wang": wang, "zhou": zhou, "zhang": zhang,
            "li": li, "sun": sun}


def found(user, text, project=None):
    return [(f.name, f.phone, f.elsewhere) for f in customer_scope.search(user, text, project)]


def test_a_consultant_sees_the_customers_of_their_projects_only(world):
    w = world

    assert list(customer_scope.customers_for(w["wang"])) == [w["zhang"]]
    assert list(customer_scope.customers_for(w["zhou"])) == [w["li"]]


@pytest.mark.parametrize("text", ["张", "张伟", "13812341234", "138 1234 1234", "+86-138-1234-1234",
                                  "008613812341234", "1234", "310101199001011234"])
def test_search_finds_by_name_whole_phone_in_any_spelling_last_four_and_id_number(world, text):
    assert found(world["wang"], text) == [("张伟", "+8613812341234", False)]


def test_the_x_of_an_id_number_matches_in_either_case(world):
    w = world

    assert found(w["zhou"], "11010519491231002x") == [("李娜", "+8613900001111", False)]


def test_a_fragment_of_a_phone_other_than_the_last_four_finds_nothing(world):
    assert found(world["wang"], "1381234") == []
    assert found(world["wang"], "234") == []


def test_a_customer_of_another_project_of_the_company_is_found_by_whole_phone_as_registered_elsewhere(world):
    w = world

    assert found(w["wang"], "139 0000 1111") == [("", "139****1111", True)]
    assert found(w["wang"], "李娜") == []
    assert found(w["wang"], "1111") == []
    assert found(w["wang"], "11010519491231002X") == []
    assert w["li"] not in customer_scope.customers_for(w["wang"])


def test_a_customer_of_another_company_is_not_found_at_all(world):
    assert found(world["wang"], "13700003333") == []
    assert found(world["wang"], "孙丽") == []


def test_when_the_company_shares_its_customers_they_are_seen_as_the_projects_own_phone_masked(world):
    # given
    w = world
    w["group"].share_customers = True
    w["group"].save()

    # then: found by name and last four, phone masked (another consultant's customer)
    assert found(w["wang"], "李娜") == [("李娜", "139****1111", False)]
    assert found(w["wang"], "1111") == [("李娜", "139****1111", False)]
    assert set(customer_scope.customers_for(w["wang"])) == {w["zhang"], w["li"]}
    assert found(w["wang"], "孙丽") == []  # the other company still sees nothing


def test_a_manager_sees_full_numbers_a_consultant_masked_ones_for_colleagues_customers(world):
    w = world
    colleague = make_user("colleague", w["k1"], "sales_consultant")
    boss = make_user("boss", w["k1"], "sales_manager")

    assert found(colleague, "张伟") == [("张伟", "138****1234", False)]
    assert found(boss, "张伟") == [("张伟", "+8613812341234", False)]


def test_a_project_scoped_search_needs_membership_and_sees_that_projects_customers(world):
    w = world

    assert found(w["wang"], "张伟", w["k1"]) == [("张伟", "+8613812341234", False)]
    assert found(w["wang"], "张伟", w["k2"]) == []
    assert found(w["zhou"], "13812341234", w["k2"]) == [("", "138****1234", True)]
    assert list(customer_scope.customers_for(w["wang"], w["k2"])) == []


def test_projects_without_a_company_are_each_a_company_of_their_own(project, zhang, wang):
    k9 = Project.objects.create(code="K9", name="Alone")
    other = make_user("other", k9, "sales_consultant")

    assert found(other, "13812341234") == []
