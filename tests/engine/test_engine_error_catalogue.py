"""The engine's refusals from the one message catalogue (issue 23, item 2).

Every refusal of the engine, of publishing versions, of members changes and of documents is a
`kernel.errors.Refusal`: a code, params and one English template whose Chinese is in the zh_Hans
catalogue; one language rule for all of them; the words of real refusals unchanged.
"""
from __future__ import annotations

import ast
import importlib
import pkgutil
import re
import string
from pathlib import Path

import pytest
from django.utils import translation

import documents
import engine
from documents.issuing import DocumentError
from engine import members, versions
from engine.models import Task
from engine.runtime import TaskNotOpen, approvals, records, tasks, transitions
from engine.runtime import errors as engine_errors
from kernel import errors as kernel_errors
from kernel.errors import Refusal

ROOT = Path(__file__).resolve().parents[2]
GOOD = {"unit_id": 7, "price": "1000000.00", "discount_rate": "0.05"}
# The files whose raise sites say a template (kernel.errors' classes are checked by tests/kernel/test_error_catalogue.py)
RAISING = sorted([*(ROOT / "platform/engine").rglob("*.py"), ROOT / "platform/documents/issuing.py",
                  ROOT / "platform/web/views/members.py", ROOT / "platform/kernel/errors.py"])


def _import_all() -> None:
    for package in (engine, documents):
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if not re.search(r"\.(migrations|management)(\.|$)", info.name):
                importlib.import_module(info.name)


def _subclasses(cls: type[Refusal]) -> list[type[Refusal]]:
    out: list[type[Refusal]] = []
    for sub in cls.__subclasses__():
        out += [sub, *_subclasses(sub)]
    return out


_import_all()
# the refusals outside the kernel's own family (KernelError and its subclasses have their own test)
FAMILY = sorted({c for c in _subclasses(Refusal) if not issubclass(c, kernel_errors.KernelError) or
                 issubclass(c, engine_errors.EngineError)}, key=lambda c: f"{c.__module__}.{c.__qualname__}")
REFUSAL_NAMES = {c.__name__ for c in _subclasses(Refusal)} | {"cls"}


def _gettext_noop(node: ast.AST) -> str | None:
    """The msgid of a `gettext_noop("…")` call (implicitly joined literals included), else None."""
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "gettext_noop"
            and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
        return node.args[0].value
    return None


def _templates() -> dict[str, list[str]]:
    """msgid -> where it is used: every class `template` and every `gettext_noop` of the raising files."""
    found: dict[str, list[str]] = {}
    for path in RAISING:
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            msgid = _gettext_noop(node)
            # %(name)s ones are page words, not refusal templates
            if isinstance(node, ast.Call) and msgid is not None and "%(" not in msgid:
                found.setdefault(msgid, []).append(f"{path.relative_to(ROOT)}:{node.lineno}")
    for cls in FAMILY:
        if "template" in vars(cls):
            found.setdefault(cls.template, []).append(cls.__qualname__)
    return found


def _raise_sites() -> list[tuple[str, str, set[str], str]]:
    """(class name, template, keyword names given, where) of each construction `Refusal(gettext_noop(…), k=…)`."""
    out = []
    for path in RAISING:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name in REFUSAL_NAMES and node.args and (msgid := _gettext_noop(node.args[0])) is not None:
                if any(k.arg is None for k in node.keywords):
                    continue  # **params: not known here
                out.append((name, msgid, {k.arg for k in node.keywords if k.arg},
                            f"{path.relative_to(ROOT)}:{node.lineno}"))
    return out


TEMPLATES = _templates()
SITES = _raise_sites()


