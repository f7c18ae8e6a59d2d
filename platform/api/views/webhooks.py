"""A project's webhook subscriptions and their delivery log, read by the project's admins (docs/api.md).

Made, disabled and redelivered on the studio's Webhooks page; the secret is never in the API.
"""
from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from engine.runtime.access import can_administer

from .. import serializers as s
from ..base import ApiView
from ..common import PAGING, paginate
from ..models import WebhookDelivery, WebhookSubscription
from ..problems import Problem


class Subscription(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    url = serializers.URLField()
    events = serializers.ListField(child=serializers.CharField(), help_text="Event kinds, e.g. record.moved.")
    active = serializers.BooleanField()
    created_at = serializers.DateTimeField()


class Delivery(serializers.Serializer):
    id = serializers.IntegerField()
    subscription = serializers.IntegerField()
    event_id = serializers.UUIDField()
    event = serializers.CharField()
    status = serializers.CharField(help_text="pending, delivered or failed (given up)")
    status_title = serializers.CharField()
    attempts = serializers.IntegerField()
    response_code = serializers.IntegerField(allow_null=True)
    next_attempt_at = serializers.DateTimeField(allow_null=True)
    delivered_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


class _AdminView(ApiView):
    def administered(self, request, code: str):
        project, roles = self.project(request, code)
        if not can_administer(request.user, roles):
            raise Problem(403, "not_admin", _("Only the project's admins see its webhooks."))
        return project


class SubscriptionList(_AdminView):
    @extend_schema(summary="The project's webhook subscriptions (project admins)", tags=["webhooks"],
                   responses=Subscription(many=True))
    def get(self, request, code: str):
        project = self.administered(request, code)
        return Response([{"id": w.pk, "name": w.name, "url": w.url, "events": list(w.kinds), "active": w.active,
                          "created_at": w.created_at}
                         for w in WebhookSubscription.objects.filter(project=project)])


class DeliveryList(_AdminView):
    @extend_schema(summary="The project's webhook delivery log, newest first (project admins)", tags=["webhooks"],
                   parameters=PAGING, responses=s.paged(Delivery))
    def get(self, request, code: str):
        project = self.administered(request, code)
        rows, paginator = paginate(self, request, WebhookDelivery.objects.filter(subscription__project=project),
                                   ("-created_at", "-pk"))
        return paginator.get_paginated_response([
            {"id": d.pk, "subscription": d.subscription_id, "event_id": d.event_id, "event": d.kind,
             "status": d.status, "status_title": d.get_status_display(), "attempts": d.attempts,
             "response_code": d.response_code, "next_attempt_at": d.next_attempt_at,
             "delivered_at": d.delivered_at, "created_at": d.created_at} for d in rows])
