"""Settings come from the environment: embedded defaults, PostgreSQL and Redis when set."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def settings_in(env: dict) -> dict:
    code = (
        "import json, django; from django.conf import settings as s; django.setup();"
        "d = s.DATABASES['default']; print(json.dumps({'engine': d['ENGINE'], 'name': str(d['NAME']),"
        "'init': d.get('OPTIONS', {}).get('init_command', ''), 'huey': s.HUEY['huey_class'],"
        "'huey_file': s.HUEY.get('filename'), 'huey_url': s.HUEY.get('url'), 'lang': s.LANGUAGE_CODE,"
        "'tz': s.TIME_ZONE, 'languages': [c for c, _ in s.LANGUAGES],"
        "'prepare_threshold': d.get('OPTIONS', {}).get('prepare_threshold')}))"
    )
    base = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
        env={**base, "PYTHONPATH": str(ROOT / "platform"), "DJANGO_SETTINGS_MODULE": "config.settings", **env},
    )
    import json
    return json.loads(result.stdout)


def test_default_is_sqlite_in_wal_mode_and_sqlite_huey_under_var(tmp_path):
    s = settings_in({"PLATFORM_VAR_DIR": str(tmp_path)})

    assert s["engine"] == "django.db.backends.sqlite3"
    assert s["name"] == str(tmp_path / "platform.sqlite3")
    assert "journal_mode=WAL" in s["init"]
    assert (s["huey"], s["huey_file"]) == ("huey.SqliteHuey", str(tmp_path / "huey.sqlite3"))
    assert (s["lang"], s["tz"], s["languages"]) == ("zh-hans", "Asia/Shanghai", ["zh-hans", "en"])


def test_database_url_and_redis_url_switch_backends(tmp_path):
    s = settings_in({"PLATFORM_VAR_DIR": str(tmp_path),
                     "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/test",
                     "REDIS_URL": "redis://127.0.0.1:6379/3"})

    assert (s["engine"], s["name"]) == ("django.db.backends.postgresql", "test")
    assert (s["huey"], s["huey_url"]) == ("huey.RedisHuey", "redis://127.0.0.1:6379/3")
    assert s["prepare_threshold"] == sys.maxsize  # the engine may prepare; the ORM's statements never reach it


def test_prepared_statements_can_be_turned_off_for_a_pooler(tmp_path):
    s = settings_in({"PLATFORM_VAR_DIR": str(tmp_path), "PLATFORM_PREPARED_STATEMENTS": "0",
                     "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/test"})

    assert s["prepare_threshold"] is None  # Django's default: psycopg prepares nothing


def test_the_sqlite_database_really_runs_in_wal_mode(tmp_path):
    code = ("import django; django.setup(); from django.db import connection;"
            "c = connection.cursor(); c.execute('PRAGMA journal_mode'); print(c.fetchone()[0])")
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
        env={**{k: v for k, v in os.environ.items() if k != "DATABASE_URL"}, "PYTHONPATH": str(ROOT / "platform"),
             "DJANGO_SETTINGS_MODULE": "config.settings", "PLATFORM_VAR_DIR": str(tmp_path)},
    )
    assert result.stdout.strip() == "wal"
