"""The plugin host: plugins found in plugins/ and through entry points, their declarations, load problems."""
import importlib
import inspect
import sys
import textwrap

import pytest

from definitions import ActionCatalogue, ParamKind
from engine.actions import SPECS as ENGINE_ACTIONS
from extensions import registry
from extensions.checks import check_plugins
from extensions.errors import PluginLoadError, UnknownPlugin
from kernel.actions import SPECS as KERNEL_ACTIONS

SHIPPED_ACTIONS = ["commission.accrue", "commission.claw_back", "commission.release", "points.award",
                   "points.redeem", "points.reverse", "pricing.freeze_rules", "pricing.quote", "pricing.settle_area"]


@pytest.fixture
def rediscover(settings):
    """Find plugins again under this test's settings, and forget them afterwards."""
    registry.reset()
    yield settings
    registry.reset()


def test_the_shipped_plugins_are_found_in_the_plugins_folder():
    found = {p.name: (p.info.title_zh, p.module) for p in registry.plugins()}

    assert found == {"commission": ("佣金", "plugins.commission.plugin"),
                     "points": ("会员积分", "plugins.points.plugin"),
                     "pricing": ("定价", "plugins.pricing.plugin")}


def test_every_plugin_action_is_declared_with_typed_parameters_and_its_provider():
    specs = {spec.name: spec for spec in registry.action_specs()}

    assert sorted(specs) == SHIPPED_ACTIONS
    assert {name: spec.provider for name, spec in specs.items()} == {name: name.split(".")[0] for name in specs}
    assert {k: (p.kind, p.required) for k, p in specs["pricing.quote"].params.items()} == {
        "unit": (ParamKind.EXPRESSION, True), "into": (ParamKind.FIELD, True),
        "payment_plan": (ParamKind.EXPRESSION, False), "discounts": (ParamKind.EXPRESSION, False),
        "manual_discount": (ParamKind.EXPRESSION, False), "approved": (ParamKind.EXPRESSION, False),
        "deal_price_into": (ParamKind.FIELD, False), "list_price_into": (ParamKind.FIELD, False),
        "trade_in_credit": (ParamKind.EXPRESSION, False), "lease_credit": (ParamKind.EXPRESSION, False)}
    assert specs["points.award"].params["rule"].schema == {"enum": ["purchase", "referral", "event"]}


def test_implementations_follow_the_kernel_calling_contract():
    implementations = registry.implementations()

    assert sorted(implementations) == SHIPPED_ACTIONS
    for name, fn in implementations.items():
        params = list(inspect.signature(fn).parameters.values())
        assert params[0].name == "ctx", name
        assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params[1:]), name
        declared = set(next(s for s in registry.action_specs() if s.name == name).params)
        assert {p.name for p in params[1:]} == declared, name


def test_plugin_actions_join_the_kernel_and_engine_actions_without_a_clash():
    catalogue = ActionCatalogue.of(KERNEL_ACTIONS + ENGINE_ACTIONS + registry.action_specs())

    assert set(SHIPPED_ACTIONS) <= set(catalogue.names())


def test_an_unknown_plugin_name_suggests_the_nearest():
    with pytest.raises(UnknownPlugin) as unknown:
        registry.rule_schema("pricng")

    assert str(unknown.value) == "no plugin named 'pricng' is installed; did you mean 'pricing'?"


def test_rule_schema_is_a_copy_the_caller_may_change():
    registry.rule_schema("pricing")["properties"].clear()

    assert "basis" in registry.rule_schema("pricing")["properties"]


def install_distribution(tmp_path, monkeypatch, module: str, source: str, entry_point: str | None = None) -> None:
    """A separately packaged plugin, as pip would install it: a module plus its dist-info with an entry point."""
    (tmp_path / f"{module}.py").write_text(textwrap.dedent(source), encoding="utf-8")
    info = tmp_path / f"{module}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module.replace('_', '-')}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[platform.plugins]\n{entry_point or module} = {module}\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, module, raising=False)
    importlib.invalidate_caches()


