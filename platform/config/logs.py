"""Structured logs: one JSON object per line, each with the request id of the request it belongs to.

`web.request_log.RequestIdFilter`, on both handlers, reads the id the request
middleware sets in a context variable, so every line a request causes (the ORM's, the engine's, an error's
traceback) carries it without passing it around; huey jobs and timers log "-" unless
they run inside a request. Lines go to stderr and to var/log/platform.log: the file
handler reopens the file when logrotate moves it (WatchedFileHandler), which is safe
with several processes appending, where a rotating handler in each process is not.
"""
from __future__ import annotations

FORMAT = "%(levelname)s %(name)s %(request_id)s %(message)s"


def config(log_dir, level: str = "INFO") -> dict:
    """The LOGGING setting: JSON lines to stderr and to `log_dir`/platform.log."""
    log_dir.mkdir(parents=True, exist_ok=True)
    handler = {"filters": ["request_id"], "formatter": "json"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "web.request_log.RequestIdFilter"}},
        "formatters": {"json": {"()": "pythonjsonlogger.json.JsonFormatter", "fmt": FORMAT,
                                "timestamp": "time",  # ISO 8601 in UTC, with its offset
                                "rename_fields": {"levelname": "level", "name": "logger"}}},
        "handlers": {
            "stderr": {"class": "logging.StreamHandler", **handler},
            "file": {"class": "logging.handlers.WatchedFileHandler", "filename": str(log_dir / "platform.log"),
                     "encoding": "utf-8", **handler},
        },
        # errors with their tracebacks whatever DEBUG says (Django's default logs them only when debugging)
        "root": {"handlers": ["stderr", "file"], "level": level},
        "loggers": {
            "django": {"handlers": ["stderr", "file"], "level": level, "propagate": False},
            "django.db.backends": {"level": "WARNING"},  # SQL at DEBUG only, and never by default
            "django.server": {"level": "WARNING"},  # runserver's access lines: web.request_log writes ours
            # handlers of its own, so `run_huey` does not add a plain-text one on top of ours
            "huey": {"handlers": ["stderr", "file"], "level": level, "propagate": False},
            "axes": {"level": "WARNING"},  # its start-up banner in every command otherwise
        },
    }
