"""The sales floor's front desk (来电/来访登记): register a walk-in or a call, look the phone up as it is typed,
list the visits and calls, and run the campaigns that bring them.

Who may: the project's sales consultants and managers (`kernel.visits.FRONT_DESK_ROLES`);
anyone else, members of other roles and non-members alike, gets a refusal page in
words (403). Managers may register a visit for a named consultant and create or change
campaigns. Every page works without scripts (the phone lookup is a "look up" button
then, and a refused submit shows the lookup too); with htmx the lookup comes as the
phone is typed. The lists read a fixed number of queries whatever the rows.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy
from django.views.decorators.http import require_GET

from accounts.models import Membership
from forms.parsing import parse_key
from kernel import followups
from kernel import visits as desk
from kernel.access import roles_in
from kernel.errors import CustomerProtected, InvalidCustomerData, InvalidPhone, KernelError, NotPermitted
from kernel.models import Campaign, Project, Visit, VisitKind
from kernel.phones import normalise_phone
from kernel.visibility import PhoneVisibility

from ..display import DASH, DATE_FORMATS, day, moment, money
from .common import consultants_of, lang, refused, request_key

PAGE_SIZE = 50


class Desk:
    """The project and what the user may do at its front desk, read once per request."""

    def __init__(self, request, code: str):
        project = Project.objects.select_related("company").filter(code=code).first()
        if project is None:
            raise Http404()
        self.project: Project = project
        self.roles = roles_in(request.user.pk, self.project.pk)
        self.allowed = bool(self.roles & desk.FRONT_DESK_ROLES)
        self.chooses = bool(self.roles & desk.CHOOSER_ROLES)
        self.manages_campaigns = bool(self.roles & desk.CAMPAIGN_ROLES)

    def refused(self, request, reason: str | None = None) -> HttpResponse:
        reason = reason or _("The front desk is for the project's sales consultants, sales managers, project "
                             "director and project admins. Ask a project admin to add you if you receive visitors.")
        return refused(request, self.project, reason, desk=self)


def _shown_phone(phone: str) -> str:
    """A Chinese mobile number as people write it, 138 1234 1234; a masked one (138****1234) as it is."""
    national = phone[3:] if phone.startswith("+86") else phone
    if len(national) == 11 and national.isdigit():
        return f"{national[:3]} {national[3:7]} {national[7:]}"
    return national


def _running_campaigns(project: Project) -> list[Campaign]:
    """The active campaigns whose period includes today in the project's zone: the ones a visit today may name."""
    today = followups.today_in(project)
    return list(Campaign.objects.filter(project=project, active=True, starts_on__lte=today, ends_on__gte=today)
                .order_by("-starts_on", "name"))


def _words(error: desk.FieldRefused) -> str:
    return error.params["problem_zh" if lang().startswith("zh") else "problem_en"]


def _amount(value: str, *units: str) -> str:
    for unit in units:
        value = value.replace(unit, "")
    return value.strip()


def _choose(form: forms.Form, name: str, choices: list) -> None:
    """Set a declared ChoiceField's choices (the form's `fields` are typed by their base, Field)."""
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


def _kinds() -> list[tuple[str, str]]:
    """Visit and call by their titles (not the model's lower-case labels, which other words could share)."""
    return [(VisitKind.VISIT, pgettext("visit kind", "Visit")), (VisitKind.CALL, pgettext("visit kind", "Call"))]


def _source_choices(project: Project) -> list[tuple[str, str]]:
    return list(desk.source_titles(project, lang()).items())


def _desk_people(project: Project) -> list[tuple[int, str]]:
    rows = (Membership.objects.filter(project=project, role__in=desk.FRONT_DESK_ROLES).select_related("user")
            .order_by("user__display_name", "user__username"))
    return list({m.user_id: str(m.user) for m in rows}.items())


# The registration form

