"""The customer base: register, update, and protect a consultant's customers from being taken.

Dedup: the phone is normalised and unique in the database, so registering a number
that exists refuses with `DuplicatePhone` naming the existing customer, also when two
consultants type the same number at the same moment (the loser's insert fails on the
unique index and is turned into the same error).

Protection (防撞单): registering a customer in a project starts a protection period of
the project's `protection_days`. Until it ends, another consultant cannot claim the
customer there (`CustomerProtected`); a sales manager, project director or project
admin may reassign (`reassign`). After it ends, the next consultant to claim takes over
with a fresh period. The period is fixed when it starts: changing the setting later
does not shorten or lengthen protections already running.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from jsonschema import Draft202012Validator

from definitions.errors import format_path

from .access import MANAGER_ROLES, roles_in
from .audit import stamp
from .errors import (
    CustomerNotFound,
    CustomerProtected,
    DuplicatePhone,
    InvalidCustomerData,
    InvalidPhone,
    NotPermitted,
    ReassignReasonRequired,
)
from .models.customers import Customer, CustomerMerge, CustomerRegistration
from .models.projects import Project
from .phones import mask_phone, normalise_phone
from .schemas import cached_validator
from .zones import local_text


@transaction.atomic
def register(*, project_id: int, consultant_id: int, name: str, phone: str, extra: Mapping | None = None,
             now: datetime | None = None, note: str = "") -> CustomerRegistration:
    """Create a new customer and register them to `consultant_id` in the project, protected."""
    now = now or timezone.now()
    phone = normalise_phone(phone)
    name = _clean_name(name)
    extra = _checked_extra(extra or {})
    known = by_phone(phone)  # also a number merged into another customer: it is theirs
    if known is not None:
        raise _duplicate(known)
    customer = Customer(name=name, phone=phone, extra=extra, created_at=now, created_by_id=consultant_id)
    stamp(customer, consultant_id, now)
    _save_unique_phone(customer)
    return _register(project_id, customer, consultant_id, now, note=note)


@transaction.atomic
def claim(*, project_id: int, customer_id: int, consultant_id: int,
          now: datetime | None = None) -> CustomerRegistration:
    """Register an existing customer to `consultant_id` in the project, if nobody's protection stops it.

    The customer may come from another project, or their protection here may have
    ended; claiming one's own customer again changes nothing.
    """
    now = now or timezone.now()
    customer = _customer(customer_id)
    current = _locked_registration(project_id, customer)
    if current is None:
        return _register(project_id, customer, consultant_id, now, note="")
    if current.consultant_id == consultant_id:
        return current
    if current.protected_until > now:
        raise _protected(current)
    return _hand_over(current, consultant_id, now, by_user_id=consultant_id, reassigned=False,
                      note="claimed after the protection ended")


@transaction.atomic
def reassign(*, project_id: int, customer_id: int, to_consultant_id: int, by_user_id: int,
             now: datetime | None = None, note: str = "") -> CustomerRegistration:
    """A manager hands the customer to another consultant, whatever the protection; a new period starts.

    The reason (`note`) is required and kept in the registration's history.
    """
    now = now or timezone.now()
    if not roles_in(by_user_id, project_id) & MANAGER_ROLES:
        raise NotPermitted(action="reassigning a customer", action_zh="变更客户归属",
                           project=_project(project_id).code, roles=sorted(MANAGER_ROLES))
    customer = _customer(customer_id)
    note = (note or "").strip()
    if not note:
        raise ReassignReasonRequired(name=customer.name, field="note")
    current = _locked_registration(project_id, customer)
    if current is None:
        return _register(project_id, customer, to_consultant_id, now, note=note, by_user_id=by_user_id)
    return _hand_over(current, to_consultant_id, now, by_user_id=by_user_id, reassigned=True, note=note)


@transaction.atomic
def update(customer_id: int, *, by_user_id: int | None, now: datetime | None = None, name: str | None = None,
           phone: str | None = None, extra: Mapping | None = None) -> Customer:
    """Change a customer's key fields; the history keeps who, when, the old and the new value."""
    now = now or timezone.now()
    try:
        customer = Customer.objects.select_for_update().get(pk=customer_id)
    except Customer.DoesNotExist:
        raise CustomerNotFound(customer_id=customer_id) from None
    if name is not None:
        customer.name = _clean_name(name)
    if extra is not None:
        customer.extra = _checked_extra(extra)
    if phone is not None:
        customer.phone = normalise_phone(phone)
        # another's number, or one merged into another customer (it answers for them): as register refuses it
        holder = by_phone(customer.phone, Customer.objects.exclude(pk=customer.pk))
        if holder is not None:
            raise _duplicate(holder)
    stamp(customer, by_user_id, now)
    _save_unique_phone(customer, update_fields=["name", "phone", "extra"])
    return customer


