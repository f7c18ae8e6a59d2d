"""`manage.py check --deploy`: the address people are sent to (emails, the QR codes on printed paper) is the site's."""
from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks

_LOCAL = {"localhost", "127.0.0.1", "::1", ""}


@checks.register(checks.Tags.security, deploy=True)
def check_site_url(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """PLATFORM_SITE_URL set to the public address, over HTTPS when the site is.

    Every link in an email and every QR code printed on a receipt or a contract is this
    address plus a path; left at its default, paper handed to buyers points at localhost.
    """
    url = settings.NOTIFICATION_SITE_URL
    parts = urlsplit(url)
    if parts.hostname in _LOCAL or parts.hostname is None:
        return [checks.Warning(
            f"PLATFORM_SITE_URL is {url!r}: links in emails and the QR codes on printed documents would point there",
            hint="Set PLATFORM_SITE_URL to the address people use, e.g. https://sales.example.com (docs/deployment.md).",
            id="platform.W001")]
    if settings.SECURE_SSL_REDIRECT and parts.scheme != "https":
        return [checks.Warning(
            f"PLATFORM_SITE_URL is {url!r} but the site redirects to HTTPS: links would take a detour over HTTP",
            hint="Write the address with https://.", id="platform.W002")]
    return []
