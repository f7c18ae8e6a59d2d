"""Merging duplicates: everything moves to the survivor in one transaction, nothing is lost, refusals in words."""
from datetime import date, timedelta
from unittest import mock

import pytest

from kernel import customers, merge
from kernel.errors import MergeLiveDeals, MergePointsConflict, MergeSameCustomer, NotPermitted
from kernel.models import (
    ChangeStatus,
    Customer,
    CustomerChangeRequest,
    CustomerMerge,
    CustomerRegistration,
    CustomerRelation,
    FollowUp,
    Project,
    Visit,
)

from .conftest import NOW, make_user


@pytest.fixture
def manager(project):
    return make_user("boss", project, "sales_manager")


@pytest.fixture
def li(project, wang):
    """The same person registered a second time, with another number (the duplicate)."""
    return customers.register(project_id=project.pk, consultant_id=wang.pk, name="张伟", phone="13912345678",
                              extra={"id_type": "passport", "id_number": "E12345678"}, now=NOW).customer


def _visit(project, customer, user, token):
    return Visit.objects.create(project=project, customer=customer, kind="visit", received_by=user, at=NOW,
                                layout="三室", token=token)


def _follow_up(project, customer, user, token):
    return FollowUp.objects.create(project=project, customer=customer, by=user, at=NOW, channel="call",
                                   stage="intention", token=token)


@pytest.fixture
def deals(engine_flows, project, wang):
    """Records of the test discount flow; `make(data)` starts one and sets its data as given."""
    from engine import versions
    from engine.models import Record
    from engine.runtime import records

    versions.publish(project, "discount")

    def make(data, user=wang):
        record = records.start_record(user, project, "discount", {"unit_id": 7, "note": "x"})
        Record.objects.filter(pk=record.pk).update(data=data)
        record.refresh_from_db()
        return record
    return make


def test_merge_moves_everything_and_loses_nothing(project, wang, manager, zhang, li, deals):
    # given: the duplicate has a visit, a follow-up, a relation, a change request, points and deals
    other = customers.register(project_id=project.pk, consultant_id=wang.pk, name="李娜", phone="13700001111",
                               now=NOW).customer
    p2 = Project.objects.create(code="K2", name="Second garden")
    make_user("boss2", p2, "sales_manager")
    from accounts.models import Membership
    Membership.objects.create(user=manager, project=p2, role="sales_manager")
    customers.register(project_id=p2.pk, consultant_id=wang.pk, name="x", phone="13600002222", now=NOW)
    customers.claim(project_id=p2.pk, customer_id=li.pk, consultant_id=wang.pk, now=NOW)
    _visit(project, li, wang, "v1"), _visit(project, li, wang, "v2"), _visit(project, zhang, wang, "v3")
    _follow_up(project, li, wang, "f1")
    CustomerRelation.objects.create(from_customer=other, to_customer=li, kind="referrer")
    CustomerRelation.objects.create(from_customer=li, to_customer=zhang, kind="spouse")  # becomes self: dropped
    CustomerChangeRequest.objects.create(project=project, customer=li, changes={"name": "张伟伟"}, requested_by=wang)
    from plugins.points.models import PointsAccount, PointsEntry, PointsLot
    ours = PointsAccount.objects.create(project=project, customer=zhang, balance=100, points_ever_earned=100)
    theirs = PointsAccount.objects.create(project=project, customer=li, balance=50, points_ever_earned=80)
    PointsLot.objects.create(account=theirs, rule="event", source_key="event:open:1", reference="E-1", points=80,
                             remaining=50, earned_at=NOW)
    PointsEntry.objects.create(account=theirs, kind="earn", points=80, balance_after=80, at=NOW)
    elsewhere = PointsAccount.objects.create(project=p2, customer=li, balance=7, points_ever_earned=7)
    main = deals({"unit_id": 7, "customer_id": li.pk})
    co = deals({"unit_id": 8, "customer_id": other.pk, "buyers": [{"customer_id": other.pk, "share": "0.5"},
                                                                  {"customer_id": li.pk, "share": "0.5"}]})
    untouched = deals({"unit_id": 9, "customer_id": other.pk, "note": str(li.pk)})

    # when
    done = merge.merge_customers(survivor_id=zhang.pk, duplicate_id=li.pk, by_user_id=manager.pk, now=NOW)

    # then
    assert not Customer.objects.filter(pk=li.pk).exists()
    assert sorted(CustomerRegistration.objects.filter(customer=zhang).values_list("project__code", flat=True)) == [
        "K1", "K2"]
    assert Visit.objects.filter(customer=zhang).count() == 3
    assert FollowUp.objects.filter(customer=zhang).count() == 1
    assert list(CustomerRelation.objects.values_list("from_customer_id", "to_customer_id", "kind")) == [
        (other.pk, zhang.pk, "referrer")]
    request = CustomerChangeRequest.objects.get()
    assert (request.customer_id, request.status) == (zhang.pk, ChangeStatus.REJECTED)
    ours.refresh_from_db()
    assert (ours.balance, ours.points_ever_earned) == (150, 180)
    assert PointsLot.objects.get().account_id == ours.pk and PointsEntry.objects.get().account_id == ours.pk
    elsewhere.refresh_from_db()
    assert elsewhere.customer_id == zhang.pk
    main.refresh_from_db(), co.refresh_from_db(), untouched.refresh_from_db()
    assert main.data == {"unit_id": 7, "customer_id": zhang.pk}
    assert co.data["buyers"] == [{"customer_id": other.pk, "share": "0.5"}, {"customer_id": zhang.pk, "share": "0.5"}]
    assert untouched.data == {"unit_id": 9, "customer_id": other.pk, "note": str(li.pk)}
    zhang.refresh_from_db()
    assert zhang.extra == {"id_type": "passport", "id_number": "E12345678"}  # what the survivor lacked
    assert (done.survivor_id, done.merged_id, done.merged_name, done.merged_phone, done.by_id) == (
        zhang.pk, li.pk, "张伟", "+8613912345678", manager.pk)
    assert done.moved == {"registrations": 2, "visits": 2, "follow_ups": 1, "relations": 1, "change_requests": 1,
                          "profile_fields": 2, "records": 2, "points_accounts": 2, "points": 57}