def by_phone(phone: str, rows: QuerySet | None = None) -> Customer | None:
    """The customer a phone number (any spelling) belongs to: theirs, or a duplicate's merged into them.

    A merge keeps the duplicate's number (`CustomerMerge.merged_phone`) for the survivor, so
    the number finds them at the front desk and in searches, and registering it again names
    them. `rows`: the customers to look in (with their prefetches); None for an invalid number.
    """
    try:
        number = normalise_phone(phone)
    except InvalidPhone:
        return None
    found = list((Customer.objects.all() if rows is None else rows).filter(phone_filter(number)).order_by("pk")[:2])
    return next((c for c in found if c.phone == number), found[0] if found else None)  # one query


def phone_filter(number: str) -> Q:
    """The customer filter for a whole normalised number: their own, or one merged into them (see `by_phone`)."""
    return Q(phone=number) | Q(pk__in=CustomerMerge.objects.filter(merged_phone=number).values("survivor_id"))


def survivor_of(customer_id: int) -> int | None:
    """The customer a merged (deleted) customer's id now is, or None when it was never merged."""
    return (CustomerMerge.objects.filter(merged_id=customer_id).order_by("-at")
            .values_list("survivor_id", flat=True).first())


def extra_problems(extra: object) -> list[str]:
    """Problems with a customer's extra fields against schemas/customer.json, by path."""
    return sorted(f"{format_path(list(e.absolute_path)) or '(extra)'}: {e.message}"
                  for e in _extra_validator().iter_errors(extra))


def _extra_validator() -> Draft202012Validator:
    return cached_validator(Path(settings.SCHEMAS_DIR) / "customer.json")


def _checked_extra(extra: object, *, today: date | None = None) -> dict:
    """The extra fields as stored, or `InvalidCustomerData` naming every problem.

    `fields` maps each field to its (English, Chinese) words for a form ("电子邮箱：格式不正确，
    例如 name@example.com"), `field` names the first; `problems` / `problems_zh` keep the
    field codes (and JSON Schema's words for a schema problem) for logs and the admin.
    """
    found = extra_field_problems(extra, today=today, against_id=False)
    if found:
        schema_problems = extra_problems(extra)  # JSON Schema's words, kept in the message for the logs and admin
        if schema_problems:
            raise InvalidCustomerData(problems="; ".join(schema_problems), field=next(iter(found)),
                                      fields={f: words[:2] for f, words in found.items()})
        titles = {"id_number": ("ID number", "证件号码"), "birthday": ("Birthday", "生日")}
        raise InvalidCustomerData(
            problems="; ".join(f"{f} ({titles.get(f, (f, f))[0]}): {words[2]}" for f, words in found.items()),
            problems_zh="；".join(f"{f}（{titles.get(f, (f, f))[1]}）：{words[3]}" for f, words in found.items()),
            field=next(iter(found)), fields={f: words[:2] for f, words in found.items()})
    checked: dict = dict(extra)  # type: ignore[call-overload]  # the schema passed: a mapping
    if checked.get("id_number") and checked.get("id_type", "resident_id") == "resident_id":
        from .id_numbers import normalise_resident_id

        checked["id_number"] = normalise_resident_id(checked["id_number"])
    return checked


