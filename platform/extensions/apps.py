from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExtensionsConfig(AppConfig):
    name = "extensions"
    verbose_name = _("Plugins and rules")

    def ready(self) -> None:
        from . import checks  # noqa: F401  registers the plugin and rule checks
