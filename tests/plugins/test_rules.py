"""Rule configurations: checked against each plugin's schema and its own checks, rejected with paths."""
import copy
import io
import re
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import translation

from extensions import registry
from extensions.checks import check_stored_rules
from extensions.errors import InvalidRules
from extensions.models import RuleSet
from extensions.rulesets import publish_rules, rules_for

from .conftest import example_rules


@pytest.mark.parametrize("plugin", ["pricing", "commission", "points"])
def test_the_example_rules_of_every_shipped_plugin_are_valid(plugin):
    assert registry.validate_rules(plugin, example_rules(plugin)) == []


def changed(plugin: str, change) -> dict:
    config = copy.deepcopy(example_rules(plugin))
    change(config)
    return config


INVALID = [
    ("pricing", {}, ["(root): missing required key 'basis'"]),
    ("pricing", changed("pricing", lambda c: c.update(basis="per_m2")),
     ["basis: must be one of built_area, inner_area, unit, got 'per_m2'"]),
    ("pricing", changed("pricing", lambda c: c.update(base_price=D("20000.5"), colour="red")),
     ["base_price: expected a text, got a number", "colour: unknown key 'colour'"]),
    ("pricing", changed("pricing", lambda c: c.update(base_price="20000.555")),
     ["base_price: '20000.555' is not a 'money'"]),
    ("pricing", changed("pricing", lambda c: c["discounts"][1].update(multiplier="1.2")),
     ["discounts[1].multiplier: must be more than 0 and at most 1 (the share kept: 0.98 is 2 % off)"]),
    ("pricing", changed("pricing", lambda c: c["discounts"][3].update(code="launch")),
     ["discounts[3].code: 'launch' is already discounts[2]"]),
    ("pricing", changed("pricing", lambda c: c["discounts"][0].update(payment_plans=["cash"])),
     ["discounts[0].payment_plans[0]: must be one of full, installments, commercial_mortgage, provident_fund, "
      "combined, got 'cash'"]),
    ("pricing", changed("pricing", lambda c: c["floor_coefficients"][1].update({"from": 5})),
     ["floor_coefficients[1].from: overlaps the band before it: list bands from the lowest floor up, without "
      "overlap"]),
    ("pricing", changed("pricing", lambda c: c["manual_discount"].update(maximum="0.04")),
     ["manual_discount.maximum: is below countersign_above"]),
    ("pricing", changed("pricing", lambda c: c["area_settlement"].update(band="0")),
     ["area_settlement.band: must be between 0 and 1 (0.03 is 3 %)"]),
    ("commission", changed("commission", lambda c: c.pop("payable")), ["(root): missing required key 'payable'"]),
    ("commission", changed("commission", lambda c: c["consultant"].update(mode="stepped")),
     ["consultant.mode: must be one of whole_bracket, progressive, got 'stepped'"]),
    ("commission", changed("commission", lambda c: c["consultant"]["tiers"][1].update({"from": 7})),
     ["consultant.tiers[1].from: must be 6, so that tiers follow on without a gap or overlap"]),
    ("commission", changed("commission", lambda c: c["consultant"]["tiers"][2].update(to=20)),
     ["consultant.tiers[2].to: the last tier must have no 'to', so every count has a rate"]),
    ("commission", changed("commission", lambda c: c["payable"].update(collected_share="1.5")),
     ["payable.collected_share: must be between 0 and 1 (0.30 is 30 %)"]),
    ("commission", changed("commission", lambda c: c["channels"][1].update(code="agency_a", rate="1")),
     ["channels[1].code: 'agency_a' is already channels[0]",
      "channels[1].rate: must be at least 0 and below 1 (0.015 is 1.5 %)"]),
    ("points", changed("points", lambda c: c["levels"][0].update({"from": 100})),
     ["levels[0].from: the first level must start at 0, so every member has one"]),
    ("points", changed("points", lambda c: c["levels"][2].update({"from": 5000})),
     ["levels[2].from: must be above the level before it (5000)"]),
    ("points", changed("points", lambda c: c.update(expiry_days=0)), ["expiry_days: 0 is out of range (minimum 1)"]),
    ("points", changed("points", lambda c: c["levels"].append({**c["levels"][0], "from": 90000})),
     ["levels[4].code: 'member' is already levels[0]"]),
    ("points", changed("points", lambda c: c["purchase"].update(yuan_per_point="0.00")),
     ["purchase.yuan_per_point: must be more than 0"]),
]


