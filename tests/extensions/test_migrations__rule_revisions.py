"""The data migrations that put rules saved before effective dates on the timeline (extensions 0002,
commission 0003): what was in force at a past moment stays what it was."""
import importlib
from datetime import datetime
from decimal import Decimal as D
from zoneinfo import ZoneInfo

from django.apps import apps
from django.contrib.auth import get_user_model

from extensions.models import DealRules, RuleRevision, RuleSet
from extensions.rulesets import publish_rules, rules_for
from kernel.models import Project
from plugins.commission.models import CommissionDeal

SHANGHAI = ZoneInfo("Asia/Shanghai")
extensions_0002 = importlib.import_module("extensions.migrations.0002_rule_revisions_and_deal_rules")
commission_0003 = importlib.import_module("plugins.commission.migrations.0003_deal_rules")


def _as_before_the_migration(saved_at: list[datetime]) -> None:
    """No revision rows, and the history dated as if each save had happened at `saved_at`."""
    RuleRevision.objects.all().delete()
    for row, moment in zip(RuleSet.history.order_by("history_id"), saved_at):
        RuleSet.history.filter(history_id=row.history_id).update(history_date=moment)


def test_each_saved_revision_is_in_force_from_when_it_was_saved(db):
    # given: commission rules saved twice, in March and in May, before revisions had dates
    project = Project.objects.create(code="MIG", name="Migrated")
    publish_rules(project, "commission", {"payable": {"collected_share": "0.30"}})
    publish_rules(project, "commission", {"payable": {"collected_share": "0.20"}})
    march, may = datetime(2026, 3, 1, 9, 0, tzinfo=SHANGHAI), datetime(2026, 5, 1, 9, 0, tzinfo=SHANGHAI)
    _as_before_the_migration([march, may])

    # when
    extensions_0002.revisions_from_history(apps, None)

    # then: April reads the March rules, June the May ones
    assert list(RuleRevision.objects.order_by("revision").values_list("revision", "valid_from")) \
        == [(1, march), (2, may)]
    assert rules_for(project.pk, "commission", datetime(2026, 4, 1, tzinfo=SHANGHAI)).config \
        == {"payable": {"collected_share": "0.30"}}
    assert rules_for(project.pk, "commission", datetime(2026, 6, 1, tzinfo=SHANGHAI)).revision == 2


def test_commission_deals_accrued_before_are_listed_at_their_revision_open_until_payable(db):
    # given: two deals at revision 1, one of them already payable
    project = Project.objects.create(code="MIG", name="Migrated")
    publish_rules(project, "commission", {"payable": {"collected_share": "0.30"}})
    signed = datetime(2026, 5, 12, 10, 0, tzinfo=SHANGHAI)
    consultant = get_user_model().objects.create_user("li.na", password="x")
    for record_id, released in ((1, None), (2, signed)):
        CommissionDeal.objects.create(project=project, record_id=record_id, reference=f"CON-{record_id:06d}",
                                      contract_amount=D("2000000.00"), consultant=consultant, signed_at=signed,
                                      month=signed.date().replace(day=1), rules_revision=1, released_at=released)

    # when
    commission_0003.bind_existing_deals(apps, None)

    # then
    assert list(DealRules.objects.order_by("record_id").values_list(
        "record_id", "rule_revision__revision", "decided_at", "closed_at")) == [(1, 1, signed, None),
                                                                              (2, 1, signed, signed)]
