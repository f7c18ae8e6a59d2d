"""Changes to a customer's key fields keep who, when, the old and the new value."""
from datetime import timedelta

from kernel import customers
from kernel.history import customer_changes
from kernel.visibility import PhoneVisibility

from .conftest import NOW, make_user


def test_every_change_to_a_key_field_is_kept_with_who_and_when(project):
    # given
    wang = make_user("wang", project, "sales_consultant")
    manager = make_user("boss", project, "sales_manager")
    zhang = customers.register(project_id=project.pk, consultant_id=wang.pk, name="张伟", phone="13812341234",
                               now=NOW).customer

    # when
    customers.update(zhang.pk, by_user_id=wang.pk, name="张 伟", now=NOW + timedelta(hours=1))
    customers.update(zhang.pk, by_user_id=manager.pk, extra={"id_type": "resident_id", "id_number": "110101199001011237"},
                     now=NOW + timedelta(hours=2))

    # then
    changes = customer_changes(zhang, PhoneVisibility.for_user(manager))
    assert [(c.field, c.old, c.new, c.user_id, c.at) for c in changes] == [
        ("name", "张伟", "张 伟", wang.pk, NOW + timedelta(hours=1)),
        ("extra", {}, {"id_type": "resident_id", "id_number": "110101199001011237"}, manager.pk,
         NOW + timedelta(hours=2)),
    ]
    first = zhang.history.earliest("history_id")
    assert (first.history_type, first.history_user_id, first.history_date) == ("+", wang.pk, NOW)


def test_saving_without_a_change_records_no_field_change(project):
    wang = make_user("wang", project, "sales_consultant")
    zhang = customers.register(project_id=project.pk, consultant_id=wang.pk, name="张伟", phone="13812341234",
                               now=NOW).customer

    customers.update(zhang.pk, by_user_id=wang.pk, name="张伟", now=NOW)

    assert customer_changes(zhang, PhoneVisibility.for_user(wang)) == []
