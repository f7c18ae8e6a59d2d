"""A project's webhook subscriptions and their delivery log, for the project's admins (docs/api.md).

Made, changed, deleted and their secret rotated here as on the studio's Webhooks page: the same form validates
(the target checked against private networks, api.targets), the same rule decides who (the project's admins; a
token with the write scope to change anything). The secret is in the answer only when it is made: on create and
on rotation, once.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from engine.runtime.access import can_administer

from .. import sending, targets, webhooks
from .. import serializers as s
from ..base import ApiView
from ..common import PAGING, paginate
from ..models import WebhookDelivery, WebhookSubscription
from ..pages import SubscriptionForm
from ..problems import Problem

EVENTS_HELP = "Event kinds: " + ", ".join(webhooks.KIND_LABELS) + "."


class Subscription(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    url = serializers.URLField()
    events = serializers.ListField(child=serializers.CharField(), help_text=EVENTS_HELP)
    active = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    secret_rotated_at = serializers.DateTimeField(allow_null=True, help_text="The last rotation of its secret.")
    previous_secret_signs_until = serializers.DateTimeField(
        allow_null=True, help_text="Until then deliveries carry a second signature, with the secret before the "
                                   "last rotation; null when only the current secret signs.")


class SubscriptionWithSecret(Subscription):
    secret = serializers.CharField(help_text="The signing secret (whsec_…): given only here, once.")


class SubscriptionIn(serializers.Serializer):
    """Only for the OpenAPI document: the page's form validates (the same words, the same target check)."""

    name = serializers.CharField(max_length=100, help_text="What receives it, e.g. the finance system.")
    url = serializers.URLField(max_length=500, help_text="https://; never a loopback, link-local or private "
                                                         "address unless the installation allows them.")
    events = serializers.ListField(child=serializers.ChoiceField(choices=list(webhooks.KIND_LABELS)),
                                   help_text=EVENTS_HELP)
    active = serializers.BooleanField(required=False, default=True)


class Delivery(serializers.Serializer):
    id = serializers.IntegerField()
    subscription = serializers.IntegerField()
    event_id = serializers.UUIDField()
    event = serializers.CharField()
    status = serializers.CharField(help_text="pending, delivered or failed (given up)")
    status_title = serializers.CharField()
    attempts = serializers.IntegerField()
    response_code = serializers.IntegerField(allow_null=True)
    refused_address = serializers.IPAddressField(
        allow_null=True, help_text="The last attempt was not sent: the target resolved to this non-public address.")
    refusal = serializers.CharField(allow_blank=True, help_text="Why it was not sent, in words; empty if it was.")
    next_attempt_at = serializers.DateTimeField(allow_null=True)
    delivered_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


def _out(w: WebhookSubscription, *, secret: bool = False) -> dict:
    signing = sending.secrets_signing(w)
    out = {"id": w.pk, "name": w.name, "url": w.url, "events": list(w.kinds), "active": w.active,
           "created_at": w.created_at, "secret_rotated_at": w.secret_rotated_at,
           "previous_secret_signs_until": w.previous_secret_expires_at if len(signing) > 1 else None}
    if secret:
        out["secret"] = w.secret
    return out


def _validated(data, current: WebhookSubscription | None = None) -> dict:
    """The page's form over the request's fields (a PATCH's missing ones taken from the subscription)."""
    if not isinstance(data, dict):
        raise Problem(422, "invalid", _("Send a JSON object with name, url and events."))
    merged = {"name": current.name, "url": current.url, "kinds": list(current.kinds)} if current else {}
    for field, name in (("name", "name"), ("url", "url"), ("events", "kinds")):
        if field in data:
            merged[name] = data[field]
    if isinstance(merged.get("kinds"), str):
        merged["kinds"] = [merged["kinds"]]
    form = SubscriptionForm(merged)
    errors = [{"path": "events" if field == "kinds" else field, "message": str(message)}
              for field, messages in form.errors.items() for message in messages]
    active = data.get("active", current.active if current else True)
    if not isinstance(active, bool):
        errors.append({"path": "active", "message": _("Give true or false.")})
    if errors:
        raise Problem(422, "invalid", _("Please correct the fields listed in errors."), errors)
    return {**form.cleaned_data, "active": active}


class _AdminView(ApiView):
    def administered(self, request, code: str):
        project, roles = self.project(request, code)
        if not can_administer(request.user, roles):
            raise Problem(403, "not_admin", _("Only the project's admins see its webhooks."))
        return project

    def subscription(self, project, subscription_id: int) -> WebhookSubscription:
        found = WebhookSubscription.objects.filter(pk=subscription_id, project=project).first()
        if found is None:
            raise Problem(404, "not_found", _("There is no such webhook subscription in %(project)s.")
                          % {"project": project.code})
        return found


