"""The front desk (来电/来访登记): register a visit or a call, look a phone up as it is typed, run campaigns.

A visit finds or makes the customer by the phone (one customer base, dedup by the
normalised number), registers them to the consultant in the project through
`customers.register` / `customers.claim` (so protection is the kernel's one rule), and
records the arrival. A customer another consultant protects here is refused in words
naming that consultant and whom to ask. One submit is one visit: the form's one-time
token is unique, so a double click (also two requests at the same moment) returns the
first visit instead of making a second.

Who works the front desk: the project's sales consultants and its managers
(`FRONT_DESK_ROLES`); managers may register a visit for a named consultant
(`CHOOSER_ROLES`), and when they name nobody a customer protected here stays with the
consultant who protects them.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from django.db import IntegrityError, transaction
from django.db.models import Count, Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from . import customers
from .access import MANAGER_ROLES, roles_in
from .errors import DuplicatePhone, InvalidPhone, KernelError, NotPermitted
from .models.customers import Customer, CustomerRegistration
from .models.projects import Project
from .models.visits import Campaign, Visit, VisitKind
from .money import FEN, parse_decimal
from .phones import normalise_phone
from .protection import is_bound
from .visibility import PhoneVisibility

FRONT_DESK_ROLES = frozenset({"sales_consultant"}) | MANAGER_ROLES
CHOOSER_ROLES = MANAGER_ROLES  # may register a visit for another consultant of the project
CAMPAIGN_ROLES = MANAGER_ROLES  # may create and change campaigns
MAX_MONEY = Decimal("999999999999.99")  # the 14-digit columns
MAX_AREA = Decimal("999999.99")

# field -> (English label, Chinese label), for refusals that name the field
FIELD_LABELS = {
    "phone": ("phone", "电话"), "name": ("name", "姓名"), "kind": ("visit or call", "来访/来电"),
    "source_type": ("source type", "来源类型"), "campaign": ("campaign", "推广活动"),
    "consultant": ("consultant", "置业顾问"), "layout": ("layout wanted", "意向户型"),
    "budget": ("budget", "预算"), "area": ("area wanted", "意向面积"), "note": ("note", "备注"),
    "token": ("form token", "表单令牌"), "channel": ("channel", "渠道"), "starts_on": ("starts on", "开始日期"),
    "ends_on": ("ends on", "结束日期"), "cost": ("cost", "费用"), "active": ("active", "启用"),
}


class FieldRefused(KernelError):
    """A value of the front desk's forms is refused; `field` names it, `problem_en` / `problem_zh` say why."""

    code = "field_refused"
    template = gettext_noop("{field} ({label_en}): {problem_en}")
    labels: dict[str, tuple[str, str]] = {}

    def __init__(self, field: str, problem_en: str, problem_zh: str, **params: Any):
        label_en, label_zh = self.labels.get(field) or FIELD_LABELS.get(field, (field, field))
        super().__init__(field=field, label_en=label_en, label_zh=label_zh, problem_en=problem_en,
                         problem_zh=problem_zh, **params)


class InvalidVisit(FieldRefused):
    code = "invalid_visit"


class InvalidCampaign(FieldRefused):
    code = "invalid_campaign"
    labels = {"name": ("campaign name", "活动名称")}


# Source types

def source_types(project: Project) -> list[dict[str, str]]:
    """The project's source types, `{code, zh, en}` each, in the order the settings give."""
    return [dict(s) for s in project.setting("source_types") or ()]


def source_titles(project: Project, lang: str) -> dict[str, str]:
    """code -> title in `lang` (zh or en)."""
    key = "zh" if lang.startswith("zh") else "en"
    return {s["code"]: s[key] for s in source_types(project)}


def _checked_source_type(project: Project, code: object) -> str:
    code = code.strip() if isinstance(code, str) else ""
    known = source_types(project)
    if code and code not in {s["code"] for s in known}:
        raise InvalidVisit(
            "source_type", f"'{code}' is not one of this project's source types ({', '.join(s['en'] for s in known)})",
            f"「{code}」不是本项目的来源类型（{'、'.join(s['zh'] for s in known)}）", value=code)
    return code


# Visits and calls

