"""Customer protection is a rule of every action on a record, not only of its start (issue 14).

A customer protected for a consultant may be acted on (start, any step including cancel
and convert, claim or complete a task, send back) only by that consultant, the
project's managers and holders of a role the project does not bind (finance by
default). Timers are never refused; once the protection ran out, anyone may act.
Runs the shipped flows (reservation, queue numbers) in the scenario project S1.
"""
from datetime import timedelta

import pytest
from django.utils import timezone

from engine.models import Record, Task
from engine.runtime import moves, records, tasks, transitions
from engine.runtime.errors import CustomerProtected
from kernel import customers as kernel_customers
from kernel.models import CustomerRegistration
from tests.flows.conftest import world  # noqa: F401 (the fixture)
from tests.flows.steps import fire, refused, run_timers, sale, state
from tests.kernel.conftest import make_user


@pytest.fixture
def setting(world):  # noqa: F811
    p, u, units = world
    u["colleague"] = make_user("colleague", p, "sales_consultant")
    u["consultant_clerk"] = make_user("consultant_clerk", p, "sales_consultant", "contract_clerk")
    registration = kernel_customers.register(project_id=p.pk, consultant_id=u["sales_consultant"].pk,
                                             name="张三", phone="13812340001")
    return p, u, units, registration.customer


def held(p, u, unit, customer):
    rsv = records.start_record(u["sales_consultant"], p, "reservation", {"unit_id": unit.pk, "customer_id": customer.pk})
    return fire(u["sales_consultant"], rsv, "hold", {"unit_id": unit.pk, "deposit": "5000.00"}, to="held")


def _until(customer, lang: str = "en") -> str:
    """2027-01-01 14:36 (Asia/Shanghai) / 2027年1月1日 14:36（北京时间）: the end, in the project's zone, named."""
    registration = CustomerRegistration.objects.select_related("project").get(customer=customer)
    local = registration.protected_until.astimezone(registration.project.zone)
    if lang == "zh":
        return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}（北京时间）"
    return f"{local:%Y-%m-%d %H:%M} (Asia/Shanghai)"


def test_a_colleague_cannot_start_a_deal_for_the_customer_and_is_told_in_words(setting):
    p, u, units, customer = setting

    with pytest.raises(CustomerProtected) as caught:
        records.start_record(u["colleague"], p, "reservation", {"unit_id": units[0].pk, "customer_id": customer.pk})

    assert caught.value.message("zh") == (
        f"客户 张三 在 S1 由 Sales_Consultant 保护至 {_until(customer, 'zh')}，请联系Sales_Consultant或销售经理")
    assert caught.value.message("en") == (f"customer 张三 is protected for Sales_Consultant in S1 until "
                                          f"{_until(customer)}: ask Sales_Consultant or a sales manager")
    assert Record.objects.count() == 0


def test_a_colleague_can_neither_cancel_nor_convert_the_reservation(setting):
    p, u, units, customer = setting
    rsv = held(p, u, units[0], customer)

    refused(CustomerProtected, u["colleague"], rsv, "cancel", {"reason": "客户不要了"})
    refused(CustomerProtected, u["colleague"], rsv, "convert")
    error = refused(CustomerProtected, u["colleague"], rsv, "convert")

    assert "张三" in error.message("zh") and "#" not in error.message("zh")
    assert state(rsv) == "held" and sale(units[0]) == ("reserved", rsv.reference)
    with pytest.raises(CustomerProtected):
        moves.cancel(u["colleague"], rsv.pk, "客户不要了", {"reason": "客户不要了"})
    # the owner converts
    fire(u["sales_consultant"], rsv, "convert", to="converted")


def test_a_colleague_cannot_claim_or_complete_the_customers_task(setting):
    p, u, units, customer = setting
    rsv = held(p, u, units[0], customer)
    task = Task.objects.get(record_id=rsv.pk, status="open", name="follow_up_reservation")

    with pytest.raises(CustomerProtected):
        tasks.claim(u["colleague"], task.pk)
    with pytest.raises(CustomerProtected):
        tasks.complete(u["colleague"], task.pk)

    task.refresh_from_db()
    assert (task.assignee_id, task.status) == (None, "open")
    assert tasks.claim(u["sales_consultant"], task.pk).assignee_id == u["sales_consultant"].pk