def test_a_project_where_both_are_registered_keeps_the_survivors_registration(project, wang, manager, zhang, li):
    merge.merge_customers(survivor_id=zhang.pk, duplicate_id=li.pk, by_user_id=manager.pk, now=NOW)

    registration = CustomerRegistration.objects.get(project=project)
    assert (registration.customer_id, registration.consultant_id) == (zhang.pk, wang.pk)


def test_an_expired_survivor_registration_gives_way_to_the_duplicates_running_protection(project, wang, manager):
    chen = make_user("chen", project, "sales_consultant")
    old = customers.register(project_id=project.pk, consultant_id=wang.pk, name="张伟", phone="13812341234",
                             now=NOW - timedelta(days=60)).customer
    new = customers.register(project_id=project.pk, consultant_id=chen.pk, name="张伟", phone="13912345678",
                             now=NOW).customer
    CustomerRegistration.objects.filter(customer=new).update(next_follow_up_on=date(2026, 5, 3), stage="visited",
                                                             last_contact_at=NOW)

    merge.merge_customers(survivor_id=old.pk, duplicate_id=new.pk, by_user_id=manager.pk, now=NOW)

    registration = CustomerRegistration.objects.get(project=project)
    assert (registration.customer_id, registration.consultant_id, registration.protected_until) == (
        old.pk, chen.pk, NOW + timedelta(days=30))
    assert (registration.stage, registration.next_follow_up_on) == ("visited", date(2026, 5, 3))


def test_a_consultant_may_not_merge(project, wang, zhang, li):
    with pytest.raises(NotPermitted) as refused:
        merge.merge_customers(survivor_id=zhang.pk, duplicate_id=li.pk, by_user_id=wang.pk, now=NOW)

    assert "合并客户需要在 K1 担任以下角色之一" in refused.value.message_zh
    assert Customer.objects.filter(pk=li.pk).exists()


def test_a_manager_of_only_one_of_the_duplicates_projects_may_not_merge(project, wang, manager, zhang, li):
    p2 = Project.objects.create(code="K2", name="Second garden")
    customers.claim(project_id=p2.pk, customer_id=li.pk, consultant_id=wang.pk, now=NOW)

    with pytest.raises(NotPermitted) as refused:
        merge.merge_customers(survivor_id=zhang.pk, duplicate_id=li.pk, by_user_id=manager.pk, now=NOW)

    assert refused.value.params["project"] == "K2"


def test_a_customer_is_not_merged_into_themselves(manager, zhang):
    with pytest.raises(MergeSameCustomer) as refused:
        merge.merge_customers(survivor_id=zhang.pk, duplicate_id=zhang.pk, by_user_id=manager.pk, now=NOW)

    assert refused.value.message_zh == "不能把客户合并到其本人，请选择另一位（重复的）客户"


def test_live_deals_of_two_consultants_refuse_the_merge_and_change_nothing(project, wang, manager, zhang, li, deals):
    chen = make_user("chen", project, "sales_consultant")
    mine = deals({"unit_id": 7, "customer_id": zhang.pk})
    theirs = deals({"unit_id": 8, "customer_id": li.pk}, user=chen)
    _visit(project, li, wang, "v1")

    with pytest.raises(MergeLiveDeals) as refused:
        merge.merge_customers(survivor_id=zhang.pk, duplicate_id=li.pk, by_user_id=manager.pk, now=NOW)

    assert refused.value.message_en.startswith(
        f"张伟 is in {mine.reference} (Wang) and 张伟 in {theirs.reference} (Chen), deals of different consultants")
    assert "分属不同置业顾问且仍在进行" in refused.value.message_zh
    assert Visit.objects.get().customer_id == li.pk