@transaction.atomic
def register_visit(*, project_id: int, received_by_id: int, consultant_id: int | None = None, kind: str,
                   phone: str, name: str, source_type: str = "", campaign_id: int | None = None,
                   layout: str = "", budget: object = None, area: object = None, note: str = "",
                   token: str, now: datetime | None = None) -> Visit:
    """Record a visit or a call, registering the customer to the consultant in the project.

    Refuses with `InvalidVisit` (naming the field), `InvalidPhone`, `InvalidCustomerData`
    (a new customer without a name), `CustomerProtected` or `NotPermitted`; nothing
    is written then. The same `token` again returns the visit it made the first time.
    """
    now = now or timezone.now()
    token = _checked_token(token)
    first = Visit.objects.filter(token=token).first()
    if first is not None:
        return first
    project = Project.objects.select_related("company").get(pk=project_id)
    receiver_roles = roles_in(received_by_id, project_id)
    if not receiver_roles & FRONT_DESK_ROLES:
        raise NotPermitted(action="registering a visit or call", action_zh="登记来访/来电", project=project.code,
                           roles=sorted(FRONT_DESK_ROLES))
    kind = _checked_kind(kind)
    source_type, campaign = _checked_source(project, source_type, campaign_id, now)
    layout = _checked_text(layout, "layout", 60)
    note = _checked_text(note, "note", 500)
    budget = _checked_number(budget, "budget", MAX_MONEY)
    area = _checked_number(area, "area", MAX_AREA)
    phone = normalise_phone(phone)
    customer = customers.by_phone(phone)  # a number merged into a customer finds them too
    consultant_id = _consultant(project, received_by_id, receiver_roles, consultant_id, customer, now)
    if customer is None:
        try:
            customer = customers.register(project_id=project_id, consultant_id=consultant_id, name=name,
                                          phone=phone, now=now, note="registered at the front desk").customer
        except DuplicatePhone as duplicate:  # registered by someone else a moment ago: theirs stands
            customer = Customer.objects.get(pk=duplicate.params["customer_id"])
            _claim(project, customer, consultant_id, now)
    else:
        _claim(project, customer, consultant_id, now)
    visit = Visit(project=project, customer=customer, kind=kind, source_type=source_type, campaign=campaign,
                  received_by_id=received_by_id, at=now, layout=layout, budget=budget, area=area, note=note,
                  token=token,
                  returning=Visit.objects.filter(project_id=project_id, customer=customer).exists())
    try:
        with transaction.atomic():
            visit.save()
    except IntegrityError:
        first = Visit.objects.filter(token=token).first()  # the same submit, a moment earlier: one visit
        if first is None:
            raise
        return first
    # a visit or call is a contact: the registration's last contact moves on (never back, for a late entry)
    CustomerRegistration.objects.filter(project_id=project_id, customer=customer).filter(
        Q(last_contact_at__isnull=True) | Q(last_contact_at__lt=now)).update(last_contact_at=now)
    _first_stage(project, customer, kind)
    return visit


def _first_stage(project: Project, customer: Customer, kind: str) -> None:
    """A visit or call gives the customer's opportunity stage its start, never lowering it.

    A visit moves a registration without a stage, or in a stage before it, to the stage
    coded `visited` when the project has it (else the first stage); a call gives the
    first stage to a registration without one. One conditional update.
    """
    codes = [str(s["code"]) for s in project.setting("opportunity_stages") or () if s.get("code")]
    if not codes:
        return
    if kind == VisitKind.VISIT and "visited" in codes:
        target, lower = "visited", ["", *codes[:codes.index("visited")]]
    else:
        target, lower = codes[0], [""]
    CustomerRegistration.objects.filter(project=project, customer=customer, stage__in=lower).update(stage=target)


def _claim(project: Project, customer: Customer, consultant_id: int, now: datetime) -> None:
    """Register the known customer here; another consultant's running protection refuses (`CustomerProtected`,
    whose words name that consultant and say to ask them or a sales manager)."""
    customers.claim(project_id=project.pk, customer_id=customer.pk, consultant_id=consultant_id, now=now)


