"""Structured logs: a JSON line per request with its request id; server errors with tracebacks when not debugging."""
import json
import logging

import pytest

from web.request_log import RequestIdFilter


@pytest.fixture
def lines(caplog):
    """The JSON lines the site's formatter would write, for the records the test caught."""
    formatter = logging.getLogger().handlers[0].formatter  # the stderr handler of LOGGING
    caplog.handler.addFilter(RequestIdFilter())

    def read(logger=None):
        return [json.loads(formatter.format(r)) for r in caplog.records if logger is None or r.name == logger]
    return read


def test_every_request_logs_one_line_with_its_id_and_returns_the_id(client, db, caplog, lines):
    with caplog.at_level(logging.INFO):
        response = client.get("/login/")

    [line] = lines("web.request")
    assert line["request_id"] == response["X-Request-ID"] and len(line["request_id"]) == 32
    assert line["status"] == 200 and line["path"] == "/login/" and line["method"] == "GET" and line["ms"] >= 0
    assert line["time"].endswith("+00:00") and line["level"] == "INFO"


def test_a_proxys_request_id_is_kept_and_a_strange_one_replaced(client, db, caplog, lines):
    with caplog.at_level(logging.INFO):
        kept = client.get("/login/", HTTP_X_REQUEST_ID="proxy-abc-12345")
        replaced = client.get("/login/", HTTP_X_REQUEST_ID="<script>")

    assert kept["X-Request-ID"] == "proxy-abc-12345"
    assert replaced["X-Request-ID"] != "<script>" and len(replaced["X-Request-ID"]) == 32


def test_a_server_error_is_logged_with_its_traceback_and_request_id_when_not_debugging(client, db, settings, caplog,
                                                                                      lines):
    settings.DEBUG = False
    settings.ROOT_URLCONF = "tests.web.failing_urls"
    client.raise_request_exception = False

    with caplog.at_level(logging.INFO):
        response = client.get("/broken/")

    assert response.status_code == 500
    [error] = lines("django.request")
    assert error["level"] == "ERROR" and "RuntimeError: the broken view broke" in error["exc_info"]
    assert error["request_id"] == response["X-Request-ID"]


def test_the_logging_setting_writes_to_stderr_and_a_file_under_var(settings):
    handlers = settings.LOGGING["handlers"]
    assert handlers["file"]["filename"].endswith("/log/platform.log")
    assert settings.LOGGING["loggers"]["django"]["handlers"] == ["stderr", "file"]