class VisitForm(forms.Form):
    phone = forms.CharField(label=gettext_lazy("Phone"), max_length=40,
                            help_text=gettext_lazy("The whole number: the customer is looked up as you type."))
    kind = forms.ChoiceField(label=gettext_lazy("Visit or call"), choices=_kinds, widget=forms.RadioSelect,
                             initial=VisitKind.VISIT)
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100, required=False,
                           help_text=gettext_lazy("Needed for a new customer; a known customer keeps their name."))
    source_type = forms.ChoiceField(label=gettext_lazy("Source type"), required=False)
    # a text with a select: a campaign not offered (stopped, not running today) is refused in the kernel's words
    campaign = forms.CharField(label=gettext_lazy("Campaign"), required=False, widget=forms.Select)
    consultant = forms.ChoiceField(label=gettext_lazy("Consultant"), required=False)
    layout = forms.CharField(label=gettext_lazy("Layout wanted"), max_length=60, required=False,
                             widget=forms.TextInput(attrs={"placeholder": gettext_lazy("e.g. 3 bedrooms")}))
    budget = forms.CharField(label=gettext_lazy("Budget"), max_length=24, required=False,
                             widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    area = forms.CharField(label=gettext_lazy("Area wanted (m²)"), max_length=12, required=False,
                           widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    note = forms.CharField(label=gettext_lazy("Note"), max_length=500, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))
    token = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, desk_: Desk, user, campaigns: list[Campaign], **kwargs):
        super().__init__(*args, **kwargs)
        project = self.project = desk_.project
        _choose(self, "source_type", [("", _("— choose —"))] + _source_choices(project))
        titles = desk.source_titles(project, lang())
        self.fields["campaign"].widget.choices = [("", _("No campaign"))] + [
            (str(c.pk), f"{c.name} · {titles.get(c.source_type, DASH)}") for c in campaigns]
        if desk_.chooses:
            _choose(self, "consultant", [("", _("Me (a protected customer stays with their consultant)"))] + [
                (str(pk), name) for pk, name in consultants_of(project) if pk != user.pk])
        else:
            del self.fields["consultant"]
        phone = self.fields["phone"].widget
        phone.attrs.update({"inputmode": "tel", "autocomplete": "off", "autofocus": True,
                            "hx-get": reverse("web:front-desk-lookup", args=[project.code]),
                            "hx-trigger": "input changed delay:300ms, change", "hx-target": "#phone-lookup",
                            "hx-swap": "innerHTML", "aria-describedby": "phone-lookup"})
        self.fields["budget"].widget.template_name = "web/widgets/money.html"

    # Each field checked on its own with the kernel's rules, so one answer names every problem at its field;
    # register_visit checks them all again.

    def clean_phone(self):
        phone = self.cleaned_data["phone"]
        try:
            normalise_phone(phone)
        except InvalidPhone as error:
            raise forms.ValidationError(_field_of(error, self.project)[1]) from None
        return phone

    def _number(self, field: str, maximum: Decimal, *units: str) -> str:
        value = _amount(self.cleaned_data[field], *units)
        try:
            desk._checked_number(value, field, maximum)
        except desk.FieldRefused as error:
            raise forms.ValidationError(_words(error)) from None
        return value

    def clean_budget(self):
        return self._number("budget", desk.MAX_MONEY, "¥", "元")

    def clean_area(self):
        return self._number("area", desk.MAX_AREA, "m²", "㎡")

    def clean(self):
        data = super().clean() or self.cleaned_data  # as Django takes it when clean() returns nothing
        if "source_type" in data and "campaign" in data:
            try:
                desk._checked_source(self.project, data["source_type"], data["campaign"] or None)
            except desk.FieldRefused as error:
                self.add_error(error.params["field"] if error.params["field"] in self.fields else None,
                               _words(error))
        return data


