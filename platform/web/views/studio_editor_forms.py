"""The structured editor's forms: what an admin chooses, checked field by field before any override is written.

Every choice is offered by title (roles, steps, fields, units of time); nothing is
typed as a code. The form's `edits(document)` says the choice as overrides
(engine.override_edits), and the flow as a whole is checked when they are applied.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from definitions.override_text import Edit
from engine import override_edits as ops

Choices = Sequence[tuple[str, str]]

UNIT_CHOICES = (("minutes", gettext_lazy("minutes")), ("hours", gettext_lazy("hours")),
                ("days", gettext_lazy("days")), ("weeks", gettext_lazy("weeks")))
REQUIRE_CHOICES = (("all", gettext_lazy("Everyone asked must approve (countersign)")),
                   ("any", gettext_lazy("Any one of them may approve")),
                   ("count", gettext_lazy("A number of approvals")))
FIELD_KIND_CHOICES = (("text", gettext_lazy("Short text")), ("long_text", gettext_lazy("Long text")),
                      ("integer", gettext_lazy("Whole number")), ("decimal", gettext_lazy("Decimal number")),
                      ("money", gettext_lazy("Amount of money (¥)")), ("date", gettext_lazy("Date")),
                      ("boolean", gettext_lazy("Yes or no")), ("choice", gettext_lazy("One of a list of choices")))


def _choose(form: forms.Form, name: str, choices) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


class RolesField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple
    default_error_messages = {"required": gettext_lazy("Choose at least one role.")}


class EditForm(forms.Form):
    """A form whose valid data becomes edits of the flow's overrides."""

    what = ""  # what the success message says was changed
    editor_args: tuple = ()  # what the page built it with (its target and choices)
    editor_options: dict = {}  # noqa: RUF012  # and its keyword choices (titles taken, where the time is read)

    def edits(self, document: Mapping) -> list[Edit]:
        raise NotImplementedError


_LATIN = re.compile(r"[A-Za-z]")


def english(value: str) -> None:
    """An English title: it names the new item's code, so it needs letters a code can be made of."""
    if not _LATIN.search(value):
        raise forms.ValidationError(_("Write the English title with English letters (it also names the item)."))


class TitleForm(EditForm):
    zh = forms.CharField(label=gettext_lazy("Title in Chinese"), max_length=60)
    en = forms.CharField(label=gettext_lazy("Title in English"), max_length=60, validators=[english])

    def __init__(self, target: str, names: Sequence[str], *args, taken: Sequence[tuple[str, str]] = (),
                 label: str = "", **kwargs):
        """`taken`: the (zh, en) titles of the other items of the same kind, which a new title may not repeat."""
        super().__init__(*args, **kwargs)
        self.target, self.names, self.taken = target, list(names), list(taken)
        self.what = _("the title of “%(item)s”") % {"item": label} if label else _("the title")

    def clean(self):
        super().clean()
        data = self.cleaned_data
        for key in ("zh", "en"):
            if data.get(key) and data[key].strip() in {t[0 if key == "zh" else 1] for t in self.taken}:
                self.add_error(key, _("Another one is already called this: give each its own title."))
        return data

    def edits(self, document: Mapping) -> list[Edit]:
        return ops.rename(document, self.target, self.names, self.cleaned_data["zh"], self.cleaned_data["en"])


class DurationMixin(forms.Form):
    after_amount = forms.IntegerField(label=gettext_lazy("How long"), min_value=1, max_value=525600, required=False)
    after_unit = forms.ChoiceField(label=gettext_lazy("Unit of time"), choices=UNIT_CHOICES, initial="days")

    def after(self) -> str | None:
        amount = self.cleaned_data.get("after_amount")
        return ops.duration_text(amount, self.cleaned_data["after_unit"]) if amount else None

    def check_after(self, needed: bool) -> None:
        if needed and not self.cleaned_data.get("after_amount") and "after_amount" not in self.errors:
            self.add_error("after_amount", _("Say how long, as a number of minutes, hours, days or weeks."))
        amount, unit = self.cleaned_data.get("after_amount"), self.cleaned_data.get("after_unit")
        if amount and unit:
            from definitions.durations import DurationError, parse_duration

            try:
                parse_duration(ops.duration_text(amount, unit))
            except DurationError:
                self.add_error("after_amount", _("At most ten years."))


class DeadlineForm(DurationMixin):
    escalate_to = RolesField(label=gettext_lazy("When it is missed, tell"), required=False)
    remove = forms.BooleanField(label=gettext_lazy("No deadline"), required=False)

    def __init__(self, state: str, task: str | None, roles: Choices, *args, reads: str = "", label: str = "",
                 **kwargs):
        """`reads`: where the time comes from now when not a number (a setting or field, in words)."""
        super().__init__(*args, **kwargs)
        self.state, self.task = state, task
        _choose(self, "escalate_to", roles)
        if reads:
            self.fields["after_amount"].help_text = _("Now %(reads)s; a number here replaces it.") % {"reads": reads}
        self.what = _("the deadline of “%(item)s”") % {"item": label} if label else _("the deadline")

    def clean(self):
        super().clean()
        data = self.cleaned_data
        self.check_after(needed=not data.get("remove"))
        return data

    def edits(self, document: Mapping) -> list[Edit]:
        after = None if self.cleaned_data.get("remove") else self.after()
        return ops.deadline(document, self.state, self.task, after, self.cleaned_data.get("escalate_to") or [])


