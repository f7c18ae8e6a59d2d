"""Refusals of kernel operations, each with a code, its parameters and a message a user can act on.

The engine rolls a transition back on any `KernelError`; `message(language)` is what the person
who tried reads, and `code` and `params` let a page or API build its own text or link (for
example to the existing customer a duplicate phone belongs to).

One catalogue. A refusal class has a `code` and one English `template` (marked with
`gettext_noop`, so `bin/missing-messages` and `makemessages` find it): the template is the
msgid, and its Chinese is the msgstr in the zh_Hans catalogue
(platform/locale/zh_Hans/LC_MESSAGES/django.po). `message(language)` looks the template up
in that language's catalogue and fills in `params`. Where a parameter is said differently in
each language, the raise site passes both (`reason_en` / `reason_zh`, `roles_en` / `roles_zh`)
and each text uses its own; a `value` a person typed becomes `value_en` / `value_zh` (`shown`).
`message_en` and `message_zh` are the two messages, rendered from the catalogue.

One family: `Refusal` is the root of these, of the engine's refusals (`engine.runtime.errors.EngineError`),
of a publish's (`engine.versions.VersionError`), of a members change's (`engine.members.MemberError`)
and of a document's (`documents.issuing.DocumentError`). One fallback rule for all of them: a language
whose code starts with "zh" (zh-hans, zh-cn, zh-hant) gives Chinese, any other language, or none,
gives English (`speaks_chinese`).

Refusal classes of the same name in the engine are these classes: the engine's `UnitUnavailable`
and `CustomerProtected` subclass the kernel's (so `except kernel.errors.CustomerProtected`
catches the engine's too, with the same code, params and words). The two `NotPermitted` stay two
classes: the kernel's says which project role a kernel operation needs (its template names the
roles), the engine's that a person may not take a step of a flow (start, fire, claim, vote: its
`action` a phrase of the catalogue). Both derive from `PermissionRefusal`, the one class to catch
for "refused because of who is acting"; `CustomerProtected` of either layer is one as well.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

from django.utils import translation
from django.utils.translation import gettext_noop

from definitions.roles import role_titles

CHINESE = "zh-hans"  # the catalogue Chinese is read from
ENGLISH = "en"  # the templates themselves (the msgids)


def speaks_chinese(language: str | None) -> bool:
    """The fallback rule of every refusal: zh* is Chinese; anything else, or no language, English."""
    return (language or "").lower().startswith("zh")


def catalogue_language(language: str | None) -> str:
    """The catalogue a refusal's message is read from for `language`: zh-hans or en (`speaks_chinese`)."""
    return CHINESE if speaks_chinese(language) else ENGLISH


class Refusal(Exception):
    """Root of every refusal: the kernel's and a plugin's (`KernelError`), the engine's (`EngineError`),
    a publish's (`engine.versions.VersionError`), a members change's (`engine.members.MemberError`) and a
    document's (`documents.issuing.DocumentError`).

    A refusal has a `code` and one English `template`, the msgid whose Chinese is in the zh_Hans
    catalogue. A class with one message sets `template`; a class whose refusals are said in many ways
    takes the template as its first argument, marked `gettext_noop` at the raise site so the catalogue
    tools find it. `params` fill the template; `{x_en}` / `{x_zh}` in a template and its translation
    are a parameter said differently in each language. A parameter named in `phrases` is a msgid
    itself (the action in "you may not {action}"), said in the message's language with the same
    params.
    """

    code = "refused"
    template = gettext_noop("the operation was refused")
    phrases: tuple[str, ...] = ()

    def __init__(self, template: str | None = None, /, **params: Any):
        if template is not None:
            self.template = template
        if "value" in params:  # a value a person typed: `{value_en}` / `{value_zh}` show it as typed
            en, zh = shown(params["value"])
            params = {"value_en": en, "value_zh": zh, **params}
        self.params: Mapping[str, Any] = MappingProxyType(dict(params))
        # not super(): the engine's refusals of kernel names (UnitUnavailable) have both families' __init__
        Exception.__init__(self, self.message(ENGLISH))

    def message(self, language: str | None = "en") -> str:
        """The refusal in `language` (zh* Chinese, else English): the template from the catalogue, filled in."""
        with translation.override(catalogue_language(language)):
            values = dict(self.params)
            for name in self.phrases:
                if isinstance(values.get(name), str):
                    values[name] = translation.gettext(values[name]).format(**self.params)
            return translation.gettext(self.template).format(**values)

    @property
    def message_en(self) -> str:
        return self.message(ENGLISH)

    @property
    def message_zh(self) -> str:
        return self.message(CHINESE)

    # the two texts by their short names, as the engine's, versions' and members' refusals always had them
    en = message_en
    zh = message_zh


