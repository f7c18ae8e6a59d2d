"""The user's API tokens page (under the user menu): create one (its secret shown once), see when each was last
used, revoke. A user manages only their own tokens; a token never reaches beyond its user's roles.
Also a project's webhooks page (project admins)."""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from engine.runtime.access import can_administer, roles_in
from kernel.access import memberships_of
from kernel.models import Project

from . import sending, targets, webhooks
from .models import ApiToken, Scope, WebhookDelivery, WebhookSubscription


class ProjectChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.code} {obj.name}"


class TokenForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("What it is for"), max_length=100,
                           help_text=gettext_lazy("e.g. the bank's system, the mini-program"))
    scope = forms.ChoiceField(label=gettext_lazy("Scope"), choices=Scope.choices, initial=Scope.READ,
                              widget=forms.RadioSelect)
    projects = ProjectChoices(
        label=gettext_lazy("Projects"), queryset=Project.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Leave all unticked for every project you are a member of, now and later."))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        projects = self.fields["projects"]
        assert isinstance(projects, ProjectChoices)  # as declared above (`fields` is typed by the base Field)
        projects.queryset = Project.objects.filter(pk__in=memberships_of(user.pk)).order_by("code")


@login_required
def tokens(request):
    form = TokenForm(request.POST if request.method == "POST" and request.POST.get("action") == "create" else None,
                     user=request.user)
    secret = None
    if request.method == "POST" and request.POST.get("action") == "revoke":
        updated = ApiToken.objects.filter(pk__in=_posted_ids(request, "token"), user=request.user,
                                          revoked_at__isnull=True).update(revoked_at=timezone.now())
        if updated:
            messages.success(request, _("The token was revoked: it no longer opens anything."))
        else:
            messages.error(request, _("That token is not one of yours, or it was already revoked."))
        return redirect("api-tokens")
    if form.is_bound and form.is_valid():
        _token, secret = ApiToken.issue(request.user, form.cleaned_data["name"], scope=form.cleaned_data["scope"],
                                        projects=form.cleaned_data["projects"])
        form = TokenForm(user=request.user)
    rows = list(ApiToken.objects.filter(user=request.user).prefetch_related("projects"))
    return render(request, "api/tokens.html", {"form": form, "secret": secret, "rows": rows},
                  status=400 if form.is_bound and not form.is_valid() else 200)


class SubscriptionForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("What receives it"), max_length=100,
                           help_text=gettext_lazy("e.g. the finance system, the bank"))
    url = forms.URLField(label=gettext_lazy("Target URL"), max_length=500, assume_scheme="https",
                         help_text=gettext_lazy("An https:// address; events are POSTed to it as JSON, signed."))
    kinds = forms.MultipleChoiceField(label=gettext_lazy("Events"), widget=forms.CheckboxSelectMultiple,
                                      choices=list(webhooks.KIND_LABELS.items()),
                                      error_messages={"required": gettext_lazy("Tick at least one event.")})

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        if (problem := webhooks.check_url(url)) is not None:
            raise forms.ValidationError(problem)
        return url


DELIVERY_ROWS = 50  # per page of the delivery log


def _administered(request, code: str) -> Project:
    project = Project.objects.filter(code=code).first()
    if project is None or not can_administer(request.user, roles_in(request.user, project.pk)):
        raise Http404()
    return project


@dataclass(frozen=True)
class SubscriptionRow:
    """A subscription as its table row shows it."""

    subscription: WebhookSubscription
    kind_labels: list[str | Promise]  # the events it wants, in words
    overlapping: bool  # the secret before the current one still signs beside it


@dataclass(frozen=True)
class DeliveryRow:
    """One delivery of the log, with what it was and why it was not sent, in words."""

    delivery: WebhookDelivery
    kind_label: str | Promise
    refusal: str  # "" when it was not refused