def test_live_deals_of_one_consultant_do_not_refuse(project, wang, manager, zhang, li, deals):
    deals({"unit_id": 7, "customer_id": zhang.pk}), deals({"unit_id": 8, "customer_id": li.pk})

    merge.merge_customers(survivor_id=zhang.pk, duplicate_id=li.pk, by_user_id=manager.pk, now=NOW)

    assert not Customer.objects.filter(pk=li.pk).exists()


def test_a_closed_deal_of_another_consultant_does_not_refuse(project, wang, manager, zhang, li, deals):
    from engine.models import Record
    chen = make_user("chen", project, "sales_consultant")
    deals({"unit_id": 7, "customer_id": zhang.pk})
    closed = deals({"unit_id": 8, "customer_id": li.pk}, user=chen)
    Record.objects.filter(pk=closed.pk).update(is_closed=True)

    merge.merge_customers(survivor_id=zhang.pk, duplicate_id=li.pk, by_user_id=manager.pk, now=NOW)

    closed.refresh_from_db()
    assert closed.data["customer_id"] == zhang.pk


def test_two_awards_of_one_event_refuse_the_merge(project, manager, zhang, li):
    from plugins.points.models import PointsAccount, PointsLot
    for customer in (zhang, li):
        account = PointsAccount.objects.create(project=project, customer=customer, balance=10, points_ever_earned=10)
        PointsLot.objects.create(account=account, rule="event", source_key="event:open:1", reference="E-1",
                                 points=10, remaining=10, earned_at=NOW)

    with pytest.raises(MergePointsConflict) as refused:
        merge.merge_customers(survivor_id=zhang.pk, duplicate_id=li.pk, by_user_id=manager.pk, now=NOW)

    assert refused.value.message_zh == "张伟 与 张伟 在 K1 因同一事项（event:open:1）都获得了积分：请先冲销其中一笔，再合并"


def test_a_failure_midway_leaves_both_customers_as_they_were(project, wang, manager, zhang, li, deals):
    # given
    _visit(project, li, wang, "v1")
    deal = deals({"unit_id": 7, "customer_id": li.pk})

    # when: the points part fails after the kernel rows and the records have moved
    with mock.patch("plugins.points.merge.move", side_effect=RuntimeError("disk full")):
        with pytest.raises(RuntimeError):
            merge.merge_customers(survivor_id=zhang.pk, duplicate_id=li.pk, by_user_id=manager.pk, now=NOW)

    # then
    assert Customer.objects.filter(pk=li.pk).exists()
    assert Visit.objects.get().customer_id == li.pk
    assert CustomerRegistration.objects.filter(customer=li).count() == 1
    deal.refresh_from_db()
    assert deal.data["customer_id"] == li.pk
    assert not CustomerMerge.objects.exists()


def test_the_preview_counts_what_would_move_and_names_the_refusal(project, wang, manager, zhang, li, deals):
    _visit(project, li, wang, "v1")
    deals({"unit_id": 7, "customer_id": li.pk})

    counts, refusal = merge.preview(survivor_id=zhang.pk, duplicate_id=li.pk, by_user_id=manager.pk, now=NOW)
    assert (counts, refusal) == ({"registrations": 1, "visits": 1, "records": 1}, None)

    counts, refusal = merge.preview(survivor_id=zhang.pk, duplicate_id=li.pk, by_user_id=wang.pk, now=NOW)
    assert isinstance(refusal, NotPermitted)


# The duplicate's phone and id stay the survivor's (issue 14, the tester's walk)

@pytest.fixture
def merged(project, wang, manager, zhang, li):
    """张伟 13912345678 (li) merged into 张伟 13812341234 (zhang)."""
    merge.merge_customers(survivor_id=zhang.pk, duplicate_id=li.pk, by_user_id=manager.pk, now=NOW)
    return zhang, li.pk


def test_registering_the_merged_phone_again_names_the_survivor(project, wang, merged):
    from kernel.errors import DuplicatePhone
    survivor, _old = merged

    with pytest.raises(DuplicatePhone) as caught:
        customers.register(project_id=project.pk, consultant_id=wang.pk, name="张伟", phone="139 1234 5678")

    assert caught.value.params["customer_id"] == survivor.pk and caught.value.params["name"] == survivor.name
    assert Customer.objects.count() == 1
    assert customers.by_phone("+86 139-1234-5678") == survivor and customers.by_phone("13812341234") == survivor
    assert customers.by_phone("13700000000") is None and customers.by_phone("12") is None


