"""Refusals of kernel operations, each with a message a user can act on in English and Chinese.

The engine rolls a transition back on any `KernelError` and shows `message_en` or
`message_zh`; `code` and `params` let a page or API build its own text or link (for
example to the existing customer a duplicate phone belongs to).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

from definitions.roles import role_titles


class KernelError(Exception):
    """Root of every refusal the kernel raises. Subclasses set `code` and the two templates."""

    code = "kernel_error"
    template_en = "the operation was refused"
    template_zh = "操作被拒绝"

    def __init__(self, **params: Any):
        if "value" in params:  # a value a person typed: `{value_en}` / `{value_zh}` show it as typed
            en, zh = shown(params["value"])
            params = {"value_en": en, "value_zh": zh, **params}
        self.params: Mapping[str, Any] = MappingProxyType(dict(params))
        self.message_en = self.template_en.format(**params)
        self.message_zh = self.template_zh.format(**params)
        super().__init__(self.message_en)

    def message(self, language: str = "en") -> str:
        return self.message_zh if language.startswith("zh") else self.message_en


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
    template_en = "there is no unit {unit} in this project"
    template_zh = "本项目中没有房源 {unit}"


class UnitNotChosen(KernelError):
    code = "unit_not_chosen"
    template_en = "{reference} has no unit yet: choose one first"
    template_zh = "{reference} 尚未选择房源，请先选择"


class UnitUnavailable(KernelError):
    """Someone else holds the unit, or management took it off sale: pick another unit."""

    code = "unit_unavailable"
    template_en = "unit {unit} is no longer available ({reason_en})"
    template_zh = "房源 {unit} 已不可售（{reason_zh}）"

    @classmethod
    def held_by(cls, unit: str, reference: str) -> UnitUnavailable:
        return cls(unit=unit, holder=reference,
                   reason_en=f"held by {reference}", reason_zh=f"已被 {reference} 锁定")

    @classmethod
    def in_status(cls, unit: str, status: str, status_zh: str) -> UnitUnavailable:
        return cls(unit=unit, holder=None, reason_en=status, reason_zh=status_zh)


class UnitNotHeld(KernelError):
    code = "unit_not_held"
    template_en = "unit {unit} is not held by {reference} ({detail_en})"
    template_zh = "房源 {unit} 不在 {reference} 名下（{detail_zh}）"


class UnitStatusRefused(KernelError):
    code = "unit_status_refused"
    template_en = "unit {unit} cannot go from {current} to {target}"
    template_zh = "房源 {unit} 不能从「{current_zh}」变为「{target_zh}」"


# Queue numbers

class QueueBatchClosed(KernelError):
    code = "queue_batch_closed"
    template_en = "queue batch {batch} is closed; no more numbers are issued in it"
    template_zh = "排号批次 {batch} 已关闭，不再发放号码"


class QueueBatchInvalid(KernelError):
    code = "queue_batch_invalid"
    template_en = "'{batch}' is not a batch code: use letters and digits, e.g. A"
    template_zh = "'{batch}' 不是有效的批次代码，请使用字母和数字，例如 A"


# Payments

class InvalidAmount(KernelError):
    """`name` is the argument the amount came in (amount, contract_amount ...); `value` what it was."""

    code = "invalid_amount"
    template_en = "{name} must be a positive money amount with at most two decimals, e.g. 5000.00; got {value_en}"
    template_zh = "{name} 应为最多两位小数的正数金额，例如 5000.00；实际为 {value_zh}"

    def __init__(self, *, value: object, name: str = "amount", **params: Any):
        super().__init__(name=name, value=value, **params)


class AmountTooLarge(InvalidAmount):
    """More than a money column holds (definitions.money.MONEY_LIMIT): said with the limit, not as a format."""

    code = "amount_too_large"
    template_en = "{name} must be at most {limit}, the largest amount kept; got {value_en}"
    template_zh = "{name} 不能超过可记录的最大金额 {limit}；实际为 {value_zh}"


class RefundExceedsReceipts(KernelError):
    code = "refund_exceeds_receipts"
    template_en = "a refund of {amount} is more than {reference} has received net ({received})"
    template_zh = "退款 {amount} 超过 {reference} 的净收款 {received}"


# Customers

class InvalidPhone(KernelError):
    code = "invalid_phone"
    template_en = "phone: {value_en} is not a valid phone number, e.g. 13812341234 or +86 138 1234 1234"
    template_zh = "电话：{value_zh} 不是有效的电话号码，例如 13812341234 或 +86 138 1234 1234"


class DuplicatePhone(KernelError):
    """Points to the existing customer so the page can link to them instead of creating a twin."""

    code = "duplicate_phone"
    template_en = "phone {phone} is already registered to customer #{customer_id} {name}: use that customer"
    template_zh = "电话 {phone} 已登记为客户 #{customer_id} {name}，请使用该客户"


class CustomerNotFound(KernelError):
    code = "customer_not_found"
    template_en = "there is no customer #{customer_id}"
    template_zh = "没有客户 #{customer_id}"


class InvalidCustomerData(KernelError):
    """`problems` each name the field (`name: …`, `extra.birthday: …`); `problems_zh` when they have Chinese."""

    code = "invalid_customer_data"
    template_en = "customer data is not valid: {problems}"
    template_zh = "客户资料不符合要求：{problems_zh}"

    def __init__(self, *, problems: str, problems_zh: str | None = None, **params: Any):
        super().__init__(problems=problems, problems_zh=problems_zh or problems, **params)


class CustomerProtected(KernelError):
    """Another consultant registered the customer in this project and the protection still runs.

    `until` is the end in the project's zone (2027-01-01 14:36), `until_at` the moment itself;
    the texts say it with the zone: `until_en` 2027-01-01 14:36 (Asia/Shanghai), `until_zh`
    2027年1月1日 14:36（北京时间） (kernel.zones.local_text).
    """

    code = "customer_protected"
    template_en = ("customer {name} is protected for {consultant} in {project} until {until_en}: "
                   "ask {consultant} or a sales manager")
    template_zh = "客户 {name} 在 {project} 由 {consultant} 保护至 {until_zh}，请联系{consultant}或销售经理"


class ReassignReasonRequired(KernelError):
    """A manager reassigning a customer says why; the reason stays in the protection history."""

    code = "reassign_reason_required"
    template_en = "say why {name} is reassigned: a reason is required"
    template_zh = "请填写变更 {name} 归属的原因（必填）"


class NotPermitted(KernelError):
    """`roles` are role codes; the messages name them by their titles in each language (`roles_en`, `roles_zh`)."""

    code = "not_permitted"
    template_en = "{action} needs one of these roles in {project}: {roles_en}"
    template_zh = "{action_zh}需要在 {project} 担任以下角色之一：{roles_zh}"

    def __init__(self, *, roles: Sequence[str], **params: Any):
        roles = list(roles)
        super().__init__(roles=roles, roles_en=", ".join(role_titles(roles, "en")),
                         roles_zh="、".join(role_titles(roles, "zh")), **params)


# Customer 360: key-field revisions, merges of duplicates, relations (kernel.revisions, kernel.merge, kernel.relations)

class ChangeRequestPending(KernelError):
    """One pending key-field change per customer: a second waits until a manager decided the first."""

    code = "change_request_pending"
    template_en = "{name} already has a change waiting for a manager's decision; it must be decided first"
    template_zh = "{name} 已有一项资料变更在等待经理审批，请待其处理后再提交"


class ChangeRequestDecided(KernelError):
    code = "change_request_decided"
    template_en = "this change of {name} was already {status_en}"
    template_zh = "{name} 的这项资料变更已{status_zh}"


class ChangeRequestNotFound(KernelError):
    code = "change_request_not_found"
    template_en = "this change request is no longer there (it was withdrawn or never made); the list shows the ones waiting"
    template_zh = "该资料变更申请已不存在（已撤回或从未提交），列表中为仍待审批的申请"


class NothingToChange(KernelError):
    code = "nothing_to_change"
    template_en = "nothing changes: {name}'s name, phone and ID number are already as given"
    template_zh = "没有变化：{name} 的姓名、电话、证件号码与所填相同"


class MergeSameCustomer(KernelError):
    code = "merge_same_customer"
    template_en = "a customer cannot be merged into themselves: pick the duplicate, another customer"
    template_zh = "不能把客户合并到其本人，请选择另一位（重复的）客户"


class MergeLiveDeals(KernelError):
    """Both are in deals still running, each owned by another consultant: merging would mix two people's sales."""

    code = "merge_live_deals"
    template_en = ("{survivor} is in {survivor_deals} ({survivor_consultant}) and {duplicate} in {duplicate_deals} "
                   "({duplicate_consultant}), deals of different consultants still running: finish or cancel "
                   "one side's deals, or reassign them to one consultant, then merge")
    template_zh = ("{survivor} 在 {survivor_deals}（{survivor_consultant}）、{duplicate} 在 {duplicate_deals}"
                   "（{duplicate_consultant}）中，分属不同置业顾问且仍在进行：请先办结或取消一方的交易，"
                   "或改由同一顾问负责，再合并")