def test_a_colleague_cannot_send_the_record_back(setting):
    p, u, units, customer = setting
    q = records.start_record(u["sales_consultant"], p, "queue_number", {"customer_id": customer.pk, "batch": "A"})
    q = fire(u["sales_consultant"], q, "submit_deposit", {"batch": "A", "deposit": "20000.00",
                                                          "payment_method": "cash"}, to="awaiting_confirmation")
    # finance holds no bound role: confirming the receipt is not taking the customer
    q = fire(u["finance"], q, "confirm_deposit", to="queued")

    with pytest.raises(CustomerProtected):
        moves.send_back(u["colleague"], q.pk, "awaiting_confirmation", "再核对一次")
    assert state(q) == "queued"


def test_a_manager_and_a_consultant_with_an_unbound_role_may_act(setting):
    p, u, units, customer = setting
    first, second = held(p, u, units[0], customer), held(p, u, units[1], customer)

    fire(u["sales_manager"], first, "cancel", {"reason": "经理取消"}, to="refund_pending")
    # a consultant who is also the project's contract clerk acts as the clerk
    fire(u["consultant_clerk"], second, "cancel", {"reason": "签约专员取消"}, to="refund_pending")
    assert sale(units[0]) == sale(units[1]) == ("available", None)


def test_a_timer_is_never_refused(setting):
    p, u, units, customer = setting
    rsv = held(p, u, units[0], customer)

    assert run_timers(timedelta(hours=73)) >= 1

    assert state(rsv) == "refund_pending" and sale(units[0]) == ("available", None)


def test_once_the_protection_ran_out_a_colleague_may_act(setting):
    p, u, units, customer = setting
    rsv = held(p, u, units[0], customer)
    past = timezone.now() - timedelta(minutes=1)
    CustomerRegistration.objects.filter(customer=customer).update(registered_at=past - timedelta(days=30),
                                                                 protected_until=past)

    fire(u["colleague"], rsv, "cancel", {"reason": "保护期已过"}, to="refund_pending")
    records.start_record(u["colleague"], p, "reservation", {"unit_id": units[1].pk, "customer_id": customer.pk})


def test_a_released_protection_no_longer_binds(setting):
    p, u, units, customer = setting
    rsv = held(p, u, units[0], customer)
    CustomerRegistration.objects.filter(customer=customer).update(released_at=timezone.now())

    fire(u["colleague"], rsv, "convert", to="converted")


def test_a_step_whose_form_names_a_protected_customer_is_refused(setting):
    p, u, units, customer = setting
    other = kernel_customers.register(project_id=p.pk, consultant_id=u["colleague"].pk, name="李四",
                                      phone="13812340002").customer
    mine = records.start_record(u["colleague"], p, "queue_number", {"customer_id": other.pk, "batch": "A"})

    with pytest.raises(CustomerProtected):
        transitions.fire(u["colleague"], mine.pk, "submit_deposit",
                         {"batch": "A", "deposit": "20000.00", "payment_method": "cash", "customer_id": customer.pk})
    assert Record.objects.get(pk=mine.pk).data["customer_id"] == other.pk


def test_a_step_refused_after_its_form_was_submitted_is_also_the_forms_error(setting):
    from engine.runtime import InvalidForm
    p, u, units, customer = setting
    rsv = held(p, u, units[0], customer)

    error = refused(CustomerProtected, u["colleague"], rsv, "cancel", {"reason": "客户不要了"})

    assert isinstance(error, InvalidForm)  # a page shows the form again, as typed, with the refusal on it
    assert error.field_errors("zh") == {"__all__": [error.message("zh")]}
    assert error.field_errors("en") == {"__all__": [error.message("en")]}
    assert error.message("zh").endswith(f"保护至 {_until(customer, 'zh')}，请联系Sales_Consultant或销售经理")
