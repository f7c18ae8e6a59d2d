"""Typed failures of the service API, each with a message in English and Chinese.

The language rule is the kernel's (kernel.errors.speaks_chinese): zh* gives Chinese, any other
language English. `UnitUnavailable` and `CustomerProtected` are the kernel's refusals of those
names as a step meets them (subclasses of kernel.errors' classes, with their code, params and
catalogue words); `NotPermitted` shares `kernel.errors.PermissionRefusal` with the kernel's.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

from definitions.roles import role_titles
from kernel import errors as kernel_errors
from kernel.errors import speaks_chinese


class EngineError(Exception):
    """Root of every refusal. `message(lang)` is what the user reads."""

    code = "engine_error"

    def __init__(self, en: str, zh: str, **details):
        Exception.__init__(self, en)
        self.en, self.zh, self.details = en, zh, details

    def message(self, lang: str | None = "en") -> str:
        return self.zh if speaks_chinese(lang) else self.en


class RecordNotFound(EngineError):
    code = "not_found"

    def __init__(self, what: str = "record"):
        super().__init__(f"no such {what}, or you cannot see it", "记录不存在，或您无权查看")


class NotPermitted(EngineError, kernel_errors.PermissionRefusal):
    """A person may not take this step of a flow (its roles, or another holds the task).

    Not the kernel's `NotPermitted` (a kernel operation needing a project role, said with its
    template); both are `kernel.errors.PermissionRefusal`.
    """

    code = "not_permitted"

    def __init__(self, action: str, roles: Sequence[str] = (), action_zh: str | None = None, *,
                 declared: Sequence = ()):
        """`declared`: the flow's own roles (RoleSpec), so that they too are named by their titles."""
        en_titles, zh_titles = role_titles(roles, "en", declared), role_titles(roles, "zh", declared)
        en, zh = f"you may not {action}", f"您无权{action_zh or action}"
        if len(roles) == 1:
            en, zh = f"{en}: it needs the role {en_titles[0]}", f"{zh}：需要角色「{zh_titles[0]}」"
        elif roles:
            en = f"{en}: it needs one of the roles {', '.join(en_titles)}"
            zh = f"{zh}：需要以下角色之一：{'、'.join(f'「{t}」' for t in zh_titles)}"
        super().__init__(en, zh, roles=list(roles))


class TransitionNotAvailable(EngineError):
    code = "not_available"


class GuardFailed(EngineError):
    code = "guard_failed"


class InvalidForm(EngineError):
    """Errors per field: {"deal_price": ["'12.345' is not a 'money'"], ...}."""

    code = "invalid_form"

    def __init__(self, errors: Mapping[str, list[str]], errors_zh: Mapping[str, list[str]] | None = None):
        fields = ", ".join(errors)
        super().__init__(f"please correct: {fields}", f"请修改以下字段：{fields}", errors=dict(errors))
        self.errors = dict(errors)
        self.errors_zh = dict(errors_zh or errors)

    def field_errors(self, lang: str | None = "en") -> dict[str, list[str]]:
        return self.errors_zh if speaks_chinese(lang) else self.errors


class RecordChanged(EngineError):
    code = "record_changed"

    def __init__(self, reference: str):
        super().__init__(f"{reference} was changed by someone else meanwhile; reload it and try again",
                         f"{reference} 已被他人修改，请刷新后重试")


class TaskNotOpen(EngineError):
    code = "task_not_open"

    @classmethod
    def closed(cls, task, reference: str) -> TaskNotOpen:
        zh = "完成" if task.status == "done" else "取消"
        en_title, zh_title = task_titles(task)
        return cls(f"the task “{en_title}” of {reference} is already {task.status}",
                   f"{reference} 的任务「{zh_title}」已{zh}")


def task_titles(task) -> tuple[str, str]:
    """A task row's title as its flow version gives it (English, Chinese); its name if untitled."""
    from engine.versions import definition_for

    try:
        spec = definition_for(task.record).state(task.state).task(task.name)
    except KeyError:
        spec = None
    if spec is None or spec.title is None:
        return task.name, task.name
    return spec.title.en, spec.title.zh


class BadRequest(EngineError):
    """The call itself is malformed (a decision that does not exist, a missing argument)."""

    code = "bad_request"


class UnitUnavailable(kernel_errors.UnitUnavailable, EngineError):
    """The kernel's `UnitUnavailable` met by an action of a step: the same code, params and words, and an
    `EngineError` with the step's other refusals. `except kernel.errors.UnitUnavailable` catches it too."""

    def __init__(self, refusal: kernel_errors.UnitUnavailable):
        kernel_errors.UnitUnavailable.__init__(self, **refusal.params)
        self.en, self.zh, self.details = self.message_en, self.message_zh, dict(self.params)


class ActionFailed(EngineError):
    code = "action_failed"


class CustomerProtected(kernel_errors.CustomerProtected, NotPermitted):
    """Another consultant's protection period covers the customer: the kernel's `CustomerProtected`
    (its code, params and words; `except kernel.errors.CustomerProtected` catches it too), met by a
    step, and so also the engine's `NotPermitted`."""

    def __init__(self, refusal: kernel_errors.CustomerProtected):
        kernel_errors.CustomerProtected.__init__(self, **refusal.params)
        self.en, self.zh, self.details = self.message_en, self.message_zh, dict(self.params)
