from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "web"
    verbose_name = _("Staff pages")

    def ready(self) -> None:
        # the long-list export job builds its table with the lists' own queries (web.tasks says why it is handed over)
        from . import tasks
        from .views.list_tables import job_table

        tasks.build_tables_with(job_table)
