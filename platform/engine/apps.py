from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EngineConfig(AppConfig):
    name = "engine"
    verbose_name = _("Flows")

    def ready(self) -> None:
        from . import checks  # noqa: F401  registers the configuration check
