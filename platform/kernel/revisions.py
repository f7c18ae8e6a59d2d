"""Key-field revisions (the seeds' "revision mechanism"): a change of a customer's name, phone or ID number.

A project may ask that such changes by staff wait for a manager
(`customer_changes_need_approval`). Then `request_change` keeps the change as a pending
`CustomerChangeRequest` (one per customer at a time) and a manager approves or rejects
it with `decide_change`; otherwise, and always for a manager, the change is applied at
once. Either way the values are checked when they are asked for (a wrong phone or ID
number is refused at the form, not days later at the approval), and checked again when
applied, through `customers.update`, whose history keeps who, when, old and new.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from . import customers
from .access import MANAGER_ROLES, roles_in
from .errors import (
    ChangeRequestDecided,
    ChangeRequestNotFound,
    ChangeRequestPending,
    CustomerNotFound,
    InvalidCustomerData,
    NothingToChange,
    NotPermitted,
)
from .models.customers import ChangeStatus, Customer, CustomerChangeRequest, CustomerRegistration
from .models.projects import Project
from .phones import normalise_phone
from .protection import ensure_may_act

KEY_FIELDS = ("name", "phone", "id_number")  # id_number lives in Customer.extra


@dataclass(frozen=True)
class Outcome:
    """What `request_change` did: applied now (`customer` changed) or kept for a manager (`request`)."""

    applied: bool
    customer: Customer
    request: CustomerChangeRequest | None = None


def current_values(customer: Customer) -> dict[str, str]:
    return {"name": customer.name, "phone": customer.phone, "id_number": str(customer.extra.get("id_number", ""))}


def needs_approval(project: Project, roles: frozenset[str]) -> bool:
    """Whether someone holding `roles` in the project must wait for a manager to change key fields."""
    return bool(project.setting("customer_changes_need_approval")) and not (roles & MANAGER_ROLES)


@transaction.atomic
def request_change(*, project_id: int, customer_id: int, by_user_id: int, changes: Mapping[str, object],
                   reason: str = "", now: datetime | None = None) -> Outcome:
    """Change key fields now, or ask a manager to, as the project says; values are checked first.

    `changes` maps `name`, `phone`, `id_number` to the new values (others are refused);
    values equal to the current ones are dropped, and nothing left refuses with
    `NothingToChange`. The requester must be a member of a project where the customer is
    registered and not bound by another consultant's protection there.
    """
    now = now or timezone.now()
    customer = _locked_customer(customer_id)
    project = Project.objects.get(pk=project_id)
    roles = roles_in(by_user_id, project_id)
    if not roles or not CustomerRegistration.objects.filter(project_id=project_id, customer=customer).exists():
        raise NotPermitted(action="changing a customer's details", action_zh="修改客户资料", project=project.code,
                           roles=["sales_consultant", *sorted(MANAGER_ROLES)])
    ensure_may_act(project_id=project_id, customer_id=customer.pk, user_id=by_user_id, roles=roles, now=now)
    wanted = _checked(customer, changes)
    if not wanted:
        raise NothingToChange(name=customer.name)
    if not needs_approval(project, roles):
        return Outcome(True, _apply(customer, wanted, by_user_id, now))
    if customer.change_requests.filter(status=ChangeStatus.PENDING).exists():
        raise ChangeRequestPending(name=customer.name)
    request = CustomerChangeRequest(project=project, customer=customer, changes=wanted, reason=reason[:300],
                                    requested_by_id=by_user_id, requested_at=now)
    try:
        with transaction.atomic():
            request.save()
    except IntegrityError:  # another request for this customer went in a moment ago
        raise ChangeRequestPending(name=customer.name) from None
    return Outcome(False, customer, request)


@transaction.atomic
def decide_change(request_id: int, *, by_user_id: int, approve: bool, note: str = "",
                  now: datetime | None = None) -> CustomerChangeRequest:
    """A manager of the request's project approves (the change is applied, checked again) or rejects it; once."""
    now = now or timezone.now()
    try:
        request = (CustomerChangeRequest.objects.select_for_update(of=("self",)).select_related("project", "customer")
                   .get(pk=request_id))
    except CustomerChangeRequest.DoesNotExist:
        raise ChangeRequestNotFound(request_id=request_id) from None
    if not roles_in(by_user_id, request.project_id) & MANAGER_ROLES:
        raise NotPermitted(action="deciding a change of a customer's details", action_zh="审批客户资料变更",
                           project=request.project.code, roles=sorted(MANAGER_ROLES))
    if request.status != ChangeStatus.PENDING:
        raise ChangeRequestDecided(name=request.customer.name, status=request.status,
                                   status_en="approved" if request.status == ChangeStatus.APPROVED else "rejected",
                                   status_zh="批准" if request.status == ChangeStatus.APPROVED else "驳回")
    if approve:
        customer = _locked_customer(request.customer_id)
        _apply(customer, {k: v for k, v in request.changes.items() if k in KEY_FIELDS}, by_user_id, now)
    request.status = ChangeStatus.APPROVED if approve else ChangeStatus.REJECTED
    request.decided_by_id, request.decided_at, request.decision_note = by_user_id, now, note[:300]
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    return request


def _locked_customer(customer_id: int) -> Customer:
    try:
        return Customer.objects.select_for_update().get(pk=customer_id)
    except Customer.DoesNotExist:
        raise CustomerNotFound(customer_id=customer_id) from None


def _checked(customer: Customer, changes: Mapping[str, object]) -> dict[str, str]:
    """The changes that change something, each value checked as `customers.update` will check it."""
    unknown = sorted(set(changes) - set(KEY_FIELDS))
    if unknown:
        raise InvalidCustomerData(problems=f"{', '.join(unknown)}: not a key field (name, phone, id_number)",
                                  problems_zh=f"{'、'.join(unknown)}：不是关键字段（姓名、电话、证件号码）")
    current = current_values(customer)
    out: dict[str, str] = {}
    if "name" in changes:
        out["name"] = customers._clean_name(changes["name"])
    if "phone" in changes:
        out["phone"] = normalise_phone(str(changes["phone"] or ""))
        other = Customer.objects.filter(phone=out["phone"]).exclude(pk=customer.pk).first()
        if other is not None:
            raise customers._duplicate(other)
    if "id_number" in changes:
        number = str(changes["id_number"] or "").strip()
        # the number alone (its check digit too): the birthday may change with it, and is checked when saved
        others = {k: v for k, v in customer.extra.items() if k not in ("id_number", "birthday")}
        checked = customers._checked_extra({**others, "id_number": number} if number else others)
        out["id_number"] = str(checked.get("id_number", ""))  # as the kernel writes it (a final x made X)
    return {k: v for k, v in out.items() if v != current[k]}


def _apply(customer: Customer, wanted: Mapping[str, str], by_user_id: int, now: datetime) -> Customer:
    extra = None
    if "id_number" in wanted:
        extra = {k: v for k, v in customer.extra.items() if k != "id_number"}
        if wanted["id_number"]:
            extra["id_number"] = wanted["id_number"]
    return customers.update(customer.pk, by_user_id=by_user_id, now=now, name=wanted.get("name"),
                            phone=wanted.get("phone"), extra=extra)