def _names(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def _chinese(template: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(template)


def test_the_family_is_found():
    names = {c.__name__ for c in FAMILY}
    assert {"EngineError", "NotPermitted", "TaskNotOpen", "GuardFailed", "ActionFailed", "UnitUnavailable",
            "CustomerProtected", "VersionError", "ChecksRefused", "MemberError", "DocumentError"} <= names
    assert len(TEMPLATES) >= 60 and len(SITES) >= 40


@pytest.mark.parametrize("cls", FAMILY, ids=lambda c: f"{c.__module__}.{c.__qualname__}")
def test_each_refusal_has_a_code(cls):
    assert re.fullmatch(r"[a-z][a-z0-9_]*", cls.code), cls.code
    assert cls.code != Refusal.code
    assert issubclass(cls, Refusal)


@pytest.mark.parametrize("msgid", sorted(TEMPLATES), ids=lambda m: m[:60])
def test_each_template_has_a_chinese_translation(msgid):
    chinese = _chinese(msgid)
    assert chinese != msgid, f"no Chinese for {msgid!r} (used at {TEMPLATES[msgid]}) in the zh_Hans catalogue"
    # placeholders are plain names, and both texts come out whole with them filled in
    names = _names(msgid) | _names(chinese)
    assert all(re.fullmatch(r"[a-z_][a-z0-9_]*", n) for n in names), names
    dummy = {n: f"<{n}>" for n in names}
    assert "{" not in msgid.format(**dummy) and "{" not in chinese.format(**dummy)


@pytest.mark.parametrize("site", SITES, ids=lambda s: s[3])
def test_each_raise_site_gives_every_parameter_its_template_names(site):
    cls, msgid, given, _ = site
    # what a constructor adds itself: the roles' titles of NotPermitted, the shown value of any refusal
    given = given | {"value_en", "value_zh"} | ({"roles", "roles_en", "roles_zh"} if cls == "NotPermitted" else set())
    needed = _names(msgid) | _names(_chinese(msgid))
    assert needed <= given, needed - given


def _refusals() -> list[Refusal]:
    return [kernel_errors.QueueBatchClosed(batch="A"), engine_errors.RecordChanged("SUB-000001"),
            engine_errors.NotPermitted("reassign tasks", ["sales_manager"]),
            versions.VersionError("{project}/{flow} has no version {number}", project="P1", flow="subscription",
                                  number=7),
            members.MemberError("choose at least one role"),
            DocumentError("the receipt serves every payment: leave its flow empty")]


@pytest.mark.parametrize("refusal", _refusals(), ids=lambda r: type(r).__name__)
def test_one_language_rule_for_every_family(refusal):
    assert refusal.message_en != refusal.message_zh
    for language, chinese in [("zh-hans", True), ("zh-cn", True), ("zh-hant", True), ("zh", True), ("en", False),
                              ("en-gb", False), ("fr", False), ("", False), (None, False)]:
        assert refusal.message(language) == (refusal.message_zh if chinese else refusal.message_en), language
    assert str(refusal) == refusal.en == refusal.message_en and refusal.zh == refusal.message_zh


def test_a_version_refusal_in_another_language_is_english_as_every_refusal():
    # a version's refusal used to read Chinese for any language but English
    refused = versions.VersionError("{project}/{flow} has no version {number}", project="P1", flow="subscription",
                                    number=7)
    assert refused.message("fr") == "P1/subscription has no version 7"
    assert refused.message("zh-cn") == "P1/subscription 没有版本 7"


def test_no_refusal_takes_both_texts_at_the_raise_any_more():
    # the old form (English and Chinese written at each raise) is gone: a second text is refused
    with pytest.raises(TypeError):
        engine_errors.TransitionNotAvailable("say why the record is sent back", "请填写退回原因")
    with pytest.raises(TypeError):
        engine_errors.NotPermitted("send this record back", ["sales_manager"], "退回该记录")
    refused = engine_errors.TransitionNotAvailable("say why the record is sent back", to="draft")
    assert (refused.message("en"), refused.message("zh-hans")) == ("say why the record is sent back", "请填写退回原因")
    assert refused.details == {"to": "draft"} and refused.code == "not_available"
    sent_back = engine_errors.NotPermitted("send this record back", ["sales_manager"])
    assert sent_back.message("zh") == "您无权退回该记录：需要角色「销售经理」"


@pytest.fixture
def discount(engine_flows, people):
    versions.publish(people["p1"], "discount")
    return people, records.start_record(people["consultant"], people["p1"], "discount", GOOD)


def test_claiming_a_task_another_holds_reads_in_both_languages(discount):
    p, record = discount
    task = Task.objects.get(record=record, name="prepare")
    tasks.claim(p["consultant2"], task.pk)

    with pytest.raises(TaskNotOpen) as caught:
        tasks.claim(p["consultant"], task.pk)

    refused = caught.value
    assert refused.code == "task_not_open"
    assert refused.message("en") == f"consultant2 has already claimed “Prepare” of {record.reference}"
    assert refused.message("zh-hans") == f"consultant2 已认领 {record.reference} 的任务「准备」"
    assert refused.params["task"] == "prepare" and refused.params["assignee"] == "consultant2"


def test_voting_twice_on_one_approval_reads_in_both_languages(discount):
    from accounts.models import Membership

    p, record = discount
    # the finance member is also the project director: one person, two slots of the countersign
    Membership.objects.create(user=p["fin"], project=p["p1"], role="project_director")
    transitions.fire(p["consultant"], record.pk, "submit", GOOD)
    director = Task.objects.get(record=record, status="open", roles=["project_director"])
    finance = Task.objects.get(record=record, status="open", roles=["finance"])
    approvals.vote(p["fin"], director.pk, "approve")

    with pytest.raises(TaskNotOpen) as caught:
        approvals.vote(p["fin"], finance.pk, "approve")

    assert caught.value.message("en") == "you have already voted on this approval"
    assert caught.value.message("zh-hans") == "您已对该审批投过票"
    assert Task.objects.get(pk=finance.pk).status == "open"


def test_a_publish_refused_reads_in_both_languages(discount):
    p, _ = discount

    with pytest.raises(versions.VersionError) as caught:
        versions.publish(p["p1"], "discount", expected_hash="0" * 64)

    refused = caught.value
    assert refused.code == "version_refused" and refused.params == {"project": "P1", "flow": "discount"}
    assert refused.message("en") == (
        "P1/discount changed since its changes were shown; nothing was published: review them again")
    assert refused.message("zh-hans") == "P1/discount 在显示变更后又被修改；未发布：请重新查看变更"
    published = versions.published_version(p["p1"], "discount")
    assert published is not None and published.number == 1