@login_required
def webhooks_page(request, project: str):
    """A project's webhook subscriptions (project admins): add, disable or enable, rotate the secret (confirmed),
    the delivery log by pages, redeliver."""
    project_obj = _administered(request, project)
    action = request.POST.get("action") if request.method == "POST" else None
    form = SubscriptionForm(request.POST if action == "create" else None)
    secret, rotated = None, None
    if action in ("disable", "enable"):
        with transaction.atomic():
            updated = WebhookSubscription.objects.filter(
                pk__in=_posted_ids(request, "subscription"), project=project_obj).update(active=action == "enable")
            transaction.on_commit(lambda: webhooks.forget_kinds(project_obj.pk))
        if updated:
            messages.success(request, _("The subscription was enabled: new events are sent to it.")
                             if action == "enable" else _("The subscription was disabled: no new events are sent."))
        else:
            messages.error(request, _("That subscription is not one of this project's."))
        return redirect("webhooks", project=project_obj.code)
    if action == "redeliver":
        with transaction.atomic():
            delivery = WebhookDelivery.objects.filter(pk__in=_posted_ids(request, "delivery"),
                                                      subscription__project=project_obj).first()
            if delivery is not None:
                webhooks.redeliver(delivery)
        if delivery is not None:
            messages.success(request, _("The event is being sent again, with the same event id."))
        else:
            messages.error(request, _("That delivery is not one of this project's."))
        return redirect("webhooks", project=project_obj.code)
    if action == "rotate":
        picked = _posted_ids(request, "subscription")
        rotated = webhooks.rotate_secret(picked[0], project_obj) if picked else None
        if rotated is None:
            messages.error(request, _("That subscription is not one of this project's."))
            return redirect("webhooks", project=project_obj.code)
        secret = rotated.secret
        messages.success(request, _("The signing secret was rotated: copy the new one below."))
    if form.is_bound and form.is_valid():
        made = webhooks.create_subscription(project_obj, request.user, form.cleaned_data["name"],
                                            form.cleaned_data["url"], form.cleaned_data["kinds"])
        secret = made.secret
        form = SubscriptionForm()
    now = timezone.now()
    subscriptions = [SubscriptionRow(s, [webhooks.KIND_LABELS[k] for k in s.kinds if k in webhooks.KIND_LABELS],
                                     len(sending.secrets_signing(s, now)) > 1)
                     for s in WebhookSubscription.objects.filter(project=project_obj).select_related("created_by")]
    # a rotation is confirmed first: the link asks (GET), the confirmation's button rotates (POST)
    asked = str(request.GET.get("rotate", ""))
    confirm = next((row for row in subscriptions if asked.isdigit() and row.subscription.pk == int(asked)), None) \
        if rotated is None else None
    page = Paginator(WebhookDelivery.objects.filter(subscription__project=project_obj)
                     .select_related("subscription").order_by("-created_at", "-pk"), DELIVERY_ROWS) \
        .get_page(request.GET.get("page"))
    deliveries = [DeliveryRow(d, webhooks.KIND_LABELS.get(d.kind, d.kind),
                              targets.refusal(urlsplit(d.subscription.url).hostname or "", d.refused_address)
                              if d.refused_address else "")
                  for d in page.object_list]
    return render(request, "api/webhooks.html", {
        "project": project_obj, "form": form, "secret": secret, "rotated": rotated,
        "confirm": confirm.subscription if confirm is not None else None,
        "confirm_overlapping": confirm is not None and confirm.overlapping,
        "subscriptions": subscriptions, "deliveries": deliveries, "page": page,
        "overlap_hours": int(webhooks.SECRET_OVERLAP.total_seconds() // 3600)},
        status=400 if form.is_bound and not form.is_valid() else 200)


def _posted_ids(request, field: str) -> list[int]:
    """The id posted in `field`, as a list of one; none if it is not a number (then nothing matches)."""
    value = str(request.POST.get(field, ""))
    return [int(value)] if value.isdigit() else []