def _field_of(error: KernelError, project: Project) -> tuple[str | None, str]:
    """The form field a kernel refusal is about (None: the form as a whole), and its words in the user's language."""
    chinese = lang().startswith("zh")
    if isinstance(error, InvalidPhone):
        return "phone", _("%(value)s is not a whole phone number, e.g. 13812341234 or +86 138 1234 1234") % {
            "value": error.params["value_en"]}
    if isinstance(error, CustomerProtected):
        until = error.params.get("until_at") or datetime.strptime(error.params["until"], "%Y-%m-%d %H:%M").replace(
            tzinfo=project.zone)
        return "phone", _("This customer, %(name)s, is protected for %(consultant)s until %(until)s: ask "
                          "%(consultant)s or a sales manager.") % {
            "name": error.params["name"], "consultant": error.params["consultant"], "until": moment(until, project.zone)}
    if isinstance(error, InvalidCustomerData):
        return "name", _("Enter the customer's name: a new customer needs one (at most 100 characters).")
    if isinstance(error, desk.FieldRefused):
        field = error.params["field"]
        return (None if field == "token" else field), error.params["problem_zh" if chinese else "problem_en"]
    return None, error.message(lang())


def _lookup(desk_: Desk, user, phone: str) -> dict:
    """The words under the phone field: what the front desk may say of the number typed."""
    digits = "".join(c for c in phone if c.isdigit())
    if len(digits) < 7:
        return {"state": "", "text": ""}
    found = desk.phone_lookup(desk_.project.pk, user, phone)
    if found is None:
        try:
            normalise_phone(phone)
        except InvalidPhone:
            if len(digits) >= 11:
                return {"state": "invalid", "text": _("This is not a valid phone number yet.")}
            return {"state": "", "text": ""}
        return {"state": "new", "text": _("New customer")}
    if found["status"] == "elsewhere":
        return {"state": "elsewhere", "text": _("This number is registered in another project of the group.")}
    zone = desk_.project.zone
    if found["status"] == "shared":
        return {"state": "shared", "customer_id": found["customer_id"],
                "text": _("Known customer %(name)s %(phone)s, registered in another project of the group") % {
                    **found, "phone": _shown_phone(found["phone"])}}
    if not found["may_serve"]:
        return {"state": "protected", "customer_id": found["customer_id"],
                "text": _("This customer is protected for %(consultant)s until %(until)s: ask %(consultant)s or a "
                          "sales manager.") % {"consultant": found["consultant"],
                                               "until": moment(found["protected_until"], zone)}}
    words = {"name": found["name"], "phone": _shown_phone(found["phone"]), "consultant": found["consultant"]}
    if found["protected_until"]:
        text = _("Known customer %(name)s %(phone)s, consultant %(consultant)s, protected until %(until)s") % {
            **words, "until": moment(found["protected_until"], zone)}
    else:
        text = _("Known customer %(name)s %(phone)s, consultant %(consultant)s, no protection running") % words
    if found["visited_before"]:
        text += _("; has visited or called before")
    return {"state": "known", "customer_id": found["customer_id"], "text": text}


def _today(desk_: Desk, user) -> list[VisitRow]:
    zone = desk_.project.zone
    start = datetime.combine(followups.today_in(desk_.project), time(), tzinfo=zone)
    visits = list(_visits(desk_.project).filter(at__gte=start, at__lt=start + timedelta(days=1))[:200])
    return _decorate(visits, desk_.project, PhoneVisibility.for_user(user, desk_.project.pk))


def _visits(project: Project, query=None):
    visits = query if query is not None else Visit.objects.filter(project=project)
    return (visits.select_related("customer", "campaign", "received_by")
            .prefetch_related("customer__registrations").order_by("-at", "-pk"))


@dataclass(frozen=True)
class VisitRow:
    """A visit or call as the desk's tables show it, in words."""

    visit: Visit
    time_text: str
    phone_text: str
    kind_text: str
    returning_text: str
    source_text: str
    budget_text: str


def _decorate(visits: Iterable[Visit], project: Project, visibility: PhoneVisibility) -> list[VisitRow]:
    titles = desk.source_titles(project, lang())
    kinds = dict(_kinds())
    return [VisitRow(v, time_text=moment(v.at, project.zone), phone_text=_shown_phone(visibility.phone_for(v.customer)),
                     kind_text=kinds.get(v.kind, DASH), returning_text=_returning_words(v.kind, v.returning),
                     source_text=titles.get(v.source_type, DASH) if v.source_type else DASH,
                     budget_text=money(v.budget) if v.budget is not None else DASH)
            for v in visits]


