"""Settings for the benchmarks only: production settings plus the baselines' apps.

`viewflow.workflow` (the code-defined viewflow baseline) and `bench` (the floor's
models) are installed here and nowhere else, so production settings do not change.

The benchmark database is a throw-away one, created and dropped by the run
(`bench.db`): `test_<NAME>` for DATABASE_URL=postgres://.../NAME, or a SQLite file
under var/bench/ with the production SQLite options (WAL) when DATABASE_URL is unset.
A worker process (launch rush, gunicorn) is pointed at the database the parent made
through BENCH_DB_NAME.
"""
import os

os.environ.setdefault("DJANGO_DEBUG", "1")  # the production module refuses DEBUG=0 with the dev key

from config.settings import *  # noqa: E402,F401,F403
from config.settings import DATABASES, INSTALLED_APPS, VAR_DIR  # noqa: E402

INSTALLED_APPS = [*INSTALLED_APPS, "viewflow", "viewflow.workflow", "bench"]

# Production-like: no query log kept per connection, no debug pages.
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "bench-only-not-secret")
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # thousands of users, fast logins
HUEY = {**HUEY, "immediate": True}  # noqa: F405 - no consumer runs during a benchmark
LOGGING = {"version": 1, "disable_existing_loggers": False}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # the mails notifications send, kept in memory

_db = DATABASES["default"]
if _db["ENGINE"].endswith("sqlite3"):
    BENCH_DIR = VAR_DIR / "bench"
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    _db["TEST"] = {"NAME": str(BENCH_DIR / f"bench-{os.getpid()}.sqlite3")}
if os.environ.get("BENCH_DB_NAME"):
    _db["NAME"] = os.environ["BENCH_DB_NAME"]
