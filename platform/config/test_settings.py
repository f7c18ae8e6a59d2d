"""Settings for the test suite: the same as production, with huey tasks run inline."""
from .settings import *  # noqa: F401,F403
from .settings import HUEY

HUEY = {**HUEY, "immediate": True}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast user creation
# the suite does not run collectstatic: templates name static files as they are
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