def _consultant(project: Project, received_by_id: int, receiver_roles: frozenset[str], consultant_id: int | None,
                customer: Customer | None, now: datetime) -> int:
    """Whom the customer is registered to: the receiver, or the consultant a manager names.

    A manager naming nobody for a customer protected here leaves them with the consultant
    who protects them (the manager only received the visit).
    """
    if consultant_id is None or consultant_id == received_by_id:
        if consultant_id is None and customer is not None and receiver_roles & CHOOSER_ROLES:
            protecting = (CustomerRegistration.objects
                          .filter(project=project, customer=customer, protected_until__gt=now,
                                  released_at__isnull=True).values_list("consultant_id", flat=True).first())
            if protecting is not None:
                return protecting
        return received_by_id
    if not receiver_roles & CHOOSER_ROLES:
        raise InvalidVisit("consultant", "only a sales manager, project director or project admin may register "
                                         "a visit for another consultant",
                           "只有销售经理、案场经理/项目总监或项目管理员可以为其他置业顾问登记")
    if "sales_consultant" not in roles_in(consultant_id, project.pk):
        raise InvalidVisit("consultant", f"the person chosen is not a sales consultant of {project.code}",
                           f"所选人员不是 {project.code} 的置业顾问")
    return consultant_id


def _checked_token(token: object) -> str:
    if not isinstance(token, str) or not token.strip() or len(token.strip()) > 40:
        raise InvalidVisit("token", "the form has no valid one-time token: reload the page and submit again",
                           "表单缺少有效的一次性令牌，请刷新页面后重新提交")
    return token.strip()


def _checked_kind(kind: object) -> str:
    if kind not in VisitKind.values:
        raise InvalidVisit("kind", "choose visit or call", "请选择来访或来电", value=kind)
    return str(kind)


def _day_words(day: date) -> tuple[str, str]:
    """A date as the pages write it: 10 Jan 2027 / 2027年1月10日."""
    return f"{day.day} {day:%b} {day.year}", f"{day.year}年{day.month}月{day.day}日"


def _checked_source(project: Project, source_type: object, campaign_id: object,
                    now: datetime | None = None) -> tuple[str, Campaign | None]:
    """The source type (the campaign's when none is given) and the campaign, which must belong to the project,
    be active and run on the visit's day (`now`, default the present, in the project's zone)."""
    code = _checked_source_type(project, source_type)
    if campaign_id in (None, ""):
        return code, None
    try:
        campaign = Campaign.objects.filter(pk=int(campaign_id), project=project).first()  # type: ignore[call-overload]
    except (TypeError, ValueError):
        campaign = None
    if campaign is None:
        raise InvalidVisit("campaign", "there is no such campaign in this project", "本项目没有这个推广活动")
    if not campaign.active:
        raise InvalidVisit("campaign", f"campaign {campaign.name} is no longer active: choose another",
                           f"推广活动「{campaign.name}」已停用，请选择其他活动")
    on = (now or timezone.now()).astimezone(project.zone).date()
    if not campaign.starts_on <= on <= campaign.ends_on:
        (starts_en, starts_zh), (ends_en, ends_zh) = _day_words(campaign.starts_on), _day_words(campaign.ends_on)
        on_en, on_zh = _day_words(on)
        raise InvalidVisit("campaign", f"campaign {campaign.name} runs from {starts_en} to {ends_en}, not on "
                                       f"{on_en}: choose another",
                           f"推广活动「{campaign.name}」的活动期间为 {starts_zh} 至 {ends_zh}，不含 {on_zh}，请选择其他活动")
    if code and campaign.source_type != code:
        titles_en, titles_zh = source_titles(project, "en"), source_titles(project, "zh")
        raise InvalidVisit(
            "campaign",
            f"campaign {campaign.name} brings {titles_en.get(campaign.source_type, campaign.source_type)}, "
            f"not {titles_en.get(code, code)}: choose that source type or another campaign",
            f"推广活动「{campaign.name}」属于「{titles_zh.get(campaign.source_type, campaign.source_type)}」，"
            f"与所选来源类型「{titles_zh.get(code, code)}」不符，请改选来源类型或活动")
    return code or campaign.source_type, campaign


def _checked_text(value: object, field: str, limit: int) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if len(text) > limit:
        raise InvalidVisit(field, f"at most {limit} characters", f"最多 {limit} 个字符")
    return text


