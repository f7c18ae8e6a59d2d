"""The kernel's refusals and their one catalogue: each class a code and an English template, its Chinese
in the zh_Hans catalogue with the same parameters; the engine's refusals of the same names are the
kernel's; one language rule for both families."""
from __future__ import annotations

import ast
import importlib
import pkgutil
import re
import string
from pathlib import Path

import pytest
from django.utils import translation

import engine
import extensions
import kernel
import plugins
from engine.runtime import errors as engine_errors
from engine.runtime.transitions import ProtectedStep
from kernel import errors as kernel_errors
from kernel.errors import KernelError

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "platform/locale/zh_Hans/LC_MESSAGES/django.po"


def _import_all() -> None:
    """Every module that may define a refusal: the kernel, the plugin host, the plugins and the engine."""
    for package in (kernel, extensions, plugins, engine):
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if not re.search(r"\.(migrations|management)(\.|$)", info.name):
                importlib.import_module(info.name)


def _subclasses(cls: type) -> list[type]:
    out = []
    for sub in cls.__subclasses__():
        out += [sub, *_subclasses(sub)]
    return out


_import_all()
REFUSALS = sorted({KernelError, *_subclasses(KernelError)}, key=lambda c: f"{c.__module__}.{c.__qualname__}")
WITH_TEMPLATE = [c for c in REFUSALS if "template" in c.__dict__]


def _names(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def _plain(names: set[str]) -> set[str]:
    """Parameter names without their language: `roles_en` and `roles_zh` are both `roles`."""
    return {re.sub(r"_(en|zh)$", "", name) for name in names}


def _chinese(template: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(template)


def _given_names() -> set[str]:
    """Every keyword argument and every string dict key in the source: what a raise site can pass."""
    names: set[str] = set()
    for top in ("platform", "plugins"):
        for path in (ROOT / top).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.keyword) and node.arg:
                    names.add(node.arg)
                elif isinstance(node, ast.Dict):
                    names |= {k.value for k in node.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)}
    return names


GIVEN = _given_names()


def test_the_refusals_are_found():
    # given every module of the kernel, the plugin host, the plugins and the engine imported
    names = {c.__name__ for c in REFUSALS}
    # then the refusals of each are among them (so the checks below see them all)
    assert {"UnitUnavailable", "NotPermitted", "CustomerProtected", "FollowUpNoteMissing", "NoticeNotYours",
            "PluginError", "NoListPrice", "PointsInsufficient", "ClawbackOutstanding"} <= names
    assert len(WITH_TEMPLATE) >= 69


@pytest.mark.parametrize("cls", REFUSALS, ids=lambda c: c.__qualname__)
def test_each_refusal_has_a_code_and_one_english_template(cls):
    assert re.fullmatch(r"[a-z][a-z0-9_]*", cls.code), cls.code
    assert cls is KernelError or cls.code != KernelError.code
    # one template, the msgid: the Chinese is the catalogue's, no longer a second template on the class
    assert not {"template_en", "template_zh"} & set(vars(cls)), "the Chinese goes into the catalogue"
    assert isinstance(cls.template, str) and cls.template.strip()


def test_codes_are_unique():
    owners: dict[str, list[str]] = {}
    for cls in REFUSALS:
        inherited = {getattr(base, "code", None) for base in cls.__mro__[1:]}
        if cls.code not in inherited:  # a subclass keeping its parent's code is the same refusal said otherwise
            owners.setdefault(cls.code, []).append(f"{cls.__module__}.{cls.__qualname__}")
    assert {code: names for code, names in owners.items() if len(names) > 1} == {}


@pytest.mark.parametrize("cls", WITH_TEMPLATE, ids=lambda c: c.__qualname__)
def test_each_template_has_its_params_given_and_a_chinese_translation(cls):
    given = GIVEN
    # given the template and its Chinese in the catalogue
    english = cls.template
    chinese = _chinese(english)
    names = _names(english)
    # then every placeholder is a plain name that some raise site or constructor passes
    assert all(re.fullmatch(r"[a-z_][a-z0-9_]*", n) for n in names | _names(chinese)), (names, _names(chinese))
    assert names <= given | {"value_en", "value_zh"}, names - given
    # and the catalogue has a Chinese that differs from the English and says the same things
    assert chinese != english, f"no Chinese for {english!r} in {CATALOGUE.name}"
    assert _plain(_names(chinese)) == _plain(names)
    assert _names(chinese) <= given | {"value_en", "value_zh"}
    # and both come out whole with dummy params (no stray brace, no parameter missing)
    dummy = {n: f"<{n}>" for n in names | _names(chinese)}
    assert "{" not in english.format(**dummy) and "{" not in chinese.format(**dummy)


