"""Typed failures of the service API: refusals of the one family (`kernel.errors.Refusal`).

Each has a `code`, `params` and one English template, the msgid whose Chinese is in the zh_Hans
catalogue; `message(lang)` reads it in the language (the one rule, `kernel.errors.speaks_chinese`:
zh* gives Chinese, any other language English). A class with many refusals takes the template as
its first argument, marked `gettext_noop` at the raise site:

    raise TaskNotOpen(gettext_noop("you have already voted on this approval"))
    raise TransitionNotAvailable(gettext_noop("“{state_en}” is a final state"),
                                 state_en=title.en, state_zh=title.zh)

with the Chinese `“{state_zh}”是终止状态` appended to the catalogue. `UnitUnavailable` and
`CustomerProtected` are the kernel's refusals of those names as a step meets them (subclasses of
kernel.errors' classes, with their code, params and catalogue words); `NotPermitted` shares
`kernel.errors.PermissionRefusal` with the kernel's.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from django.utils.translation import gettext_noop

from definitions.roles import role_titles
from kernel import errors as kernel_errors
from kernel.errors import Refusal, speaks_chinese


class EngineError(Refusal):
    """Root of the engine's refusals. `message(lang)` is what the user reads; `.en` and `.zh` its two texts.

    `details` are the params that are facts rather than words (not the `_en` / `_zh` ones, nor a phrase).
    """

    code = "engine_error"
    template = gettext_noop("the operation was refused")

    def __init__(self, template: str | None = None, /, **params: Any):
        super().__init__(template, **params)

    @property
    def details(self) -> dict[str, Any]:
        return {k: v for k, v in self.params.items()
                if not re.search(r"_(en|zh)$", k) and k not in self.phrases}


class RecordNotFound(EngineError):
    code = "not_found"
    template = gettext_noop("no such {what}, or you cannot see it")

    def __init__(self, what: str = "record"):
        super().__init__(what=what)


class NotPermitted(EngineError, kernel_errors.PermissionRefusal):
    """A person may not take this step of a flow (its roles, or another holds the task).

    `action` is a phrase of the catalogue (`gettext_noop("claim this task (“{task_en}” of {reference})")`),
    filled in with the other params; the message adds the roles it needs, by their titles. Not the
    kernel's `NotPermitted` (a kernel operation needing a project role); both are
    `kernel.errors.PermissionRefusal`.
    """

    code = "not_permitted"
    phrases = ("action",)

    def __init__(self, action: str, roles: Sequence[str] = (), *, declared: Sequence = (), **params: Any):
        """`declared`: the flow's own roles (RoleSpec), so that they too are named by their titles."""
        roles = list(roles)
        en_titles, zh_titles = role_titles(roles, "en", declared), role_titles(roles, "zh", declared)
        if len(roles) == 1:
            template = gettext_noop("you may not {action}: it needs the role {roles_en}")
            roles_en, roles_zh = en_titles[0], zh_titles[0]
        elif roles:
            template = gettext_noop("you may not {action}: it needs one of the roles {roles_en}")
            roles_en, roles_zh = ", ".join(en_titles), "、".join(f"「{t}」" for t in zh_titles)
        else:
            template = gettext_noop("you may not {action}")
            roles_en = roles_zh = ""
        super().__init__(template, action=action, roles=roles, roles_en=roles_en, roles_zh=roles_zh, **params)


class TransitionNotAvailable(EngineError):
    code = "not_available"


class GuardFailed(EngineError):
    code = "guard_failed"

    @classmethod
    def authored(cls, message, **params: Any) -> GuardFailed:
        """The refusal in the words the flow's author wrote (`guard_message`, a Text): each language its own."""
        return cls(gettext_noop("{guard_message_en}"), guard_message_en=message.en, guard_message_zh=message.zh,
                   **params)


class InvalidForm(EngineError):
    """Errors per field: {"deal_price": ["'12.345' is not a 'money'"], ...}."""

    code = "invalid_form"

    def __init__(self, errors: Mapping[str, list[str]], errors_zh: Mapping[str, list[str]] | None = None):
        super().__init__(gettext_noop("please correct: {fields}"), fields=", ".join(errors), errors=dict(errors))
        self.errors = dict(errors)
        self.errors_zh = dict(errors_zh or errors)

    def field_errors(self, lang: str | None = "en") -> dict[str, list[str]]:
        return self.errors_zh if speaks_chinese(lang) else self.errors


class RecordChanged(EngineError):
    code = "record_changed"
    template = gettext_noop("{reference} was changed by someone else meanwhile; reload it and try again")

    def __init__(self, reference: str):
        super().__init__(reference=reference)


class TaskNotOpen(EngineError):
    code = "task_not_open"

    @classmethod
    def closed(cls, task, reference: str) -> TaskNotOpen:
        task_en, task_zh = task_titles(task)
        if task.status == "done":
            template = gettext_noop("the task “{task_en}” of {reference} is already done")
        else:
            template = gettext_noop("the task “{task_en}” of {reference} is already cancelled")
        return cls(template, task=task.name, reference=reference, task_en=task_en, task_zh=task_zh)


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


class ActionFailed(EngineError):
    code = "action_failed"


class CustomerProtected(kernel_errors.CustomerProtected, NotPermitted):
    """Another consultant's protection period covers the customer: the kernel's `CustomerProtected`
    (its code, params and words; `except kernel.errors.CustomerProtected` catches it too), met by a
    step, and so also the engine's `NotPermitted`."""

    def __init__(self, refusal: kernel_errors.CustomerProtected):
        kernel_errors.CustomerProtected.__init__(self, **refusal.params)
