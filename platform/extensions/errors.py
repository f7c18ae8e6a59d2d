"""Refusals raised by plugins and by the plugin host.

`PluginError` is a `kernel.errors.KernelError`, so the engine treats a plugin's refusal
exactly like a kernel one: the transition rolls back and the person who tried sees
`message(language)`. Plugins subclass it with a `code` and one English `template` marked with
`gettext_noop`; its Chinese goes into the zh_Hans catalogue (kernel.errors says how).
"""
from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.utils.translation import get_language, gettext_noop

from definitions.errors import Problem
from kernel.errors import KernelError, speaks_chinese


class PluginError(KernelError):
    code = "plugin_error"
    template = gettext_noop("the plugin refused the operation")


class RulesMissing(PluginError):
    code = "rules_missing"
    template = gettext_noop("project {project} has no {plugin} rules yet: an admin must set them "
                            "(manage.py rules publish --project {project} {plugin} FILE)")


class RulesNotYetInForce(RulesMissing):
    """Rules exist, but only scheduled: none in force yet (a `RulesMissing`, so callers that skip none skip these)."""

    code = "rules_not_yet_in_force"
    template = gettext_noop("project {project}'s {plugin} rules take effect only from {valid_from}")


class ValidFromInPast(PluginError):
    """A revision dated back: deals made since were made under the rules then in force."""

    code = "valid_from_in_past"
    template = gettext_noop(
        "rules cannot take effect in the past ({valid_from}): give a later moment, or publish from now and apply the "
        "new rules to open deals explicitly")


class InvalidArgument(PluginError):
    """An action argument that is not what the action takes: `name`, `expected`, `expected_zh` and `value`.

    `KernelError` shows `value` as typed (`value_en`, `value_zh`), never as repr.
    """

    code = "invalid_argument"
    template = gettext_noop("{name} must be {expected}, got {value_en}")


class UnknownPlugin(LookupError):
    def __init__(self, name: str, suggestion: str | None = None):
        self.name, self.suggestion = name, suggestion
        self.message_en = f"no plugin named '{name}' is installed" + (
            f"; did you mean '{suggestion}'?" if suggestion else "")
        self.message_zh = f"未安装名为 '{name}' 的插件" + (f"；是否应为 '{suggestion}'？" if suggestion else "")
        super().__init__(self.message_en)

    def message(self, language: str | None = "en") -> str:
        return self.message_zh if speaks_chinese(language) else self.message_en


class PluginLoadError(Exception):
    """A plugin could not be loaded or declares something inconsistent; carries every problem found."""

    def __init__(self, problems: Sequence[str]):
        self.problems = tuple(problems)
        super().__init__("\n".join(self.problems))


class InvalidRules(ValidationError):
    """A rule configuration failed validation; `problems` say where and what, by path.

    A `ValidationError` on the `config` field, so a model form shows the problems next
    to the configuration they are about, in the language of the person saving.
    """

    def __init__(self, plugin: str, problems: Sequence[Problem]):
        self.plugin, self.problems = plugin, tuple(problems)
        language = get_language() or "en"
        super().__init__({"config": [p.render(language) for p in self.problems]})
