"""Query strings without NUL characters.

A NUL (U+0000) in a search or filter value is never something a person typed, and
PostgreSQL cannot hold one in a text parameter (psycopg raises DataError: a 500 on every
list whose `q` reached the database with it; found by tests/fuzz/test_web_forms.py).
Forms already refuse it (Django's ProhibitNullCharactersValidator on every CharField);
query strings have no form, so the character is taken out here, once, for every view.
"""
from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, QueryDict


class StripNulMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "%00" in request.META.get("QUERY_STRING", "") or any("\x00" in v for v in request.GET.values()):
            cleaned = QueryDict(mutable=True)
            for key, values in request.GET.lists():
                cleaned.setlist(key.replace("\x00", ""), [v.replace("\x00", "") for v in values])
            cleaned._mutable = False
            request.GET = cleaned  # type: ignore[assignment]  # immutable again, as Django's own
        return self.get_response(request)