def extra_field_problems(extra: object, *, today: date | None = None,
                         against_id: bool = True) -> dict[str, tuple[str, str, str, str]]:
    """field -> (English, Chinese) words of what is wrong with it, each naming the field by its title, then the
    same without the title.

    The schema's rules (schemas/customer.json) in words rather than JSON Schema's; a
    resident ID (the type, or no type given) must pass GB 11643 (18 characters, a real
    birthday, the check digit); a birthday cannot be in the future nor (`against_id`: a
    form holding both, since a change of the ID number may wait for a manager while the
    birthday is saved at once) contradict the resident ID's birth date.
    """
    from .id_numbers import resident_id_problem

    schema: Mapping = _extra_validator().schema  # type: ignore[assignment]  # customer.json is an object, not bool
    properties = schema.get("properties", {})

    def label(field: str) -> tuple[str, str]:
        schema = properties.get(field, {})
        return schema.get("title", field), schema.get("x-title-zh", schema.get("title", field))

    def add(field: str, en: str, zh: str) -> None:
        label_en, label_zh = label(field)
        found.setdefault(field, (f"{label_en}: {en}", f"{label_zh}：{zh}", en, zh))

    found: dict[str, tuple[str, str, str, str]] = {}
    if not isinstance(extra, Mapping):
        return {"extra": ("Details: not a set of fields", "客户资料：格式不正确", "not a set of fields", "格式不正确")}
    for error in _extra_validator().iter_errors(extra):
        path = list(error.absolute_path)
        field = str(path[0]) if path else ""
        if error.validator == "additionalProperties":
            for key in sorted(set(extra) - set(properties)):
                found.setdefault(str(key), (f"{key}: not a customer detail", f"{key}：不是客户资料字段",
                                            "not a customer detail", "不是客户资料字段"))
            continue
        if not field:
            continue
        if error.validator == "pattern" and field == "email":
            add(field, "not a valid address, e.g. name@example.com", "格式不正确，例如 name@example.com")
        elif error.validator == "maxLength":
            limit = error.validator_value
            add(field, f"at most {limit} characters", f"最多 {limit} 个字符")
        elif error.validator == "enum":
            add(field, "not one of the choices", "不是可选的值")
        elif error.validator == "type":
            add(field, "must be text", "应为文字")
        else:
            add(field, "not valid", "格式不正确")
    id_birthday = None
    if extra.get("id_number") and extra.get("id_type", "resident_id") == "resident_id" and "id_number" not in found:
        problem = resident_id_problem(extra["id_number"], today=today)
        if problem is not None:
            add("id_number", *problem)
        else:
            number = str(extra["id_number"]).replace(" ", "")
            id_birthday = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    birthday = extra.get("birthday")
    if isinstance(birthday, str) and birthday and "birthday" not in found:
        try:
            born = date.fromisoformat(birthday)
        except ValueError:
            add("birthday", "not a date, e.g. 1990-05-01", "不是有效日期，例如 1990-05-01")
        else:
            if born > (today or timezone.localdate()):
                add("birthday", "cannot be in the future", "不能晚于今天")
            elif against_id and id_birthday is not None and born != id_birthday:
                id_en, id_zh = label("id_number")
                add("birthday", f"{born.day} {born:%b} {born.year} differs from the birth date in the {id_en} "
                                f"({id_birthday.day} {id_birthday:%b} {id_birthday.year}): correct one of them",
                    f"{born.year}年{born.month}月{born.day}日与{id_zh}中的出生日期"
                    f"（{id_birthday.year}年{id_birthday.month}月{id_birthday.day}日）不符，请更正其一")
    return found


