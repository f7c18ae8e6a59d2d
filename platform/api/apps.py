from django.apps import AppConfig
from django.contrib.staticfiles.apps import StaticFilesConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    default = True  # apps.py also holds StaticFiles below: this is the app's own config
    name = "api"
    verbose_name = _("REST API")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from kernel import events

        from . import (
            schema,  # noqa: F401  (registers the token's OpenAPI description)
            webhooks,
        )

        events.listen(webhooks.on_event)
        from django.db.models.signals import post_delete, post_save

        from .models import WebhookSubscription

        post_save.connect(webhooks.subscription_changed, sender=WebhookSubscription, dispatch_uid="webhook-kinds")
        post_delete.connect(webhooks.subscription_changed, sender=WebhookSubscription, dispatch_uid="webhook-kinds-d")


class StaticFiles(StaticFilesConfig):
    """Django's static files, less what the API does not serve, which collectstatic would otherwise copy, hash and
    compress on every deploy (tens of seconds): Redoc's (5 MB the sidecar ships; /api/docs/ offers Swagger UI
    only) and DRF's browsable API's (the API answers JSON; Swagger UI is its page). Swagger UI's source maps stay:
    its files name them, and the manifest storage refuses a file naming one that is missing."""

    ignore_patterns = [*StaticFilesConfig.ignore_patterns, "redoc", "rest_framework"]
