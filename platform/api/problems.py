"""Every error as problem details (RFC 9457): `type`, `title`, `status`, `detail`, and for forms `errors`.

`detail` is the service's own refusal in the caller's language (Accept-Language, through
Django's LocaleMiddleware): the words a page would show. `errors` lists each field's
problems as `{"path": "/buyers/0/customer_id" or "deposit", "message": ...}`. `type` is a
relative reference, `/api/problems/<code>`, naming the kind of refusal (docs/api.md lists them).
"""
from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response

from engine.runtime import errors as engine_errors
from kernel import errors as kernel_errors
from kernel.visits import FieldRefused

_ENGINE_STATUS = {
    engine_errors.RecordNotFound: 404,
    engine_errors.CustomerProtected: 403,
    engine_errors.NotPermitted: 403,
    engine_errors.TransitionNotAvailable: 409,
    engine_errors.InvalidForm: 422,
    engine_errors.GuardFailed: 422,
    engine_errors.RecordChanged: 412,  # only raised when the caller sent the revision it saw (If-Match)
    engine_errors.TaskNotOpen: 409,
    engine_errors.BadRequest: 400,
    engine_errors.UnitUnavailable: 409,
    engine_errors.ActionFailed: 422,
}
_KERNEL_STATUS: dict[type[Exception], int] = {
    kernel_errors.NotPermitted: 403, kernel_errors.CustomerProtected: 403, kernel_errors.DuplicatePhone: 409,
    kernel_errors.CustomerNotFound: 404, kernel_errors.UnitNotFound: 404, kernel_errors.UnitUnavailable: 409,
}
_TITLES = {
    400: _("The request is malformed"), 401: _("Not signed in"), 403: _("Not permitted"), 404: _("Not found"),
    405: _("Method not allowed"), 406: _("Not acceptable"), 409: _("Conflict with the current state"),
    412: _("Changed meanwhile"), 415: _("Unsupported media type"), 422: _("Refused"),
    429: _("Too many requests"),
}


def language() -> str:
    return get_language() or "zh-hans"


class Problem(exceptions.APIException):
    """A refusal of the API itself (not of a service): a status, a code and the words."""

    def __init__(self, status_code: int, code: str, detail: str, errors: list[dict] | None = None):
        super().__init__(detail, code)
        self.status_code, self.code, self.errors = status_code, code, errors


def body(status_code: int, code: str, detail: str, errors: list[dict] | None = None) -> dict:
    out = {"type": f"/api/problems/{code}", "title": str(_TITLES.get(status_code, _("Refused"))),
           "status": status_code, "detail": detail}
    if errors is not None:
        out["errors"] = errors
    return out


class ProblemResponse(Response):
    is_problem = True  # ApiView.finalize_response renders it as application/problem+json


def response(status_code: int, code: str, detail: str, errors: list[dict] | None = None,
             headers: dict | None = None) -> Response:
    return ProblemResponse(body(status_code, code, detail, errors), status=status_code, headers=headers)


def _status_of(error, table: dict, default: int) -> int:
    for kind in type(error).__mro__:
        if kind in table:
            return table[kind]
    return default


def _drf_errors(detail, path: str = "") -> list[dict]:
    """DRF's nested validation detail as a flat list of {path, message}."""
    if isinstance(detail, dict):
        out = []
        for key, value in detail.items():
            name = "" if key == "non_field_errors" else (f"{path}/{key}" if path else str(key))
            out += _drf_errors(value, name)
        return out
    if isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            return [{"path": path, "message": str(item)} for item in detail]
        out = []
        for index, item in enumerate(detail):
            out += _drf_errors(item, f"{path}/{index}" if path else str(index))
        return out
    return [{"path": path, "message": str(detail)}]


def problem_handler(exc, context) -> Response | None:
    lang = language()
    if isinstance(exc, engine_errors.InvalidForm):
        errors = [{"path": field, "message": message}
                  for field, messages in exc.field_errors(lang).items() for message in messages]
        return response(422, exc.code, exc.message(lang), errors)
    if isinstance(exc, engine_errors.EngineError):
        return response(_status_of(exc, _ENGINE_STATUS, 422), exc.code, exc.message(lang))
    if isinstance(exc, FieldRefused):
        return response(422, exc.code, exc.message(lang),
                        [{"path": exc.params["field"], "message": exc.message(lang)}])
    if isinstance(exc, kernel_errors.InvalidPhone):
        return response(422, exc.code, exc.message(lang), [{"path": "phone", "message": exc.message(lang)}])
    if isinstance(exc, kernel_errors.KernelError):
        return response(_status_of(exc, _KERNEL_STATUS, 422), exc.code, exc.message(lang))
    if isinstance(exc, Problem):
        return response(exc.status_code, exc.code, str(exc.detail), exc.errors)
    if isinstance(exc, Http404):
        return response(404, "not_found", _("There is nothing here, or you may not see it."))
    if isinstance(exc, PermissionDenied):
        return response(403, "not_permitted", str(exc) or _("You may not do this."))
    if isinstance(exc, exceptions.ValidationError):
        errors = _drf_errors(exc.detail)
        return response(422, "invalid", _("Please correct the fields listed in errors."), errors)
    if isinstance(exc, exceptions.APIException):
        headers = {}
        if isinstance(exc, (exceptions.NotAuthenticated, exceptions.AuthenticationFailed)):
            headers["WWW-Authenticate"] = 'Bearer realm="api"'
        wait = getattr(exc, "wait", None)  # set by Throttled.__init__; the DRF stubs do not declare it
        if isinstance(exc, exceptions.Throttled) and wait is not None:
            headers["Retry-After"] = str(int(wait) + 1)
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else "error"
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        return response(exc.status_code, code, str(detail), headers=headers)
    return None  # a bug: Django's 500, logged with the request id


__all__ = ["Problem", "body", "problem_handler", "response", "status"]