class MergePointsConflict(KernelError):
    code = "merge_points_conflict"
    template_en = ("{survivor} and {duplicate} were both awarded points for the same event ({event}) in {project}: "
                   "reverse one of the awards, then merge")
    template_zh = "{survivor} 与 {duplicate} 在 {project} 因同一事项（{event}）都获得了积分：请先冲销其中一笔，再合并"


class RelationInvalid(KernelError):
    code = "relation_invalid"
    template_en = "{problem_en}"
    template_zh = "{problem_zh}"


# Follow-ups and opportunity stages (kernel.followups); each names the form field it is about (`field`)

class CustomerNotRegistered(KernelError):
    code = "customer_not_registered"
    template_en = "customer #{customer_id} is not registered in {project}: register them there first"
    template_zh = "客户 #{customer_id} 未在 {project} 登记，请先登记"


class NotAMember(KernelError):
    code = "not_a_member"
    template_en = "{action} needs a role in {project}"
    template_zh = "{action_zh}需要在 {project} 担任角色"


class FollowUpChannelUnknown(KernelError):
    code = "follow_up_channel_unknown"
    template_en = "choose how you contacted the customer: call, visit, message or note (got {value_en})"
    template_zh = "请选择跟进方式：电话、到访、消息或备注（收到的是 {value_zh}）"


