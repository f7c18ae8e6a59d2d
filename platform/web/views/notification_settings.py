"""My notification settings (from /notifications/): per kind, email and SMS/WeChat beside the bell;
quiet hours during which email and SMS wait; the language of email and SMS.

The page parses the form and calls notifications.preferences.save, one transaction; the
rules (defaults, quiet hours in each project's zone) live there.
"""
from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Membership
from kernel.models import Project
from kernel.zones import zone_name
from notifications import preferences
from notifications.models import Kind

from .common import lang

CHANNEL_LABELS = {"email": gettext_lazy("Email"), "sms": gettext_lazy("SMS / WeChat")}
TIME_FORMATS = ["%H:%M", "%H.%M", "%H：%M", "%H"]  # 22:00, 22.00, 22：00 (a Chinese keyboard), 22
TIME_ERRORS = {"invalid": gettext_lazy("Write a time of day as 22:00: the hour from 0 to 23, then the minutes.")}


def _field(kind: str, channel: str) -> str:
    return f"{channel}__{kind}"


class SettingsForm(forms.Form):
    quiet_from = forms.TimeField(label=gettext_lazy("Quiet from"), required=False, input_formats=TIME_FORMATS,
                                 error_messages=TIME_ERRORS, widget=forms.TimeInput(format="%H:%M", attrs={"type": "time"}))
    quiet_until = forms.TimeField(label=gettext_lazy("Quiet until"), required=False, input_formats=TIME_FORMATS,
                                  error_messages=TIME_ERRORS, widget=forms.TimeInput(format="%H:%M", attrs={"type": "time"}))
    language = forms.ChoiceField(label=gettext_lazy("Language of email and SMS"), required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        language = self.fields["language"]
        assert isinstance(language, forms.ChoiceField)
        language.choices = [("", _("The site's language (%(language)s)") % {
            "language": dict(settings.LANGUAGES).get(settings.LANGUAGE_CODE, settings.LANGUAGE_CODE)}),
            *settings.LANGUAGES]
        for kind in Kind.values:
            for channel in preferences.CHANNELS:
                self.fields[_field(kind, channel)] = forms.BooleanField(required=False, label=CHANNEL_LABELS[channel])

    def clean(self) -> dict:
        data = super().clean() or {}
        start, end = data.get("quiet_from"), data.get("quiet_until")
        if (start is None) != (end is None) and not self.has_error("quiet_from") and not self.has_error("quiet_until"):
            self.add_error("quiet_until" if end is None else "quiet_from",
                           _("Give both the start and the end of your quiet hours, or leave both empty."))
        elif start is not None and start == end:
            self.add_error("quiet_until", _("Your quiet hours start and end at %(time)s: give two different times, "
                                            "or leave both empty.") % {"time": f"{start:%H:%M}"})
        return data

    def choices(self) -> preferences.Choices:
        data = self.cleaned_data
        return preferences.Choices(
            channels={kind: frozenset(c for c in preferences.CHANNELS if data.get(_field(kind, c)))
                      for kind in Kind.values},
            quiet_from=data.get("quiet_from"), quiet_until=data.get("quiet_until"), language=data.get("language") or "")


def _initial(user_id: int) -> dict:
    mine = preferences.settings_of(user_id)
    initial: dict[str, object] = {"quiet_from": mine.quiet_from, "quiet_until": mine.quiet_until,
                                  "language": mine.language}
    for kind, channels in preferences.channels_of(user_id).items():
        for channel in preferences.CHANNELS:
            initial[_field(kind, channel)] = channel in channels
    return initial


def _zones(user_id: int) -> list[str]:
    """The zones of my projects in words (北京时间, UTC+09:00), as my quiet hours will be read there."""
    projects = Project.objects.filter(pk__in=Membership.objects.filter(user_id=user_id).values("project_id"))
    found: dict[str, list[str]] = {}
    for project in projects.order_by("code"):
        found.setdefault(zone_name(project.zone, lang()), []).append(project.name)
    return [f"{zone}（{'、'.join(names)}）" if lang().startswith("zh") else f"{zone} ({', '.join(names)})"
            for zone, names in found.items()]


@login_required
def notification_settings(request: HttpRequest) -> HttpResponse:
    user_id = int(request.user.pk or 0)  # logged in: never 0
    if request.method == "POST":
        form = SettingsForm(request.POST)
        if form.is_valid():
            preferences.save(request.user, form.choices())
            messages.success(request, _("Your notification settings are saved."))
            return redirect("web:notification-settings")
    else:
        form = SettingsForm(initial=_initial(user_id))
    rows = [{"title": label, "fields": [form[_field(kind, channel)] for channel in preferences.CHANNELS]}
            for kind, label in Kind.choices]
    return render(request, "web/notification_settings.html", {
        "form": form, "rows": rows, "channels": [CHANNEL_LABELS[c] for c in preferences.CHANNELS],
        "zones": _zones(user_id)})