def _returning_words(kind: str, returning: bool) -> str:
    """The one vocabulary of first and returning contacts: 首次到访 / 再次到访, 首次来电 / 再次来电."""
    if kind == VisitKind.CALL:
        return pgettext("front desk", "Returning caller") if returning else pgettext("front desk", "First call")
    return pgettext("front desk", "Returning visitor") if returning else pgettext("front desk", "First visit")


@login_required
def front_desk(request, project: str):
    desk_ = Desk(request, project)
    if not desk_.allowed:
        return desk_.refused(request)
    campaigns = _running_campaigns(desk_.project)
    options = {"desk_": desk_, "user": request.user, "campaigns": campaigns}
    lookup = {"state": "", "text": ""}
    status = 200
    if request.method == "POST":
        form = VisitForm(request.POST, **options)
        if form.is_valid():
            data = form.cleaned_data
            try:
                made = desk.register_visit(
                    project_id=desk_.project.pk, received_by_id=request.user.pk,
                    consultant_id=int(data["consultant"]) if data.get("consultant") else None, kind=data["kind"],
                    phone=data["phone"], name=data["name"], source_type=data["source_type"],
                    campaign_id=data["campaign"] or None, layout=data["layout"], budget=data["budget"], area=data["area"],
                    note=data["note"], token=data["token"])
            except NotPermitted:
                return desk_.refused(request)
            except KernelError as error:
                field, words = _field_of(error, desk_.project)
                form.add_error(field if field in form.fields else None, words)
            else:
                return redirect(f"{reverse('web:front-desk', args=[desk_.project.code])}?done={made.pk}")
        status = 400
        # the lookup under the field, unless the field's own error says it already (a protected or wrong number)
        if not form.errors.get("phone"):
            lookup = _lookup(desk_, request.user, request.POST.get("phone", ""))
    else:
        initial = {"token": request_key(request), "kind": VisitKind.VISIT}
        if request.GET.get("phone"):  # the "look up" button without scripts: the typed values come back
            initial.update({k: v for k, v in request.GET.items() if k in VisitForm.base_fields and v})
            lookup = _lookup(desk_, request.user, request.GET["phone"])
        form = VisitForm(initial=initial, **options)
    done = _done(request, desk_)
    return render(request, "web/front_desk/desk.html", {
        "desk": desk_, "project": desk_.project, "form": form, "lookup": lookup, "done": done,
        "today": _today(desk_, request.user), "tab": "desk",
    }, status=status)


def _done(request, desk_: Desk) -> dict | None:
    """The success panel after a registration: whom, what, and a link to their page."""
    pk = parse_key(request.GET.get("done"))
    made = (Visit.objects.select_related("customer").filter(pk=pk, project=desk_.project).first()
            if pk is not None else None)
    if made is None:
        return None
    words = {"name": made.customer.name, "what": _returning_words(made.kind, made.returning)}
    text = (_("Call from %(name)s registered (%(what)s).") if made.kind == VisitKind.CALL
            else _("Visit of %(name)s registered (%(what)s)."))
    # the deal can start from here, the customer already chosen (the start pages carry customer_id)
    start_url = f"{reverse('web:start-list')}?{urlencode({'project': desk_.project.code, 'customer_id': made.customer_id})}"
    return {"text": text % words, "customer_url": reverse("web:customer", args=[made.customer_id]),
            "start_url": start_url}


@login_required
@require_GET
def front_desk_lookup(request, project: str):
    """The fragment under the phone field (htmx): the lookup result in words, nothing for a half number."""
    desk_ = Desk(request, project)
    if not desk_.allowed:  # words under the field (htmx swaps only a 2xx), not a whole 403 page inside the form
        return render(request, "web/front_desk/lookup.html", {"lookup": {"state": "refused", "text": _(
            "Only the project's sales consultants, sales managers, project director and project admins look up "
            "visitors' numbers.")}})
    return render(request, "web/front_desk/lookup.html",
                  {"lookup": _lookup(desk_, request.user, request.GET.get("phone", ""))})


# Visits and calls

