"""What docs/deployment.md shows an operator is what works: its nginx configuration passes `nginx -t`, and its
Content-Security-Policy line is the policy the platform sends."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "deployment.md").read_text(encoding="utf-8")


def _ensure_nginx() -> str:
    """nginx from Debian's packages, installed when missing, as tests/browser installs chromium."""
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
    if found:
        return found
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        pytest.skip("nginx is not installed and cannot be installed here (no apt-get, or not root): "
                    "apt-get install nginx to check docs/deployment.md's configuration")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-q", "--no-install-recommends", "nginx"]
    if subprocess.run(install, env=env, capture_output=True).returncode:
        subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True)
        result = subprocess.run(install, env=env, capture_output=True, text=True)
        if result.returncode:
            pytest.fail(f"could not install nginx: {result.stderr[-500:]}")
    return shutil.which("nginx") or "/usr/sbin/nginx"


def _nginx_block() -> str:
    blocks = re.findall(r"```nginx\n(.*?)```", DOC, re.S)
    assert len(blocks) == 1, "docs/deployment.md should show one nginx configuration"
    return blocks[0]


def test_the_documented_nginx_configuration_passes_nginx_t(tmp_path):
    nginx = _ensure_nginx()
    block = _nginx_block()
    # the operator's certificate and log folder do not exist here: a throw-away certificate and tmp_path instead
    made = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                           "/CN=sales.example.com", "-keyout", str(tmp_path / "key.pem"),
                           "-out", str(tmp_path / "cert.pem")], capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    site = (block.replace("/etc/letsencrypt/live/sales.example.com/fullchain.pem", str(tmp_path / "cert.pem"))
            .replace("/etc/letsencrypt/live/sales.example.com/privkey.pem", str(tmp_path / "key.pem"))
            .replace("/var/log/nginx/", f"{tmp_path}/"))
    assert site.count(str(tmp_path)) == 3, "the documented paths changed: update this test's replacements"
    (tmp_path / "platform.conf").write_text(site, encoding="utf-8")
    # what Debian's /etc/nginx/nginx.conf gives a site: an http block with the MIME types
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n  include /etc/nginx/mime.types;\n  access_log {tmp_path}/access.log;\n"
        f"  include {tmp_path}/platform.conf;\n}}\n", encoding="utf-8")

    result = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                            capture_output=True, text=True)

    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr and "test is successful" in result.stderr
    assert "[warn]" not in result.stderr, result.stderr


def _directives(policy: str) -> dict[str, list[str]]:
    out = {}
    for part in policy.split(";"):
        name, *values = part.split()
        out[name] = sorted("'nonce-…'" if v.startswith("'nonce-") else v for v in values)
    return out


def test_the_documented_content_security_policy_is_what_the_app_sends(client, db):
    documented = re.findall(r"^Content-Security-Policy: (.+)$", DOC, re.M)
    assert len(documented) == 1, "docs/deployment.md should show the policy once"

    response = client.get("/login/")
    sent = response.headers["Content-Security-Policy"]

    assert response.status_code == 200
    assert re.search(r"'nonce-[A-Za-z0-9+/=_-]{16,}'", sent), sent  # the page's scripts carry it
    assert _directives(sent) == _directives(documented[0])