@pytest.mark.parametrize("cls", WITH_TEMPLATE, ids=lambda c: c.__qualname__)
def test_message_renders_from_the_catalogue_in_either_language(cls):
    # given a refusal of the class with dummy params
    names = _names(cls.template) | _names(_chinese(cls.template))
    dummy = {n: f"<{n}>" for n in names}
    refusal = cls.__new__(cls)
    KernelError.__init__(refusal, **dummy)  # the base's own way, whatever the class's constructor takes
    # then each language reads its own text, any other language English
    assert refusal.message("en") == refusal.message_en == str(refusal) == cls.template.format(**dummy)
    assert refusal.message("zh-hans") == refusal.message_zh == _chinese(cls.template).format(**dummy)
    assert refusal.message("zh-cn") == refusal.message_zh
    assert refusal.message("fr") == refusal.message(None) == refusal.message_en


def test_messages_keep_their_exact_wording():
    refusal = kernel_errors.UnitUnavailable.held_by("A-1201", "SUB-000007")
    assert refusal.message_en == "unit A-1201 is no longer available (held by SUB-000007)"
    assert refusal.message_zh == "房源 A-1201 已不可售（已被 SUB-000007 锁定）"
    typed = kernel_errors.InvalidAmount(value="  ", name="deal_price")
    assert typed.message("zh-hans") == "deal_price 应为最多两位小数的正数金额，例如 5000.00；实际为 空值"
    assert typed.message("en").endswith("e.g. 5000.00; got nothing")


def test_one_language_rule_for_kernel_and_engine_refusals():
    kernel_refusal = kernel_errors.QueueBatchClosed(batch="A")
    engine_refusal = engine_errors.RecordChanged("SUB-000001")
    for language, chinese in [("zh-hans", True), ("zh-hant", True), ("zh", True), ("en", False),
                              ("en-gb", False), ("fr", False), ("", False), (None, False)]:
        assert kernel_refusal.message(language) == (kernel_refusal.message_zh if chinese else kernel_refusal.message_en)
        assert engine_refusal.message(language) == (engine_refusal.zh if chinese else engine_refusal.en)
        assert kernel_errors.speaks_chinese(language) is chinese


def _protection() -> kernel_errors.CustomerProtected:
    return kernel_errors.CustomerProtected(name="张伟", consultant="Wang", project="K1", until="2026-05-31 10:00",
                                           until_en="2026-05-31 10:00 (Asia/Shanghai)",
                                           until_zh="2026年5月31日 10:00（北京时间）")


def test_the_engines_customer_protected_is_the_kernels():
    # given the kernel's refusal met by a step, and by a step whose form was submitted
    kernel_refusal = _protection()
    for raised in (engine_errors.CustomerProtected(kernel_refusal),
                   ProtectedStep(engine_errors.CustomerProtected(kernel_refusal))):
        # then the kernel's class catches it, with the kernel's code, params and words
        with pytest.raises(kernel_errors.CustomerProtected) as caught:
            raise raised
        assert caught.value.code == "customer_protected"
        assert caught.value.params == kernel_refusal.params
        assert caught.value.message("zh-hans") == kernel_refusal.message_zh == (
            "客户 张伟 在 K1 由 Wang 保护至 2026年5月31日 10:00（北京时间），请联系Wang或销售经理")
        assert caught.value.message("en") == kernel_refusal.message_en
        # and it is still one of the engine's refusals, a NotPermitted among them
        assert isinstance(raised, engine_errors.NotPermitted) and isinstance(raised, engine_errors.EngineError)
        assert (raised.en, raised.zh) == (kernel_refusal.message_en, kernel_refusal.message_zh)


def test_the_engines_unit_unavailable_is_the_kernels():
    kernel_refusal = kernel_errors.UnitUnavailable.in_status("A-1201", "sold", "已售")
    with pytest.raises(kernel_errors.UnitUnavailable) as caught:
        raise engine_errors.UnitUnavailable(kernel_refusal)
    assert isinstance(caught.value, engine_errors.EngineError)
    assert caught.value.code == "unit_unavailable" and caught.value.params == kernel_refusal.params
    assert caught.value.message("zh-hans") == "房源 A-1201 已不可售（已售）"


def test_both_not_permitted_are_permission_refusals():
    kernel_refusal = kernel_errors.NotPermitted(roles=["sales_manager"], action="merging customers",
                                                action_zh="合并客户", project="K1")
    engine_refusal = engine_errors.NotPermitted("vote on this approval", ["sales_manager"])
    for refusal in (kernel_refusal, engine_refusal, _protection()):
        with pytest.raises(kernel_errors.PermissionRefusal):
            raise refusal
    assert kernel_refusal.message("zh-hans") == "合并客户需要在 K1 担任以下角色之一：销售经理"
    assert engine_refusal.message("zh-hans") == "您无权对该审批投票：需要角色「销售经理」"
    assert not isinstance(engine_refusal, KernelError)  # one family (Refusal), two branches: kernel and engine
