from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "documents"
    verbose_name = _("Printed documents")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # a receipt for every payment the ledger takes, issued after its transaction commits
        from . import tasks

        tasks.connect()
