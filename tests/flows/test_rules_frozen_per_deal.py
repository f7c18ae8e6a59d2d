"""Through the shipped flows: a contract keeps the pricing rules in force when it was signed (its
`sign` step freezes them), so narrowing the area-settlement band later does not re-settle it; a
contract signed after the change settles under the new band (issue 20 item 3)."""
import copy

from extensions.models import DealRules
from extensions.rulesets import publish_rules
from kernel.models import Project

from .conftest import PRICING
from .steps import filed_contract, survey


def narrowed_band() -> dict:
    config = copy.deepcopy(PRICING)
    config.setdefault("area_settlement", {})["band"] = "0.01"
    return config


def test_a_contract_signed_before_the_band_narrows_is_settled_under_the_old_band(world, customers):
    # given: a contract signed and filed under the 3 % band
    p, u, units = world
    before = filed_contract(p, u, units[7], customers["c8"])

    # when: the band is narrowed to 1 % (from now), then both this and a newly signed contract are surveyed at +2 %
    publish_rules(Project.objects.get(pk=p.pk), "pricing", narrowed_band())
    after = filed_contract(p, u, units[8], customers["c9"])
    old_terms = survey(u, before, "102.00").data["settlement"]
    new_terms = survey(u, after, "102.00").data["settlement"]

    # then: the first is inside its 3 % band (2 m² at P, no cancelling); the second is beyond the new 1 %
    assert (old_terms["rules_revision"], old_terms["rule"]["band"]) == (1, "0.03")
    assert (old_terms["buyer_pays"], old_terms["developer_bears"], old_terms["may_cancel"]) == (
        "40000.00", "0.00", False)
    assert (new_terms["rules_revision"], new_terms["rule"]["band"]) == (2, "0.01")
    assert (new_terms["buyer_pays"], new_terms["developer_bears"], new_terms["may_cancel"]) == (
        "20000.00", "20000.00", True)
    # frozen on each contract at its signing
    assert sorted(DealRules.objects.filter(plugin="pricing").values_list("record_id", "rule_revision__revision")) \
        == sorted([(before.parent_id, 1), (after.parent_id, 2)])
