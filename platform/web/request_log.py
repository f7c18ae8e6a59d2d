"""One log line per request, and the request id every other line of the request carries.

The id comes from the proxy's X-Request-ID when it sends a sane one (so a line here
matches the proxy's access log), else a new one; it is returned in the response's
X-Request-ID header, so a user reporting a problem can quote it.
"""
from __future__ import annotations

import logging
import re
import time
import uuid
from contextvars import ContextVar

log = logging.getLogger("web.request")
request_id: ContextVar[str] = ContextVar("request_id", default="-")
_SANE = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdFilter(logging.Filter):
    """Puts the current request's id on every log record (LOGGING's handlers carry it: config/logs.py)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


class RequestLogMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get("X-Request-ID", "")
        token = request_id.set(given if _SANE.match(given) else uuid.uuid4().hex)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id.get()
            user = getattr(request, "user", None)
            log.info("%s %s %s", request.method, request.path, response.status_code, extra={
                "method": request.method, "path": request.path, "status": response.status_code,
                "ms": round((time.perf_counter() - started) * 1000, 1),
                "user_id": user.pk if user is not None and user.is_authenticated else None})
            return response
        finally:
            request_id.reset(token)
