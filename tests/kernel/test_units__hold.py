"""unit.hold / unit.advance / unit.release: one live deal per unit, passed down a deal's lineage."""
import pytest
from django.db import IntegrityError, transaction

from kernel import units
from kernel.errors import UnitNotChosen, UnitNotFound, UnitNotHeld, UnitStatusRefused, UnitUnavailable
from kernel.models import ReleaseReason, SaleStatus, UnitHold

from .conftest import NOW, make_ctx, make_units


def test_holding_an_available_unit_reserves_it_for_the_deal(project, unit):
    # given
    ctx = make_ctx(project, record_id=7, reference="RSV-000007")

    # when
    held = units.hold(ctx, unit.pk)

    # then
    unit.refresh_from_db()
    assert unit.status == SaleStatus.RESERVED
    assert (held.record_id, held.reference, held.flow, held.held_at, held.released_at) == (
        7, "RSV-000007", "reservation", NOW, None)


def test_holding_with_a_status_puts_the_unit_in_that_status(project, unit):
    units.hold(make_ctx(project, flow="subscription"), str(unit.pk), status="subscribed")

    unit.refresh_from_db()
    assert unit.status == SaleStatus.SUBSCRIBED


def test_a_unit_held_by_one_deal_is_unavailable_to_another(project, unit):
    # given
    units.hold(make_ctx(project, record_id=12, reference="SUB-000012", flow="subscription"), unit.pk)

    # when
    with pytest.raises(UnitUnavailable) as caught:
        units.hold(make_ctx(project, record_id=13), unit.pk)

    # then
    assert caught.value.message_en == "unit 3-1501 is no longer available (held by SUB-000012)"
    assert caught.value.message_zh == "房源 3-1501 已不可售（已被 SUB-000012 锁定）"
    assert caught.value.params["holder"] == "SUB-000012"
    assert list(UnitHold.objects.values_list("record_id", flat=True)) == [12]


def test_holding_again_from_the_same_record_changes_nothing(project, unit):
    ctx = make_ctx(project)
    first = units.hold(ctx, unit.pk)

    again = units.hold(ctx, unit.pk)

    assert again.pk == first.pk
    assert UnitHold.objects.count() == 1


def test_a_child_record_takes_over_its_parents_hold(project, unit):
    # given: a reservation holds the unit, then a subscription is started from it
    reservation = make_ctx(project, record_id=20, reference="RSV-000020")
    units.hold(reservation, unit.pk)
    subscription = make_ctx(project, record_id=21, reference="SUB-000021", flow="subscription", lineage=(20,))

    # when
    held = units.hold(subscription, unit.pk, status="subscribed")

    # then
    old = UnitHold.objects.get(record_id=20)
    unit.refresh_from_db()
    assert (old.release_reason, old.released_at, old.transferred_to_id) == (
        ReleaseReason.TRANSFERRED, NOW, held.pk)
    assert (held.record_id, held.released_at) == (21, None)
    assert unit.status == SaleStatus.SUBSCRIBED


def test_holding_never_moves_a_unit_back(project, unit):
    units.hold(make_ctx(project, record_id=30), unit.pk, status="signed")

    units.hold(make_ctx(project, record_id=31, lineage=(30,)), unit.pk, status="reserved")

    unit.refresh_from_db()
    assert unit.status == SaleStatus.SIGNED


def test_a_withheld_unit_cannot_be_held(project, unit):
    units.withhold(project.pk, unit.pk, user_id=None, now=NOW)

    with pytest.raises(UnitUnavailable) as caught:
        units.hold(make_ctx(project), unit.pk)

    assert caught.value.message_en == "unit 3-1501 is no longer available (withheld)"
    assert caught.value.message_zh == "房源 3-1501 已不可售（销控）"


def test_a_unit_of_another_project_is_not_found(project, unit):
    from kernel.models import Project

    other = Project.objects.create(code="K2", name="Other")

    with pytest.raises(UnitNotFound) as caught:
        units.hold(make_ctx(other), unit.pk)

    assert caught.value.message_en == f"there is no unit {unit.pk} in this project"


def test_holding_without_a_unit_asks_to_choose_one(project):
    with pytest.raises(UnitNotChosen) as caught:
        units.hold(make_ctx(project, reference="RSV-000001"), None)

    assert caught.value.message_en == "RSV-000001 has no unit yet: choose one first"