ACME = """
    from extensions.api import ActionSpec, ParamKind, ParamSpec, PluginAction, PluginInfo, hookimpl

    def bonus(ctx, *, amount):
        ctx.changes["acme_bonus"] = str(amount)

    @hookimpl
    def plugin_info():
        return PluginInfo("acme_bonus", "ACME bonus", "ACME 奖励")

    @hookimpl
    def plugin_actions():
        return [PluginAction(ActionSpec("acme_bonus.grant", {"amount": ParamSpec(ParamKind.EXPRESSION)}), bonus)]

    @hookimpl
    def plugin_rule_schema():
        return {"type": "object", "required": ["rate"], "properties": {"rate": {"type": "string", "format": "decimal"}}}
"""


def test_a_clients_plugin_installed_as_a_package_is_found_through_its_entry_point(rediscover, tmp_path, monkeypatch):
    install_distribution(tmp_path, monkeypatch, "acme_bonus", ACME)

    acme = registry.plugin("acme_bonus")

    assert acme.origin == "entry point acme_bonus = acme_bonus (acme-bonus 1.0)"
    assert "acme_bonus.grant" in registry.implementations()
    assert next(s for s in registry.action_specs() if s.name == "acme_bonus.grant").provider == "acme_bonus"
    assert [p.render() for p in registry.validate_rules("acme_bonus", {"rate": 3})] == [
        "rate: expected a text, got a whole number"]
    assert len(registry.plugins()) == 4


@pytest.mark.parametrize("source, entry_point, problem", [
    ("raise RuntimeError('no licence file')", None,
     "plugin 'broken' from entry point broken = broken (broken 1.0) failed to load: RuntimeError: no licence file"),
    (ACME, "other_name",
     "plugin 'other_name' (entry point other_name = broken (broken 1.0)): plugin_info() names it 'acme_bonus'; "
     "the package or entry point must have the same name"),
    (ACME.replace("def plugin_actions", "def plugin_actoins"), "acme_bonus",
     "plugin 'acme_bonus': unknown hook 'plugin_actoins' in plugin <module 'broken'"),
    (ACME.replace('"acme_bonus.grant"', '"grant"').replace('"acme_bonus", "ACME', '"broken", "ACME'), None,
     "plugin 'broken' (entry point broken = broken (broken 1.0)): action 'grant' must be named broken.<verb>"),
    (ACME.replace('"acme_bonus.grant"', '"pricing.quote"').replace('"acme_bonus", "ACME', '"pricing2", "ACME'),
     "pricing2", "action 'pricing.quote' must be named pricing2.<verb>"),
    (ACME.replace('"acme_bonus", "ACME', '"unit", "ACME'), "unit",
     "the name must be lowercase letters, digits and _ (not one of engine, kernel, payment, queue, record, unit)"),
])
def test_a_plugin_that_cannot_be_used_is_reported_by_name(rediscover, tmp_path, monkeypatch, source, entry_point,
                                                          problem):
    install_distribution(tmp_path, monkeypatch, "broken", source, entry_point)

    with pytest.raises(PluginLoadError) as failed:
        registry.plugins()

    assert len(failed.value.problems) == 1
    assert problem in failed.value.problems[0]
    assert [m.id for m in check_plugins()] == ["plugins.E001"]


def test_a_disabled_plugin_is_not_loaded(rediscover, tmp_path, monkeypatch):
    install_distribution(tmp_path, monkeypatch, "broken", "raise RuntimeError('never imported')")
    rediscover.PLATFORM_DISABLED_PLUGINS = ["broken", "points"]

    assert [p.name for p in registry.plugins()] == ["commission", "pricing"]


def test_one_action_is_looked_up_by_name():
    assert registry.implementation("commission.accrue") is registry.implementations()["commission.accrue"]
    assert registry.implementation("commission.nothing") is None