class FollowUpStageUnknown(KernelError):
    code = "follow_up_stage_unknown"
    template_en = "stage {value_en} is not one of {project}'s opportunity stages: choose one of {stages_en}"
    template_zh = "阶段 {value_zh} 不是 {project} 的商机阶段，请从以下阶段中选择：{stages_zh}"


class FollowUpDateInPast(KernelError):
    code = "follow_up_date_in_past"
    template_en = "the next follow-up date {value_en} is in the past: choose {today} or later"
    template_zh = "下次跟进日期 {value_zh} 已过，请选择 {today} 或之后的日期"


class FollowUpNoteTooLong(KernelError):
    code = "follow_up_note_too_long"
    template_en = "the note has {length} characters: at most {limit}"
    template_zh = "备注有 {length} 个字符，最多 {limit} 个"


class MergeConflict(KernelError):
    code = "merge_conflict"
    template_en = "{survivor} and {duplicate} both have {what} that a customer may have once: remove one, then merge"
    template_zh = "{survivor} 与 {duplicate} 都有「{what}」，而每位客户只能有一条：请先删除其一，再合并"


class QueueNumberLimitReached(KernelError):
    """`numbers` are the codes the customer already holds in the batch, e.g. 'A-0001'."""

    code = "queue_number_limit_reached"
    template_en = ("customer {customer} already holds {numbers} in batch {batch}: a customer may hold at most "
                   "{limit} there (project setting queue_numbers_per_customer)")
    template_zh = ("客户 {customer} 在批次 {batch} 已持有排号 {numbers}：每位客户在每个批次最多 {limit} 个"
                   "（项目设置「每位客户每批次可持有的排号数」）")
