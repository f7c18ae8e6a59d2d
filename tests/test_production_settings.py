"""Production settings from the environment: `check --deploy` clean under the documented ones, static files served
without DEBUG (WhiteNoise after collectstatic), and the demo's defaults unchanged."""
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _manage(env: dict, *args: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PLATFORM_"))}
    base.pop("DATABASE_URL", None)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env={**base, **env},
                          capture_output=True, text=True, timeout=120)


def _production(tmp_path, **extra) -> dict:
    return {"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": secrets.token_urlsafe(50), "PLATFORM_VAR_DIR": str(tmp_path),
            "DJANGO_ALLOWED_HOSTS": "sales.example.com", **extra}


def test_check_deploy_is_clean_under_the_documented_settings(tmp_path):
    done = _manage(_production(tmp_path, PLATFORM_HTTPS="1", PLATFORM_SITE_URL="https://sales.example.com"),
                   "check", "--deploy", "--fail-level", "WARNING")

    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


def test_check_deploy_warns_while_links_and_qr_codes_would_point_at_localhost(tmp_path):
    unset = _manage(_production(tmp_path, PLATFORM_HTTPS="1"), "check", "--deploy")
    plain = _manage(_production(tmp_path, PLATFORM_HTTPS="1", PLATFORM_SITE_URL="http://sales.example.com"),
                    "check", "--deploy")

    assert "platform.W001" in unset.stderr and "PLATFORM_SITE_URL" in unset.stderr
    assert "platform.W002" in plain.stderr and "platform.W001" not in plain.stderr


def test_without_https_check_deploy_names_what_is_missing(tmp_path):
    done = _manage(_production(tmp_path), "check", "--deploy")

    assert "security.W008" in done.stderr and "security.W012" in done.stderr


def test_without_debug_the_collected_static_files_are_served(tmp_path):
    env = _production(tmp_path, DJANGO_ALLOWED_HOSTS="testserver")
    collected = _manage(env, "collectstatic", "--no-input", "-v", "0")
    assert collected.returncode == 0, collected.stderr
    probe = ("from django.test import Client; from django.templatetags.static import static; "
             "url = static('web/app.css'); r = Client().get(url); "
             "print(url, r.status_code, r.headers.get('Cache-Control'), b''.join(r.streaming_content)[:0])")
    done = _manage(env, "shell", "--no-imports", "-c", probe)

    url, status, *cache = next(line for line in done.stdout.splitlines() if line.startswith("/static/")).split()
    assert status == "200", done.stdout + done.stderr
    assert url != "/static/web/app.css" and url.endswith(".css")  # content-hashed name
    assert "max-age=315360000" in " ".join(cache)
