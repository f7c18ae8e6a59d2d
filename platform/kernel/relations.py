"""Relations between customers: spouse, family, referred by (老带新), co-buyer, other.

A relation is directed (`from` is `kind` of `to`; for a referral, `from` was referred by
`to`) and kept once per pair and kind. Whoever may serve the customer in one of its
projects may record one; both customers must exist, and a customer is not related to
themselves.
"""
from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from .access import memberships_of
from .errors import CustomerNotFound, NotPermitted, RelationInvalid
from .models.customers import Customer, CustomerRegistration, CustomerRelation, RelationKind


def _ensure_member(customer_id: int, by_user_id: int) -> None:
    projects = set(CustomerRegistration.objects.filter(customer_id=customer_id).values_list("project_id", flat=True))
    if not projects & set(memberships_of(by_user_id)):
        raise NotPermitted(action="recording a customer's relations", action_zh="登记客户关系", project="—",
                           roles=["sales_consultant", "sales_manager"])


@transaction.atomic
def relate(from_id: int, to_id: int, kind: str, by_user_id: int, note: str = "") -> CustomerRelation:
    """Record that customer `from_id` is `kind` of `to_id`; the same relation twice is kept once."""
    if from_id == to_id:
        raise RelationInvalid(problem_en="a customer cannot be related to themselves: pick another customer",
                              problem_zh="客户不能与本人建立关系，请选择另一位客户")
    if kind not in RelationKind.values:
        raise RelationInvalid(problem_en="choose a relation: spouse, family, referred by, co-buyer or other",
                              problem_zh="请选择关系：配偶、家人、推荐人、共同购房人或其他")
    found = set(Customer.objects.filter(pk__in=[from_id, to_id]).values_list("pk", flat=True))
    for pk in (from_id, to_id):
        if pk not in found:
            raise CustomerNotFound(customer_id=pk)
    _ensure_member(from_id, by_user_id)
    existing = CustomerRelation.objects.filter(from_customer_id=from_id, to_customer_id=to_id, kind=kind).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return CustomerRelation.objects.create(from_customer_id=from_id, to_customer_id=to_id, kind=kind,
                                                   note=note[:200], created_by_id=by_user_id,
                                                   created_at=timezone.now())
    except IntegrityError:  # recorded a moment ago by someone else
        return CustomerRelation.objects.get(from_customer_id=from_id, to_customer_id=to_id, kind=kind)


@transaction.atomic
def unrelate(relation_id: int, by_user_id: int) -> bool:
    """Remove a relation; False when it was already gone."""
    relation = CustomerRelation.objects.filter(pk=relation_id).first()
    if relation is None:
        return False
    _ensure_member(relation.from_customer_id, by_user_id)
    relation.delete()
    return True