class TimerForm(DurationMixin):
    escalate_to = RolesField(label=gettext_lazy("Tell"), required=False)

    def __init__(self, timer: str, escalates: bool, roles: Choices, *args, reads: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.timer, self.escalates = timer, escalates
        if reads:
            self.fields["after_amount"].help_text = _("Now %(reads)s; a number here replaces it.") % {"reads": reads}
        if escalates:
            _choose(self, "escalate_to", roles)
        else:
            del self.fields["escalate_to"]
        self.what = _("the timer")

    def clean(self):
        super().clean()
        data = self.cleaned_data
        self.check_after(needed=True)
        if self.escalates and not data.get("escalate_to") and "escalate_to" not in self.errors:
            self.add_error("escalate_to", _("Choose at least one role to tell."))
        return data

    def edits(self, document: Mapping) -> list[Edit]:
        return ops.timer(document, self.timer, self.after() or "",
                         self.cleaned_data.get("escalate_to") if self.escalates else None)


class ApprovalForm(EditForm):
    zh = forms.CharField(label=gettext_lazy("Title in Chinese"), max_length=60)
    en = forms.CharField(label=gettext_lazy("Title in English"), max_length=60, validators=[english])
    roles = RolesField(label=gettext_lazy("Who approves"))
    require = forms.ChoiceField(label=gettext_lazy("How many must approve"), choices=REQUIRE_CHOICES,
                                widget=forms.RadioSelect, initial="all")
    require_count = forms.IntegerField(label=gettext_lazy("Number of approvals"), min_value=1, max_value=20,
                                       required=False)
    approved = forms.ChoiceField(label=gettext_lazy("When approved, the record goes on by"))
    rejected = forms.ChoiceField(label=gettext_lazy("When rejected, the record goes on by"))

    def __init__(self, state: str, task: str | None, roles: Choices, steps: Choices, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.state, self.task = state, task
        _choose(self, "roles", roles)
        _choose(self, "approved", steps)
        _choose(self, "rejected", steps)
        self.what = _("the approval")

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if data.get("require") == "count" and not data.get("require_count") and "require_count" not in self.errors:
            self.add_error("require_count", _("Say how many approvals are needed."))
        if data.get("approved") and data.get("approved") == data.get("rejected"):
            self.add_error("rejected", _("An approval and a rejection must lead on by different steps."))
        return data

    def edits(self, document: Mapping) -> list[Edit]:
        data = self.cleaned_data
        require = data["require_count"] if data["require"] == "count" else data["require"]
        return ops.approval(document, self.state, self.task, data["zh"], data["en"], data["roles"], require,
                            data["approved"], data["rejected"])


class StepRolesForm(EditForm):
    roles = RolesField(label=gettext_lazy("Who may take this step"))

    def __init__(self, transition: str, roles: Choices, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.transition = transition
        _choose(self, "roles", roles)
        self.what = _("who may take the step")

    def edits(self, document: Mapping) -> list[Edit]:
        return ops.step_roles(document, self.transition, self.cleaned_data["roles"])


class InsertStateForm(EditForm):
    zh = forms.CharField(label=gettext_lazy("New state, in Chinese"), max_length=60)
    en = forms.CharField(label=gettext_lazy("New state, in English"), max_length=60, validators=[english])
    owners = RolesField(label=gettext_lazy("Who works in it"), required=False)
    role_zh = forms.CharField(label=gettext_lazy("Or a new role for it, in Chinese"), max_length=40, required=False)
    role_en = forms.CharField(label=gettext_lazy("The new role, in English"), max_length=40, required=False,
                              validators=[english])
    task_zh = forms.CharField(label=gettext_lazy("Its task, in Chinese"), max_length=60, required=False)
    task_en = forms.CharField(label=gettext_lazy("Its task, in English"), max_length=60, required=False)
    leave_zh = forms.CharField(label=gettext_lazy("The step that leaves it, in Chinese"), max_length=60)
    leave_en = forms.CharField(label=gettext_lazy("The step that leaves it, in English"), max_length=60,
                               validators=[english])
    leave_roles = RolesField(label=gettext_lazy("Who may take that step"), required=False)
    back_zh = forms.CharField(label=gettext_lazy("A step back (a rejection), in Chinese"), max_length=60,
                              required=False)
    back_en = forms.CharField(label=gettext_lazy("The step back, in English"), max_length=60, required=False,
                              validators=[english])
    actions_after = forms.BooleanField(
        label=gettext_lazy("What the step does (holding a unit, starting the next record …) happens after the new "
                           "state, when it is left"), required=False, initial=True)

    def __init__(self, transition: str, roles: Choices, *args, back_to: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.transition = transition
        _choose(self, "owners", roles)
        _choose(self, "leave_roles", roles)
        if back_to:
            self.fields["back_zh"].help_text = _("Leads back to “%(state)s”; leave empty for none.") % {"state": back_to}
        else:
            del self.fields["back_zh"], self.fields["back_en"]
        self.what = _("the new state")

    def clean(self):
        super().clean()
        data = self.cleaned_data
        new_role = bool(data.get("role_zh", "").strip()), bool(data.get("role_en", "").strip())
        if any(new_role) and not all(new_role):
            self.add_error("role_en" if new_role[0] else "role_zh", _("Give the new role a title in both languages."))
        if not data.get("owners") and not any(new_role):
            self.add_error("owners", _("Choose who works in the new state, or give it a new role."))
        if not data.get("leave_roles") and not any(new_role):
            self.add_error("leave_roles", _("Choose who may take the step that leaves it."))
        task = bool(data.get("task_zh", "").strip()), bool(data.get("task_en", "").strip())
        if any(task) and not all(task):
            self.add_error("task_en" if task[0] else "task_zh", _("Give the task a title in both languages."))
        back = bool(data.get("back_zh", "").strip()), bool(data.get("back_en", "").strip())
        if any(back) and not all(back) and "back_en" not in self.errors:
            self.add_error("back_en" if back[0] else "back_zh", _("Give the step back a title in both languages."))
        return data

    def edits(self, document: Mapping) -> list[Edit]:
        data = self.cleaned_data
        role = (data["role_zh"], data["role_en"]) if data.get("role_zh", "").strip() else None
        back = (data["back_zh"], data["back_en"]) if data.get("back_zh", "").strip() else None
        return ops.insert_state(document, self.transition, zh=data["zh"], en=data["en"], owners=data["owners"],
                                task_zh=data["task_zh"], task_en=data["task_en"], leave_zh=data["leave_zh"],
                                leave_en=data["leave_en"], leave_roles=data["leave_roles"], role=role,
                                back=back, actions_after=data["actions_after"])


class NewFieldForm(EditForm):
    zh = forms.CharField(label=gettext_lazy("Field title in Chinese"), max_length=40)
    en = forms.CharField(label=gettext_lazy("Field title in English"), max_length=40, validators=[english])
    kind = forms.ChoiceField(label=gettext_lazy("Kind of value"), choices=FIELD_KIND_CHOICES)
    options = forms.CharField(
        label=gettext_lazy("Choices"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("For a list of choices: one choice per line, the Chinese title, a slash (/), then "
                               "the English title."))
    step = forms.ChoiceField(label=gettext_lazy("Asked in the step"), required=False)
    required = forms.BooleanField(label=gettext_lazy("Required from this step on"), required=False)

    def __init__(self, steps: Choices, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _choose(self, "step", [("", _("Not asked in any step yet")), *steps])
        self.what = _("the new field")

    def clean_options(self) -> list[tuple[str, str]]:
        found: list[tuple[str, str]] = []
        wrong: list[str] = []
        for number, line in enumerate(self.cleaned_data["options"].splitlines(), start=1):
            if not line.strip():
                continue
            zh, slash, en = line.replace("／", "/").partition("/")  # a Chinese input method's slash too
            if not slash or not zh.strip() or not _LATIN.search(en):
                wrong.append(_("Line %(n)d: write the Chinese title, a slash (/), then the English title.")
                             % {"n": number})
            else:
                found.append((zh.strip(), en.strip()))
        if wrong:
            raise forms.ValidationError(wrong)  # every wrong line at once
        return found

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if data.get("kind") == "choice" and not data.get("options") and "options" not in self.errors:
            self.add_error("options", _("A list of choices needs at least one choice."))
        if data.get("required") and not data.get("step"):
            self.add_error("step", _("Choose the step from which the field is required."))
        return data

    def edits(self, document: Mapping) -> list[Edit]:
        data = self.cleaned_data
        _name, made = ops.add_field(document, zh=data["zh"], en=data["en"], kind=data["kind"],
                                    options=data["options"] if data["kind"] == "choice" else [],
                                    transition=data["step"] or None, required=data["required"])
        return made


class FormFieldForm(EditForm):
    field = forms.ChoiceField(label=gettext_lazy("Field"))
    required = forms.BooleanField(label=gettext_lazy("Required"), required=False)

    def __init__(self, transition: str, fields: Choices, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.transition = transition
        _choose(self, "field", fields)
        self.what = _("the step's form")

    def edits(self, document: Mapping) -> list[Edit]:
        return ops.form_field(document, self.transition, self.cleaned_data["field"], self.cleaned_data["required"])
