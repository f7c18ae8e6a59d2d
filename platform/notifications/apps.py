from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # the engine's domain events (kernel.events), turned into notifications after commit
        from kernel import events

        from . import checks  # noqa: F401  # the deploy check of PLATFORM_SITE_URL
        from .tasks import on_event

        events.listen(on_event)