def _checked_number(value: object, field: str, maximum: Decimal, *, allow_zero: bool = False,
                    error: type[FieldRefused] = InvalidVisit) -> Decimal | None:
    """A non-negative amount with at most two decimals (money in yuan, areas in m²); nothing stays None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = parse_decimal(value)
        exact = number == number.quantize(FEN)
    except (ValueError, InvalidOperation):
        number, exact = None, False
    if number is None or not exact or number < 0 or (number == 0 and not allow_zero) or number > maximum:
        least = "0 or more" if allow_zero else "more than 0"
        least_zh = "不小于 0" if allow_zero else "大于 0"
        raise error(field, f"a number {least} with at most two decimals, up to {maximum:,}, e.g. 3000000.00",
                    f"应为{least_zh}、最多两位小数的数字，不超过 {maximum:,}，例如 3000000.00", value=value)
    return number


# The phone lookup

def phone_lookup(project_id: int, viewer: Any, phone: str, *, now: datetime | None = None) -> dict | None:
    """What the front desk may say about the customer a whole typed phone number belongs to.

    `None` when the number is not a whole valid number, nobody has it, or only projects of
    other companies (or of no company) know them: to this project they are new. Otherwise
    `status` says which:
    - "here": registered in this project: `name`, `phone` (masked as the viewer may see it),
      `consultant` (display name), `protected_until` (None when no protection runs),
      `may_serve` (the viewer may register them: theirs, unprotected, or the viewer is not
      bound), `visited_before`, `customer_id`;
    - "shared": registered in another project of a company that shares its customers: the
      same keys, no consultant or protection here;
    - "elsewhere": registered in another project of the company, which does not share: nothing more.
    """
    now = now or timezone.now()
    try:
        number = normalise_phone(phone)
    except InvalidPhone:
        return None
    registrations = CustomerRegistration.objects.select_related("project", "consultant")
    customer = customers.by_phone(  # also a number merged into the customer
        number, Customer.objects.prefetch_related(Prefetch("registrations", queryset=registrations)))
    if customer is None:
        return None
    project = Project.objects.select_related("company").get(pk=project_id)
    visibility = PhoneVisibility.for_user(viewer, project_id)
    shown = visibility.phone_for(customer)
    shown = shown[3:] if shown.startswith("+86") else shown
    here = next((r for r in customer.registrations.all() if r.project_id == project_id), None)
    if here is not None:
        protected = here.protected_until > now and here.released_at is None
        roles = visibility.memberships.get(project_id, frozenset())
        viewer_id = visibility.user_id
        return {
            "status": "here", "customer_id": customer.pk, "name": customer.name, "phone": shown,
            "consultant": str(here.consultant), "consultant_id": here.consultant_id,
            "protected_until": here.protected_until if protected else None,
            "may_serve": not protected or here.consultant_id == viewer_id or not is_bound(roles, project),
            "visited_before": Visit.objects.filter(project_id=project_id, customer=customer).exists(),
        }
    company_id = project.company_id
    if company_id is None or not any(r.project.company_id == company_id for r in customer.registrations.all()):
        return None
    if project.company is None or not project.company.share_customers:  # None only without company_id, above
        return {"status": "elsewhere"}
    return {"status": "shared", "customer_id": customer.pk, "name": customer.name, "phone": shown, "consultant": "",
            "consultant_id": None, "protected_until": None, "may_serve": True, "visited_before": False}


# Campaigns

@transaction.atomic
def create_campaign(*, project_id: int, by_user_id: int, name: str, source_type: str, starts_on: date,
                    ends_on: date, cost: object = "0", channel: str = "", active: bool = True) -> Campaign:
    """A campaign of the project; sales managers, the project director and project admins only."""
    project = _campaign_project(project_id, by_user_id)
    campaign = Campaign(project=project)
    _fill_campaign(campaign, project, name=name, source_type=source_type, starts_on=starts_on, ends_on=ends_on,
                   cost=cost, channel=channel, active=active)
    _save_campaign(campaign)
    return campaign


@transaction.atomic
def update_campaign(campaign_id: int, *, project_id: int, by_user_id: int, name: str, source_type: str,
                    starts_on: date, ends_on: date, cost: object, channel: str = "", active: bool = True) -> Campaign:
    """Change a campaign of the project (visits already linked keep the link)."""
    project = _campaign_project(project_id, by_user_id)
    campaign = Campaign.objects.select_for_update().filter(pk=campaign_id, project=project).first()
    if campaign is None:
        raise InvalidCampaign("campaign", "there is no such campaign in this project", "本项目没有这个推广活动")
    _fill_campaign(campaign, project, name=name, source_type=source_type, starts_on=starts_on, ends_on=ends_on,
                   cost=cost, channel=channel, active=active)
    _save_campaign(campaign)
    return campaign


def may_manage_campaigns(user_id: int | None, project_id: int) -> bool:
    return bool(roles_in(user_id, project_id) & CAMPAIGN_ROLES)


def campaign_counts(project_id: int) -> dict[int, int]:
    """campaign id -> its visits and calls, in one query."""
    return dict(Campaign.objects.filter(project_id=project_id).annotate(n=Count("visits"))
                .values_list("pk", "n"))


def _campaign_project(project_id: int, by_user_id: int) -> Project:
    project = Project.objects.get(pk=project_id)
    if not may_manage_campaigns(by_user_id, project_id):
        raise NotPermitted(action="managing campaigns", action_zh="管理推广活动", project=project.code,
                           roles=sorted(CAMPAIGN_ROLES))
    return project


def _fill_campaign(campaign: Campaign, project: Project, *, name: object, source_type: object, starts_on: object,
                   ends_on: object, cost: object, channel: object, active: object) -> None:
    name = name.strip() if isinstance(name, str) else ""
    if not name:
        raise InvalidCampaign("name", "a name is required", "必填")
    if len(name) > 200:
        raise InvalidCampaign("name", "at most 200 characters", "最多 200 个字符")
    code = source_type.strip() if isinstance(source_type, str) else ""
    if not code:
        raise InvalidCampaign("source_type", "choose the source type the campaign brings", "请选择活动所属的来源类型")
    known = source_types(project)
    if code not in {s["code"] for s in known}:
        raise InvalidCampaign(
            "source_type", f"'{code}' is not one of this project's source types ({', '.join(s['en'] for s in known)})",
            f"「{code}」不是本项目的来源类型（{'、'.join(s['zh'] for s in known)}）", value=code)
    channel = channel.strip() if isinstance(channel, str) else ""
    if len(channel) > 200:
        raise InvalidCampaign("channel", "at most 200 characters", "最多 200 个字符")
    start, end = _checked_period(starts_on, ends_on)
    amount = _checked_cost(cost)
    campaign.name, campaign.source_type, campaign.channel = name, code, channel
    campaign.starts_on, campaign.ends_on, campaign.cost = start, end, amount
    campaign.active = bool(active)


def _checked_period(starts_on: object, ends_on: object) -> tuple[date, date]:
    """Both dates given, the end not before the start (`InvalidCampaign` at the field); the two dates."""
    for field, value in (("starts_on", starts_on), ("ends_on", ends_on)):
        if not isinstance(value, date) or isinstance(value, datetime):
            raise InvalidCampaign(field, "a date is required, e.g. 1 May 2026", "请填写日期，例如 2026年5月1日")
    start, end = cast(date, starts_on), cast(date, ends_on)  # both checked just above
    if end < start:
        (starts_en, starts_zh), (ends_en, ends_zh) = _day_words(start), _day_words(end)
        raise InvalidCampaign("ends_on", f"the campaign cannot end ({ends_en}) before it starts ({starts_en})",
                              f"结束日期（{ends_zh}）不能早于开始日期（{starts_zh}）")
    return start, end


def _checked_cost(cost: object) -> Decimal:
    """The campaign's cost in yuan: 0 or more, two decimals at most; nothing is 0."""
    return _checked_number(cost if cost not in (None, "") else "0", "cost", MAX_MONEY,  # type: ignore[return-value]
                           allow_zero=True, error=InvalidCampaign)


def _save_campaign(campaign: Campaign) -> None:
    try:
        with transaction.atomic():
            campaign.save()
    except IntegrityError:
        if Campaign.objects.filter(project_id=campaign.project_id, name=campaign.name).exclude(pk=campaign.pk).exists():
            raise InvalidCampaign("name", f"the project already has a campaign named {campaign.name}",
                                  f"本项目已有名为「{campaign.name}」的推广活动") from None
        raise


__all__ = [
    "CAMPAIGN_ROLES", "CHOOSER_ROLES", "FRONT_DESK_ROLES", "FieldRefused",
    "InvalidCampaign", "InvalidVisit", "campaign_counts", "create_campaign", "may_manage_campaigns",
    "phone_lookup", "register_visit", "source_titles", "source_types", "update_campaign",
]
