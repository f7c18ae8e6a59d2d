"""The request a `login_required` view receives, typed: its user is a member's `User`.

django-stubs types `HttpRequest.user` as `User | AnonymousUser`; behind `login_required` it is
never anonymous, and a view annotated with this class says so once instead of at every use.
"""
from __future__ import annotations

from django.http import HttpRequest

from accounts.models import User


class AuthenticatedHttpRequest(HttpRequest):
    user: User