@pytest.mark.parametrize("plugin, config, problems", INVALID)
def test_invalid_rules_are_rejected_with_their_paths(plugin, config, problems):
    found = registry.validate_rules(plugin, config)

    assert [f"{p.path_text or '(root)'}: {p.message()}" for p in found] == problems


def test_problems_read_in_chinese_too():
    config = changed("commission", lambda c: c["consultant"]["tiers"][1].update({"from": 7}))

    assert [p.render("zh") for p in registry.validate_rules("commission", config)] == [
        "consultant.tiers[1].from: 应为 6，档位须首尾相接、不重叠"]


def test_saving_invalid_rules_is_refused_and_stores_nothing(project):
    config = changed("points", lambda c: c.update(expiry_days=0))

    with pytest.raises(InvalidRules) as refused, translation.override("en"):
        RuleSet(project=project, plugin="points", config=config).save()
    with pytest.raises(InvalidRules) as refused_zh, translation.override("zh-hans"):
        RuleSet(project=project, plugin="points", config=config).save()

    assert refused.value.message_dict == {"config": ["expiry_days: 0 is out of range (minimum 1)"]}
    assert refused_zh.value.message_dict == {"config": ["expiry_days: 0 超出范围（最小值 1）"]}
    assert not RuleSet.objects.exists()


def test_clean_names_an_unknown_plugin(project):
    with pytest.raises(ValidationError) as refused, translation.override("en"):
        RuleSet(project=project, plugin="bonus", config={}).full_clean()
    with pytest.raises(ValidationError) as refused_zh, translation.override("zh-hans"):
        RuleSet(project=project, plugin="pointz", config={}).full_clean()

    assert refused.value.message_dict == {"plugin": ["no plugin named 'bonus' is installed"]}
    assert refused_zh.value.message_dict == {"plugin": ["未安装名为 'pointz' 的插件；是否应为 'points'？"]}


def test_publishing_makes_a_new_revision_the_actions_read(project):
    first = publish_rules(project, "commission", example_rules("commission"))
    second = publish_rules(project, "commission", changed("commission", lambda c: c.update(referral_bonus="8000.00")))

    rules = rules_for(project.pk, "commission")
    assert (first.pk, first.revision, second.revision) == (second.pk, 1, 2)
    assert (rules.revision, rules.config["referral_bonus"]) == (2, "8000.00")
    assert RuleSet.history.filter(plugin="commission").count() == 2


def test_rules_command_validates_files_with_line_numbers(tmp_path):
    bad = tmp_path / "pricing.yaml"
    bad.write_text("basis: built_area\nbase_price: 20000.5\ndiscounts:\n  - {code: full, title: x, multiplier: '2'}\n",
                   encoding="utf-8")
    out = io.StringIO()

    with pytest.raises(SystemExit) as exit_:
        call_command("rules", "validate", "pricing", str(bad), stdout=out)

    assert exit_.value.code == 1
    assert out.getvalue().splitlines() == [f"{bad}: base_price: expected a text, got a number (line 2)"]