class PermissionRefusal(Exception):
    """Refused because of who is acting (their roles, a protection binding them), not of what they asked.

    The common base of the kernel's and the engine's `NotPermitted` (and `CustomerProtected`): it
    adds nothing but the class to catch; each is a `Refusal` with its own template.
    """


class KernelError(Refusal):
    """Root of every refusal the kernel (and a plugin) raises. Subclasses set `code` and `template`."""

    code = "kernel_error"
    template = gettext_noop("the operation was refused")


def shown(value: object) -> tuple[str, str]:
    """A value for a message, in English and Chinese: as typed (`12.345`, never `Decimal('12.345')`).

    Nothing at all (None, an empty or blank text) is said in words rather than shown as `None`.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return "nothing", "空值"
    return str(value), str(value)


# Units and sale control

class UnitNotFound(KernelError):
    code = "unit_not_found"
    template = gettext_noop("there is no unit {unit} in this project")


class UnitNotChosen(KernelError):
    code = "unit_not_chosen"
    template = gettext_noop("{reference} has no unit yet: choose one first")


class UnitUnavailable(KernelError):
    """Someone else holds the unit, or management took it off sale: pick another unit."""

    code = "unit_unavailable"
    template = gettext_noop("unit {unit} is no longer available ({reason_en})")

    @classmethod
    def held_by(cls, unit: str, reference: str) -> UnitUnavailable:
        return cls(unit=unit, holder=reference,
                   reason_en=f"held by {reference}", reason_zh=f"已被 {reference} 锁定")

    @classmethod
    def in_status(cls, unit: str, status: str, status_zh: str) -> UnitUnavailable:
        return cls(unit=unit, holder=None, reason_en=status, reason_zh=status_zh)


class UnitNotHeld(KernelError):
    code = "unit_not_held"
    template = gettext_noop("unit {unit} is not held by {reference} ({detail_en})")


class UnitStatusRefused(KernelError):
    code = "unit_status_refused"
    template = gettext_noop("unit {unit} cannot go from {current} to {target}")


# Queue numbers

class QueueBatchClosed(KernelError):
    code = "queue_batch_closed"
    template = gettext_noop("queue batch {batch} is closed; no more numbers are issued in it")


class QueueBatchInvalid(KernelError):
    code = "queue_batch_invalid"
    template = gettext_noop("'{batch}' is not a batch code: use letters and digits, e.g. A")


# Payments

class InvalidAmount(KernelError):
    """`name` is the argument the amount came in (amount, contract_amount ...); `value` what it was."""

    code = "invalid_amount"
    template = gettext_noop(
        "{name} must be a positive money amount with at most two decimals, e.g. 5000.00; got {value_en}")

    def __init__(self, *, value: object, name: str = "amount", **params: Any):
        super().__init__(name=name, value=value, **params)


class AmountTooLarge(InvalidAmount):
    """More than a money column holds (definitions.money.MONEY_LIMIT): said with the limit, not as a format."""

    code = "amount_too_large"
    template = gettext_noop("{name} must be at most {limit}, the largest amount kept; got {value_en}")


class RefundExceedsReceipts(KernelError):
    code = "refund_exceeds_receipts"
    template = gettext_noop("a refund of {amount} is more than {reference} has received net ({received})")


# Customers

class InvalidPhone(KernelError):
    code = "invalid_phone"
    template = gettext_noop("phone: {value_en} is not a valid phone number, e.g. 13812341234 or +86 138 1234 1234")


class DuplicatePhone(KernelError):
    """Points to the existing customer so the page can link to them instead of creating a twin."""

    code = "duplicate_phone"
    template = gettext_noop("phone {phone} is already registered to customer #{customer_id} {name}: use that customer")


class CustomerNotFound(KernelError):
    code = "customer_not_found"
    template = gettext_noop("there is no customer #{customer_id}")


class InvalidCustomerData(KernelError):
    """`problems` each name the field (`name: …`, `extra.birthday: …`); `problems_zh` when they have Chinese."""

    code = "invalid_customer_data"
    template = gettext_noop("customer data is not valid: {problems}")

    def __init__(self, *, problems: str, problems_zh: str | None = None, **params: Any):
        super().__init__(problems=problems, problems_zh=problems_zh or problems, **params)


class CustomerProtected(KernelError, PermissionRefusal):
    """Another consultant registered the customer in this project and the protection still runs.

    `until` is the end in the project's zone (2027-01-01 14:36), `until_at` the moment itself;
    the texts say it with the zone: `until_en` 2027-01-01 14:36 (Asia/Shanghai), `until_zh`
    2027年1月1日 14:36（北京时间） (kernel.zones.local_text).
    """

    code = "customer_protected"
    template = gettext_noop("customer {name} is protected for {consultant} in {project} until {until_en}: "
                            "ask {consultant} or a sales manager")


class ReassignReasonRequired(KernelError):
    """A manager reassigning a customer says why; the reason stays in the protection history."""

    code = "reassign_reason_required"
    template = gettext_noop("say why {name} is reassigned: a reason is required")


class NotPermitted(KernelError, PermissionRefusal):
    """`roles` are role codes; the messages name them by their titles in each language (`roles_en`, `roles_zh`)."""

    code = "not_permitted"
    template = gettext_noop("{action} needs one of these roles in {project}: {roles_en}")

    def __init__(self, *, roles: Sequence[str], **params: Any):
        roles = list(roles)
        super().__init__(roles=roles, roles_en=", ".join(role_titles(roles, "en")),
                         roles_zh="、".join(role_titles(roles, "zh")), **params)


# Customer 360: key-field revisions, merges of duplicates, relations (kernel.revisions, kernel.merge, kernel.relations)

class ChangeRequestPending(KernelError):
    """One pending key-field change per customer: a second waits until a manager decided the first."""

    code = "change_request_pending"
    template = gettext_noop("{name} already has a change waiting for a manager's decision; it must be decided first")


class ChangeRequestDecided(KernelError):
    code = "change_request_decided"
    template = gettext_noop("this change of {name} was already {status_en}")


class ChangeRequestNotFound(KernelError):
    code = "change_request_not_found"
    template = gettext_noop(
        "this change request is no longer there (it was withdrawn or never made); the list shows the ones waiting")


class NothingToChange(KernelError):
    code = "nothing_to_change"
    template = gettext_noop("nothing changes: {name}'s name, phone and ID number are already as given")


class MergeSameCustomer(KernelError):
    code = "merge_same_customer"
    template = gettext_noop("a customer cannot be merged into themselves: pick the duplicate, another customer")


class MergeLiveDeals(KernelError):
    """Both are in deals still running, each owned by another consultant: merging would mix two people's sales."""

    code = "merge_live_deals"
    template = gettext_noop(
        "{survivor} is in {survivor_deals} ({survivor_consultant}) and {duplicate} in {duplicate_deals} "
        "({duplicate_consultant}), deals of different consultants still running: finish or cancel one side's deals, "
        "or reassign them to one consultant, then merge")