class VisitFilters(forms.Form):
    since = forms.DateField(label=pgettext_lazy("date range", "From"), required=False, input_formats=DATE_FORMATS,
                            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    until = forms.DateField(label=pgettext_lazy("date range", "To"), required=False, input_formats=DATE_FORMATS,
                            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    kind = forms.ChoiceField(label=gettext_lazy("Visit or call"), required=False)
    source_type = forms.ChoiceField(label=gettext_lazy("Source type"), required=False)
    campaign = forms.ChoiceField(label=gettext_lazy("Campaign"), required=False)
    received_by = forms.ChoiceField(label=gettext_lazy("Received by"), required=False)

    def __init__(self, data, *, project: Project):
        super().__init__(data)
        everything = [("", _("All"))]
        _choose(self, "kind", everything + _kinds())
        _choose(self, "source_type", everything + _source_choices(project))
        _choose(self, "campaign", everything + [
            (str(pk), name) for pk, name in Campaign.objects.filter(project=project).values_list("pk", "name")])
        _choose(self, "received_by", everything + [(str(pk), name) for pk, name in _desk_people(project)])

    def clean(self):
        data = super().clean() or self.cleaned_data  # as Django takes it when clean() returns nothing
        if data.get("since") and data.get("until") and data["until"] < data["since"]:
            self.add_error("until", _("The range ends (%(until)s) before it starts (%(since)s): swap the dates.") % {
                "until": day(data["until"]), "since": day(data["since"])})
        return data


@login_required
def visit_list(request, project: str):
    desk_ = Desk(request, project)
    if not desk_.allowed:
        return desk_.refused(request)
    project_obj = desk_.project
    filters = VisitFilters(request.GET, project=project_obj)
    filters.is_valid()  # a refused field (shown at it) drops out of cleaned_data; the others still narrow the list
    chosen = filters.cleaned_data
    query = Visit.objects.filter(project=project_obj)
    zone = project_obj.zone
    if chosen.get("since"):
        query = query.filter(at__gte=datetime.combine(chosen["since"], time(), tzinfo=zone))
    if chosen.get("until"):
        query = query.filter(at__lt=datetime.combine(chosen["until"] + timedelta(days=1), time(), tzinfo=zone))
    for key, column in (("kind", "kind"), ("source_type", "source_type"), ("campaign", "campaign_id"),
                        ("received_by", "received_by_id")):
        if chosen.get(key):
            query = query.filter(**{column: chosen[key]})
    titles = desk.source_titles(project_obj, lang())
    counts = [{"source": titles.get(row["source_type"], DASH) if row["source_type"] else _("Not stated"),
               "new": row["new"], "returning": row["back"], "total": row["total"]}
              for row in query.values("source_type").annotate(
                  total=Count("pk"), back=Count("pk", filter=Q(returning=True)),
                  new=Count("pk", filter=Q(returning=False))).order_by("-total", "source_type")]
    page = Paginator(_visits(project_obj, query), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = _decorate(page, project_obj, PhoneVisibility.for_user(request.user, project_obj.pk))
    paging = QueryDict(mutable=True)
    for key in filters.fields:
        if request.GET.get(key):
            paging[key] = request.GET[key]
    return render(request, "web/front_desk/visits.html", {
        "desk": desk_, "project": project_obj, "filters": filters, "page": page, "rows": rows, "counts": counts,
        "total": sum(c["total"] for c in counts), "paging": paging.urlencode(), "tab": "visits",
    })


# Campaigns

class CampaignForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Campaign name"), max_length=200)
    source_type = forms.ChoiceField(label=gettext_lazy("Source type"))
    channel = forms.CharField(label=gettext_lazy("Channel"), max_length=200, required=False,
                              help_text=gettext_lazy("Where it runs: an agency, a platform, a venue."))
    starts_on = forms.DateField(label=gettext_lazy("Starts on"), input_formats=DATE_FORMATS,
                                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    ends_on = forms.DateField(label=gettext_lazy("Ends on"), input_formats=DATE_FORMATS,
                              widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    cost = forms.CharField(label=gettext_lazy("Cost"), max_length=24, required=False,
                           widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    active = forms.BooleanField(label=gettext_lazy("Active: offered at the front desk"), required=False,
                                initial=True)

    def __init__(self, *args, project: Project, **kwargs):
        super().__init__(*args, **kwargs)
        _choose(self, "source_type", [("", _("— choose —"))] + _source_choices(project))
        self.fields["cost"].widget.template_name = "web/widgets/money.html"

    # The kernel's period and cost rules, field by field, so every problem shows at once (the kernel checks again).

    def clean_cost(self):
        value = _amount(self.cleaned_data["cost"], "¥", "元")
        try:
            desk._checked_cost(value)
        except desk.FieldRefused as error:
            raise forms.ValidationError(_words(error)) from None
        return value

    def clean(self):
        data = super().clean() or self.cleaned_data  # as Django takes it when clean() returns nothing
        if data.get("starts_on") and data.get("ends_on"):
            try:
                desk._checked_period(data["starts_on"], data["ends_on"])
            except desk.FieldRefused as error:
                self.add_error(error.params["field"], _words(error))
        return data


@dataclass(frozen=True)
class CampaignRow:
    """A campaign as the list shows it: its cost and cost per visit in words (`campaign.n`: its visits)."""

    campaign: Campaign
    source_text: str
    cost_text: str
    per_visit: str
    period_text: str


@login_required
def campaign_list(request, project: str):
    desk_ = Desk(request, project)
    if not desk_.allowed:
        return desk_.refused(request)
    titles = desk.source_titles(desk_.project, lang())
    campaigns = [CampaignRow(c, source_text=titles.get(c.source_type, DASH), cost_text=money(c.cost),
                             per_visit=money((c.cost / c.n).quantize(Decimal("0.01"))) if c.n else DASH,
                             period_text=f"{day(c.starts_on)} – {day(c.ends_on)}")
                 for c in Campaign.objects.filter(project=desk_.project).annotate(n=Count("visits"))
                 .order_by("-active", "-starts_on", "name")]
    return render(request, "web/front_desk/campaigns.html",
                  {"desk": desk_, "project": desk_.project, "campaigns": campaigns, "tab": "campaigns"})


@login_required
def campaign_edit(request, project: str, campaign_id: int | None = None):
    desk_ = Desk(request, project)
    if not desk_.manages_campaigns:
        return desk_.refused(request, _("Only sales managers, the project director and project admins create or "
                                        "change campaigns."))
    campaign = None
    if campaign_id is not None:
        campaign = Campaign.objects.filter(pk=campaign_id, project=desk_.project).first()
        if campaign is None:
            return desk_.refused(request, _("There is no such campaign in this project."))
    status = 200
    if request.method == "POST":
        form = CampaignForm(request.POST, project=desk_.project)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if campaign is None:
                    desk.create_campaign(project_id=desk_.project.pk, by_user_id=request.user.pk, **data)
                else:
                    desk.update_campaign(campaign.pk, project_id=desk_.project.pk, by_user_id=request.user.pk, **data)
            except desk.FieldRefused as error:
                field, words = _field_of(error, desk_.project)
                form.add_error(field if field in form.fields else None, words)
            else:
                messages.success(request, (_("Campaign %(name)s saved.") % {"name": data["name"].strip()}))
                return redirect("web:campaigns", project=desk_.project.code)
        status = 400
    elif campaign is not None:
        form = CampaignForm(initial={"name": campaign.name, "source_type": campaign.source_type,
                                     "channel": campaign.channel, "starts_on": campaign.starts_on,
                                     "ends_on": campaign.ends_on, "cost": f"{campaign.cost:.2f}",
                                     "active": campaign.active}, project=desk_.project)
    else:
        today = followups.today_in(desk_.project)
        form = CampaignForm(initial={"starts_on": today, "ends_on": today + timedelta(days=30), "cost": "0.00",
                                     "active": True}, project=desk_.project)
    return render(request, "web/front_desk/campaign_form.html", {
        "desk": desk_, "project": desk_.project, "form": form, "campaign": campaign, "tab": "campaigns",
    }, status=status)


__all__ = ["campaign_edit", "campaign_list", "front_desk", "front_desk_lookup", "visit_list"]