def test_releasing_puts_the_unit_back_on_sale(project, unit):
    # given
    ctx = make_ctx(project, user_id=None)
    units.hold(ctx, unit.pk)

    # when
    released = units.release(ctx, unit.pk, note="customer changed their mind")

    # then
    unit.refresh_from_db()
    assert unit.status == SaleStatus.AVAILABLE
    assert (released.release_reason, released.release_note, released.released_at) == (
        ReleaseReason.RELEASED, "customer changed their mind", NOW)
    units.hold(make_ctx(project), unit.pk)  # and another deal can take it


def test_releasing_from_a_record_that_holds_nothing_leaves_the_unit_alone(project, unit):
    units.hold(make_ctx(project, record_id=40, reference="RSV-000040"), unit.pk)

    assert units.release(make_ctx(project, record_id=41), unit.pk) is None
    assert units.release(make_ctx(project, record_id=42), None) is None

    unit.refresh_from_db()
    assert unit.status == SaleStatus.RESERVED
    assert UnitHold.objects.get().released_at is None


def test_a_child_record_releases_the_hold_it_continues(project, unit):
    units.hold(make_ctx(project, record_id=50), unit.pk)

    units.release(make_ctx(project, record_id=51, lineage=(50,)), unit.pk)

    unit.refresh_from_db()
    assert unit.status == SaleStatus.AVAILABLE


def test_advancing_moves_the_held_unit_forward(project, unit):
    ctx = make_ctx(project, flow="subscription")
    units.hold(ctx, unit.pk, status="subscribed")

    units.advance(ctx, unit.pk, "signed")
    units.advance(ctx, unit.pk, "filed")
    units.advance(ctx, unit.pk, "delivered")

    unit.refresh_from_db()
    assert unit.status == SaleStatus.DELIVERED


def test_advancing_a_unit_someone_else_holds_is_refused(project, unit):
    units.hold(make_ctx(project, record_id=60, reference="SUB-000060"), unit.pk, status="subscribed")

    with pytest.raises(UnitNotHeld) as caught:
        units.advance(make_ctx(project, record_id=61, reference="SUB-000061"), unit.pk, "signed")

    assert caught.value.message_en == "unit 3-1501 is not held by SUB-000061 (SUB-000060 holds it)"
    unit.refresh_from_db()
    assert unit.status == SaleStatus.SUBSCRIBED


def test_advancing_past_a_step_is_refused_with_both_statuses(project, unit):
    ctx = make_ctx(project)
    units.hold(ctx, unit.pk)

    with pytest.raises(UnitStatusRefused) as caught:
        units.advance(ctx, unit.pk, "delivered")

    assert caught.value.message_en == "unit 3-1501 cannot go from reserved to delivered"
    assert caught.value.message_zh == "房源 3-1501 不能从「预留」变为「交付」"


def test_a_delivered_unit_cannot_be_released(project, unit):
    ctx = make_ctx(project)
    units.hold(ctx, unit.pk, status="signed")
    units.advance(ctx, unit.pk, "filed")
    units.advance(ctx, unit.pk, "delivered")

    with pytest.raises(UnitStatusRefused):
        units.release(ctx, unit.pk)

    assert UnitHold.objects.get().released_at is None


def test_the_database_refuses_a_second_live_hold_written_without_the_kernel(project, unit):
    # given
    units.hold(make_ctx(project, record_id=70), unit.pk)

    # when / then: the partial unique index, not Python, stops it
    with pytest.raises(IntegrityError), transaction.atomic():
        UnitHold.objects.create(project=project, unit=unit, record_id=71, reference="X", flow="x", held_at=NOW)


def test_the_unit_keeps_a_history_of_its_sale_status(project, unit):
    from accounts.models import User

    seller = User.objects.create_user("seller")
    ctx = make_ctx(project, user_id=seller.pk)
    units.hold(ctx, unit.pk)
    units.release(ctx, unit.pk)

    history = list(unit.history.order_by("history_id").values_list("status", "history_user_id"))
    assert history == [("available", None), ("reserved", seller.pk), ("available", seller.pk)]


def test_withheld_units_go_back_on_sale(project):
    unit, = make_units(project, 1)
    units.withhold(project.pk, unit.pk, user_id=None, now=NOW)

    units.put_on_sale(project.pk, unit.pk, user_id=None, now=NOW)

    unit.refresh_from_db()
    assert unit.status == SaleStatus.AVAILABLE