class MergePointsConflict(KernelError):
    code = "merge_points_conflict"
    template = gettext_noop(
        "{survivor} and {duplicate} were both awarded points for the same event ({event}) in {project}: reverse one "
        "of the awards, then merge")


class RelationInvalid(KernelError):
    code = "relation_invalid"
    template = gettext_noop("{problem_en}")


# Follow-ups and opportunity stages (kernel.followups); each names the form field it is about (`field`)

class CustomerNotRegistered(KernelError):
    code = "customer_not_registered"
    template = gettext_noop("customer #{customer_id} is not registered in {project}: register them there first")


class NotAMember(KernelError):
    code = "not_a_member"
    template = gettext_noop("{action} needs a role in {project}")


class FollowUpChannelUnknown(KernelError):
    code = "follow_up_channel_unknown"
    template = gettext_noop("choose how you contacted the customer: call, visit, message or note (got {value_en})")


class FollowUpStageUnknown(KernelError):
    code = "follow_up_stage_unknown"
    template = gettext_noop("stage {value_en} is not one of {project}'s opportunity stages: choose one of {stages_en}")


class FollowUpDateInPast(KernelError):
    code = "follow_up_date_in_past"
    template = gettext_noop("the next follow-up date {value_en} is in the past: choose {today} or later")


class FollowUpNoteTooLong(KernelError):
    code = "follow_up_note_too_long"
    template = gettext_noop("the note has {length} characters: at most {limit}")


class MergeConflict(KernelError):
    code = "merge_conflict"
    template = gettext_noop(
        "{survivor} and {duplicate} both have {what} that a customer may have once: remove one, then merge")


class QueueNumberLimitReached(KernelError):
    """`numbers` are the codes the customer already holds in the batch, e.g. 'A-0001'."""

    code = "queue_number_limit_reached"
    template = gettext_noop("customer {customer} already holds {numbers} in batch {batch}: a customer may hold at most "
                            "{limit} there (project setting queue_numbers_per_customer)")
