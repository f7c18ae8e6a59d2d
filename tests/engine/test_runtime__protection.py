"""A consultant cannot start a deal for a customer another consultant protects."""
import pytest

from engine import versions
from engine.models import Record
from engine.runtime import NotPermitted, records
from kernel import customers


def test_a_protected_customer_cannot_be_taken_by_another_consultant(engine_flows, people):
    p = people
    versions.publish(p["p1"], "reservation")
    customer = customers.register(project_id=p["p1"].pk, consultant_id=p["consultant"].pk, name="王小明",
                                  phone="13812341234").customer

    with pytest.raises(NotPermitted) as caught:
        records.start_record(p["consultant2"], p["p1"], "reservation", {"unit_id": 1, "customer_id": customer.pk})

    assert "customer 王小明 is protected for" in caught.value.message("en")
    assert "#" not in caught.value.message("en") and "#" not in caught.value.message("zh")
    assert caught.value.code == "customer_protected"
    assert Record.objects.count() == 0
    # the consultant who registered the customer may
    records.start_record(p["consultant"], p["p1"], "reservation", {"unit_id": 1, "customer_id": customer.pk})
    assert Record.objects.count() == 1