def test_rules_command_publishes_and_shows_a_projects_rules(project, tmp_path):
    source = tmp_path / "points.json"
    source.write_text('{"levels": [{"code": "member", "title": "会员", "from": 0}], "expiry_days": 365}',
                      encoding="utf-8")
    out = io.StringIO()

    call_command("rules", "publish", "--project", "PLG", "points", str(source), stdout=out)
    call_command("rules", "show", "--project", "PLG", "points", stdout=out)

    lines = out.getvalue().splitlines()
    assert re.fullmatch(r"PLG: points rules revision 1 published, in force from \d{4}-\d\d-\d\d \d\d:\d\d "
                        r"Asia/Shanghai", lines[0])
    assert re.fullmatch(r"# revision 1: from (\S+ \S+ Asia/Shanghai), published \1 \(in force\)", lines[1])
    assert lines[2] == "# rules of revision 1:"
    assert lines[3:] == ['{', '  "expiry_days": 365,', '  "levels": [', '    {', '      "code": "member",',
                         '      "from": 0,', '      "title": "会员"', '    }', '  ]', '}']


def test_the_database_check_reports_stored_rules_a_plugin_upgrade_made_invalid(project):
    publish_rules(project, "points", example_rules("points"))
    RuleSet.objects.update(config={"levels": []})  # as if the schema had changed underneath

    messages = check_stored_rules(databases=["default"])

    assert [(m.id, m.msg) for m in messages] == [
        ("plugins.E003", "project PLG, points rules r1: levels: must have at least 1 item(s)")]


def test_saving_a_stale_copy_still_makes_the_next_revision(project):
    # given: two admins loaded revision 1
    publish_rules(project, "commission", example_rules("commission"))
    one, other = RuleSet.objects.get(), RuleSet.objects.get()

    # when: both save
    one.save()
    other.save()

    # then: consecutive revisions, not 2 twice
    assert (one.revision, other.revision, RuleSet.objects.get().revision) == (2, 3, 3)


def _admin(client):
    from accounts.models import User

    user = User.objects.create_superuser("root", password="x")
    client.force_login(user)
    return user


def test_the_admin_publishes_rules_validating_them_once(client, project, monkeypatch):
    import json

    from django.urls import reverse

    user = _admin(client)
    checked = []
    real = registry.validate_rules
    monkeypatch.setattr(registry, "validate_rules", lambda *a, **k: checked.append(a[0]) or real(*a, **k))
    form = {"project": project.pk, "plugin": "commission", "config": json.dumps(example_rules("commission"))}

    # when: added, then changed
    added = client.post(reverse("admin:extensions_ruleset_add"), form)
    saved = RuleSet.objects.get()
    changed_config = changed("commission", lambda c: c.update(referral_bonus="8000.00"))
    edited = client.post(reverse("admin:extensions_ruleset_change", args=[saved.pk]),
                         {"config": json.dumps(changed_config)})

    # then: one row, revision 2, by the admin, each save checked once
    assert (added.status_code, edited.status_code) == (302, 302)
    saved.refresh_from_db()
    assert (saved.revision, saved.updated_by, saved.config["referral_bonus"]) == (2, user, "8000.00")
    assert checked == ["commission", "commission"]
    assert RuleSet.history.count() == 2


def test_the_admin_shows_invalid_rules_next_to_the_field(client, project):
    import json

    from django.urls import reverse

    _admin(client)
    config = changed("points", lambda c: c.update(expiry_days=0))
    form = {"project": project.pk, "plugin": "points", "config": json.dumps(config)}

    response = client.post(reverse("admin:extensions_ruleset_add"), form, HTTP_ACCEPT_LANGUAGE="en")
    response_zh = client.post(reverse("admin:extensions_ruleset_add"), form, HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert (response.status_code, response_zh.status_code) == (200, 200)
    assert "expiry_days: 0 is out of range (minimum 1)" in response.content.decode()
    assert "expiry_days: 0 超出范围（最小值 1）" in response_zh.content.decode()
    assert not RuleSet.objects.exists()


@pytest.mark.parametrize("plugin", ["pricing", "commission", "points"])
def test_the_rule_schemas_are_read_by_the_kernels_one_loader(plugin):
    import importlib

    from kernel.schemas import cached_schema

    rules = importlib.import_module(f"plugins.{plugin}.rules")
    assert rules.schema() is cached_schema(rules.SCHEMA_PATH)
