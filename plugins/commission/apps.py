from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommissionConfig(AppConfig):
    name = "plugins.commission"
    label = "commission"
    verbose_name = _("Commission")

    def ready(self) -> None:
        from extensions.signals import deal_rules_changed

        deal_rules_changed.connect(_rules_applied, dispatch_uid="commission.rules_applied")


def _rules_applied(sender, *, project_id: int, plugin: str, record_ids, revision: int, now, **_) -> None:
    """An admin gave newer commission rules to open deals: their entries are reworked in the same transaction."""
    if plugin != "commission":
        return
    from .ledger import apply_revision

    apply_revision(project_id=project_id, record_ids=record_ids, revision=revision, now=now)
