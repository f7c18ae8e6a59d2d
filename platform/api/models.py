"""API tokens (hashed at rest, scoped, revocable), the responses kept for Idempotency-Key retries, and webhooks."""
from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

TOKEN_PREFIX = "rep_"  # recognisable in a leaked log or a secret scanner


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class Scope(models.TextChoices):
    READ = "read", _("Read only")
    WRITE = "write", _("Read and write")


class ApiToken(models.Model):
    """A personal or service token: acts as its user, never beyond the user's roles, the projects and the scope."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100, help_text=_("What the token is for, e.g. the bank's system."))
    secret_hash = models.CharField(max_length=64, unique=True, editable=False)
    hint = models.CharField(_("starts with"), max_length=12, editable=False,
                            help_text=_("The first characters of the secret, to tell tokens apart."))
    projects = models.ManyToManyField("kernel.Project", blank=True, related_name="+", verbose_name=_("projects"),
                                      help_text=_("Leave empty for every project the user is a member of."))
    scope = models.CharField(_("scope"), max_length=8, choices=Scope.choices, default=Scope.READ)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    # the projects it is narrowed to, read once per request (api.auth); empty: every project of the user
    project_ids: frozenset[int] = frozenset()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.hint}…)"

    @classmethod
    def issue(cls, user, name: str, *, scope: str = Scope.READ, projects=()) -> tuple[ApiToken, str]:
        """A new token and its secret; the secret is shown once and only its sha256 is kept."""
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name.strip()[:100], scope=scope, secret_hash=digest(secret),
                                   hint=secret[:len(TOKEN_PREFIX) + 6])
        if projects:
            token.projects.set(projects)
        return token, secret

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    @property
    def may_write(self) -> bool:
        return self.scope == Scope.WRITE


class IdempotentResponse(models.Model):
    """The first response to a write sent with an Idempotency-Key, replayed for 24 hours to its retries.

    In the database rather than the cache: every web process sees it, and it survives a restart.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=500)
    request_hash = models.CharField(max_length=64, help_text=_("sha256 of the method, path and body"))
    status = models.PositiveSmallIntegerField()
    body = models.BinaryField()
    content_type = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="api_idempotency_unique")]
        indexes = [models.Index(fields=["created_at"], name="api_idempotency_age_idx")]


def new_webhook_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


class WebhookSubscription(models.Model):
    """A project's subscription: events of the chosen kinds are POSTed, signed, to the target URL.

    The secret is kept as it is (not hashed): the platform needs it to sign every delivery.
    It is shown in full once, when the subscription is made.
    """

    project = models.ForeignKey("kernel.Project", on_delete=models.CASCADE, related_name="+",
                                verbose_name=_("project"))
    name = models.CharField(_("name"), max_length=100, help_text=_("What receives it, e.g. the finance system."))
    url = models.URLField(_("target URL"), max_length=500)
    kinds = models.JSONField(_("events"), default=list)
    secret = models.CharField(max_length=80, default=new_webhook_secret, editable=False)
    # after a rotation the old secret still signs (beside the new one) until previous_secret_expires_at,
    # so the receiver can switch without losing an event (docs/api.md)
    previous_secret = models.CharField(max_length=80, blank=True, editable=False)
    previous_secret_expires_at = models.DateTimeField(_("old secret valid until"), null=True, blank=True)
    secret_rotated_at = models.DateTimeField(_("secret rotated at"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["project", "active"], name="api_webhook_project_idx")]

    def __str__(self) -> str:
        return f"{self.name} → {self.url}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Gave up")


class WebhookDelivery(models.Model):
    """One event for one subscription, and how sending it went (the delivery log)."""

    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.UUIDField(_("event id"))
    kind = models.CharField(_("event"), max_length=40)
    payload = models.JSONField(encoder=DjangoJSONEncoder)  # Decimals as strings, times ISO 8601 with offset
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    status = models.CharField(_("status"), max_length=10, choices=DeliveryStatus.choices,
                              default=DeliveryStatus.PENDING)
    response_code = models.PositiveSmallIntegerField(_("response code"), null=True, blank=True)
    response_excerpt = models.CharField(_("response"), max_length=500, blank=True)
    # the last attempt was not sent: the target resolved to this non-public address (api.targets)
    refused_address = models.GenericIPAddressField(_("refused address"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["subscription", "event_id"], name="api_webhook_event_unique")]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="api_webhook_due_idx")]
