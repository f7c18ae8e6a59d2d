"""Deals accrued before rules were frozen per deal: their revision recorded as `extensions.DealRules`.

Each deal already kept its `rules_revision`; this lists it where `rules apply-to-open`
looks, open while the deal's commission is neither payable nor cancelled.
"""
from django.db import migrations


def bind_existing_deals(apps, schema_editor):
    Deal = apps.get_model("commission", "CommissionDeal")
    RuleRevision = apps.get_model("extensions", "RuleRevision")
    DealRules = apps.get_model("extensions", "DealRules")
    revisions = {(r.project_id, r.revision): r.pk
                 for r in RuleRevision.objects.filter(plugin="commission").only("project_id", "revision")}
    rows = []
    for deal in Deal.objects.all().order_by("pk"):
        revision_id = revisions.get((deal.project_id, deal.rules_revision))
        if revision_id is None:  # a revision the history lost: the deal is worked out under the rules in force
            continue
        rows.append(DealRules(project_id=deal.project_id, plugin="commission", record_id=deal.record_id,
                              reference=deal.reference, rule_revision_id=revision_id, decided_at=deal.signed_at,
                              closed_at=deal.cancelled_at or deal.released_at))
    DealRules.objects.bulk_create(rows, ignore_conflicts=True)


class Migration(migrations.Migration):

    dependencies = [
        ("commission", "0002_deal_kind"),
        ("extensions", "0002_rule_revisions_and_deal_rules"),
    ]

    operations = [migrations.RunPython(bind_existing_deals, migrations.RunPython.noop)]
