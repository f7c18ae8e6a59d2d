"""Names people read instead of codes: source types, opportunity stages, consultants, projects."""
from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from kernel.models import Project


def _lang() -> str:
    return "zh" if (get_language() or "zh").startswith("zh") else "en"


def coded_titles(projects: Iterable[Project], setting: str) -> dict[str, str]:
    """code -> title in the user's language, from the projects' list setting (source_types, opportunity_stages)."""
    lang, titles = _lang(), dict[str, str]()
    for project in projects:
        for item in project.setting(setting) or []:
            titles.setdefault(item["code"], item.get(lang) or item["code"])
    return titles


def source_title(titles: dict[str, str], code: str) -> str:
    return titles.get(code) or (_("Not given") if not code else _("Other source"))


def people(ids: Iterable) -> dict[int, str]:
    """user id -> display name, in one query; ids may come as text from JSON."""
    keys = {int(i) for i in ids if i not in (None, "") and str(i).isdigit()}
    return {u.pk: str(u) for u in get_user_model().objects.filter(pk__in=keys)}