class SubscriptionList(_AdminView):
    @extend_schema(summary="The project's webhook subscriptions (project admins)", tags=["webhooks"],
                   responses=Subscription(many=True))
    def get(self, request, code: str):
        project = self.administered(request, code)
        return Response([_out(w) for w in WebhookSubscription.objects.filter(project=project)])

    @extend_schema(summary="Add a subscription; the answer holds its signing secret, once (project admins)",
                   tags=["webhooks"], request=SubscriptionIn, responses={201: SubscriptionWithSecret})
    def post(self, request, code: str):
        project = self.administered(request, code)
        fields = _validated(request.data)
        made = webhooks.create_subscription(project, request.user, fields["name"], fields["url"], fields["kinds"],
                                            active=fields["active"])
        return Response(_out(made, secret=True), status=201)


class SubscriptionDetail(_AdminView):
    @extend_schema(summary="A webhook subscription (project admins)", tags=["webhooks"], responses=Subscription)
    def get(self, request, code: str, subscription_id: int):
        return Response(_out(self.subscription(self.administered(request, code), subscription_id)))

    @extend_schema(summary="Change a subscription: any of name, url, events, active (project admins)",
                   tags=["webhooks"], request=SubscriptionIn(partial=True), responses=Subscription)
    def patch(self, request, code: str, subscription_id: int):
        current = self.subscription(self.administered(request, code), subscription_id)
        fields = _validated(request.data, current)
        changed = webhooks.update_subscription(current, name=fields["name"], url=fields["url"],
                                               kinds=fields["kinds"], active=fields["active"])
        return Response(_out(changed))

    @extend_schema(summary="Delete a subscription and its delivery log (project admins)", tags=["webhooks"],
                   responses={204: OpenApiResponse(description="Deleted.")})
    def delete(self, request, code: str, subscription_id: int):
        project = self.administered(request, code)
        with transaction.atomic():
            self.subscription(project, subscription_id).delete()
            transaction.on_commit(lambda: webhooks.forget_kinds(project.pk))
        return Response(status=204)


class RotateSecret(_AdminView):
    @extend_schema(summary="A new signing secret, given once; the old one keeps signing beside it for 24 hours",
                   tags=["webhooks"], request=None, responses=SubscriptionWithSecret)
    def post(self, request, code: str, subscription_id: int):
        project = self.administered(request, code)
        rotated = webhooks.rotate_secret(self.subscription(project, subscription_id).pk, project)
        if rotated is None:  # deleted meanwhile
            raise Problem(404, "not_found", _("There is no such webhook subscription in %(project)s.")
                          % {"project": project.code})
        return Response(_out(rotated, secret=True))


def _delivery_out(d: WebhookDelivery) -> dict:
    return {"id": d.pk, "subscription": d.subscription_id, "event_id": d.event_id, "event": d.kind,
            "status": d.status, "status_title": d.get_status_display(), "attempts": d.attempts,
            "response_code": d.response_code, "refused_address": d.refused_address,
            "refusal": targets.refusal(urlsplit(d.subscription.url).hostname or "", d.refused_address)
            if d.refused_address else "",
            "next_attempt_at": d.next_attempt_at, "delivered_at": d.delivered_at, "created_at": d.created_at}


class Redeliver(_AdminView):
    @extend_schema(summary="Send a delivery again now, with the same event id and fresh retries (project admins)",
                   tags=["webhooks"], request=None, responses={202: Delivery})
    def post(self, request, code: str, delivery_id: int):
        project = self.administered(request, code)
        with transaction.atomic():
            delivery = (WebhookDelivery.objects.select_related("subscription")
                        .filter(pk=delivery_id, subscription__project=project).first())
            if delivery is None:
                raise Problem(404, "not_found", _("There is no such webhook delivery in %(project)s.")
                              % {"project": project.code})
            webhooks.redeliver(delivery)
        delivery.refresh_from_db()
        return Response(_delivery_out(delivery), status=202)


class DeliveryList(_AdminView):
    @extend_schema(summary="The project's webhook delivery log, newest first (project admins)", tags=["webhooks"],
                   parameters=PAGING, responses=s.paged(Delivery))
    def get(self, request, code: str):
        project = self.administered(request, code)
        rows, paginator = paginate(self, request, WebhookDelivery.objects.filter(subscription__project=project)
                                   .select_related("subscription"), ("-created_at", "-pk"))
        return paginator.get_paginated_response([_delivery_out(d) for d in rows])