def _clean_name(name: object) -> str:
    if not isinstance(name, str) or not name.strip():
        raise InvalidCustomerData(problems="name: a name is required", problems_zh="name（姓名）：必填")
    if len(name.strip()) > 100:
        raise InvalidCustomerData(problems="name: at most 100 characters",
                                  problems_zh="name（姓名）：最多 100 个字符")
    return name.strip()


def _customer(customer_id: int) -> Customer:
    try:
        return Customer.objects.get(pk=customer_id)
    except Customer.DoesNotExist:
        raise CustomerNotFound(customer_id=customer_id) from None


def _project(project_id: int) -> Project:
    return Project.objects.get(pk=project_id)


def _locked_registration(project_id: int, customer: Customer) -> CustomerRegistration | None:
    """The customer's registration here, locked (only its own row), with its project and consultant loaded."""
    registration = (CustomerRegistration.objects.select_for_update(of=("self",))
                    .select_related("project", "consultant")
                    .filter(project_id=project_id, customer=customer).first())
    if registration is not None:
        registration.customer = customer
    return registration


def _register(project_id: int, customer: Customer, consultant_id: int, now: datetime, *, note: str,
              by_user_id: int | None = None) -> CustomerRegistration:
    project = _project(project_id)
    registration = CustomerRegistration(
        project=project, customer=customer, consultant_id=consultant_id, registered_at=now,
        protected_until=now + _protection(project), reassigned_by_id=by_user_id, note=note[:200])
    stamp(registration, by_user_id or consultant_id, now)
    try:
        with transaction.atomic():
            registration.save()
    except IntegrityError:
        # Another consultant registered this customer here a moment ago: theirs stands.
        current = (CustomerRegistration.objects.select_related("customer", "project", "consultant")
                   .get(project_id=project_id, customer=customer))
        if current.consultant_id == consultant_id:
            return current
        raise _protected(current) from None
    return registration


def _hand_over(current: CustomerRegistration, consultant_id: int, now: datetime, *, by_user_id: int,
               reassigned: bool, note: str) -> CustomerRegistration:
    current.consultant_id = consultant_id
    current.registered_at = now
    current.protected_until = now + _protection(current.project)
    current.reassigned_by_id = by_user_id if reassigned else None
    current.note = note[:200]
    current.released_at = None  # a fresh period: released again when it runs out
    stamp(current, by_user_id, now)
    current.save()
    return current


def _protection(project: Project) -> timedelta:
    return timedelta(days=int(project.setting("protection_days")))


def _save_unique_phone(customer: Customer, **save_options) -> None:
    """Save; a phone another customer has refuses with `DuplicatePhone` naming them.

    The unique index decides, so a number typed by two consultants at the same moment is
    caught like one typed twice: the later insert fails (inside a savepoint, leaving the
    caller's transaction usable) and reads the customer who has it.
    """
    try:
        with transaction.atomic():
            customer.save(**save_options)
    except IntegrityError:
        raise _duplicate(Customer.objects.get(phone=customer.phone)) from None


def _duplicate(existing: Customer) -> DuplicatePhone:
    # The message may reach someone without the right to the number: mask it.
    return DuplicatePhone(phone=mask_phone(existing.phone), customer_id=existing.pk, name=existing.name)


def _protected(registration: CustomerRegistration) -> CustomerProtected:
    """The refusal, from a registration loaded with its customer, project and consultant (no further query)."""
    project, until = registration.project, registration.protected_until
    return CustomerProtected(customer_id=registration.customer_id, name=registration.customer.name,
                             consultant=str(registration.consultant), consultant_id=registration.consultant_id,
                             project=project.code, until=until.astimezone(project.zone).strftime("%Y-%m-%d %H:%M"),
                             until_at=until, until_en=local_text(until, project.zone, "en"),
                             until_zh=local_text(until, project.zone, "zh"))