def test_another_customer_may_not_take_the_merged_phone(project, wang, merged):
    from kernel.errors import DuplicatePhone
    survivor, _old = merged
    other = customers.register(project_id=project.pk, consultant_id=wang.pk, name="李娜", phone="13700001111",
                               now=NOW).customer

    with pytest.raises(DuplicatePhone) as caught:
        customers.update(other.pk, by_user_id=wang.pk, phone="139 1234 5678")

    assert caught.value.params["name"] == survivor.name
    other.refresh_from_db()
    assert other.phone.endswith("13700001111") and customers.by_phone("13912345678") == survivor
    customers.update(survivor.pk, by_user_id=wang.pk, phone="13912345678")  # the survivor may take it back


def test_the_front_desk_lookup_and_the_search_find_the_survivor_by_the_merged_phone(project, wang, merged):
    from kernel.customer_scope import search
    from kernel.visits import phone_lookup
    from web.views.lookups import PageRefs
    survivor, _old = merged

    found = phone_lookup(project.pk, wang, "13912345678", now=NOW)
    assert found is not None and found["status"] == "here" and found["customer_id"] == survivor.pk
    assert [f.customer_id for f in search(wang, "13912345678", project)] == [survivor.pk]
    assert [o.pk for o in PageRefs(wang, project).customers_matching("139 1234 5678")] == [survivor.pk]


def test_a_visit_with_the_merged_phone_is_the_survivors_returning_visit(project, wang, merged):
    from kernel.visits import register_visit
    survivor, _old = merged

    visit = register_visit(project_id=project.pk, received_by_id=wang.pk, kind="visit", phone="13912345678",
                           name="张伟", token="after-merge", now=NOW + timedelta(days=1))

    assert visit.customer_id == survivor.pk and Customer.objects.count() == 1


def test_the_merged_visits_are_recounted_first_or_returning_in_time_order(project, wang, manager, zhang, li):
    def at(customer, token, days, returning):
        return Visit.objects.create(project=project, customer=customer, kind="visit", received_by=wang,
                                    at=NOW + timedelta(days=days), token=token, returning=returning)
    ours = [at(zhang, "z1", 1, False), at(zhang, "z2", 5, True)]
    theirs = [at(li, "l0", 0, False), at(li, "l1", 3, True)]
    p2 = Project.objects.create(code="K2", name="Second garden")
    elsewhere = Visit.objects.create(project=p2, customer=li, kind="call", received_by=wang, at=NOW, token="p2")

    merge.merge_customers(survivor_id=zhang.pk, duplicate_id=li.pk, by_user_id=manager.pk, now=NOW)

    shown = dict(Visit.objects.filter(customer=zhang).values_list("token", "returning"))
    assert shown == {"l0": False, "z1": True, "l1": True, "z2": True, "p2": False}
    assert len(ours + theirs) + 1 == len(shown) and elsewhere.pk


def test_the_old_link_of_the_merged_customer_leads_to_the_survivor(client, project, wang, merged):
    survivor, old = merged
    client.force_login(wang)

    response = client.get(f"/customers/{old}/")

    assert response.status_code == 302 and response["Location"] == f"/customers/{survivor.pk}/"
    assert client.get("/customers/999999/").status_code == 404


def test_the_duplicates_payment_reminders_move_to_the_survivor(project, wang, manager, zhang, li):
    # given: a reminder for a deal of the duplicate (the relation has no reverse name, so nothing else finds it)
    from decimal import Decimal

    from kernel.models import DunningNotice, ReceivableSchedule

    schedule = ReceivableSchedule.objects.create(project=project, deal_id=77, reference="SUB-000077", record_ids=[77],
                                                 payment_plan="full", deal_price=Decimal("100.00"), scheduled_at=NOW)
    notice = DunningNotice.objects.create(
        project=project, schedule=schedule, kind="deposit", due_on=date(2026, 6, 1), day=date(2026, 6, 2),
        overdue=True, amount=Decimal("100.00"), reference="SUB-000077", deal_id=77, customer=li, consultant=wang,
        created_at=NOW)
    counts, refusal = merge.preview(survivor_id=zhang.pk, duplicate_id=li.pk, by_user_id=manager.pk)
    assert (counts["reminders"], refusal) == (1, None)

    # when
    done = merge.merge_customers(survivor_id=zhang.pk, duplicate_id=li.pk, by_user_id=manager.pk, now=NOW)

    # then: the reminder names the survivor, not nobody
    notice.refresh_from_db()
    assert (notice.customer_id, notice.consultant_id, done.moved["reminders"]) == (zhang.pk, wang.pk, 1)
