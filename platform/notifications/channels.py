"""Delivery channels beyond the product: email (Django's backend) and a hook for SMS or WeChat.

A client's own SMS or WeChat provider is a class with `send(user, subject, text, link)`,
named in settings.NOTIFICATION_SMS_BACKEND; the shipped one only logs.
"""
from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.module_loading import import_string

from kernel.zones import local_text

from .models import Notification
from .preferences import language_of
from .words import title

log = logging.getLogger(__name__)


class ChannelError(Exception):
    """A channel could not deliver (the reason is kept in the delivery log)."""


class LoggingSms:
    """The shipped SMS/WeChat backend: writes the message to the log, sends nothing."""

    def send(self, user, subject: str, text: str, link: str) -> None:
        log.info("sms to user %s: %s %s", user.pk, subject, link)


def _site(path: str) -> str:
    return settings.NOTIFICATION_SITE_URL.rstrip("/") + path


def _email(notification: Notification) -> None:
    """The email in the recipient's language (their choice, else the site's): a job has no request to read it from."""
    user = notification.recipient
    if not user.email:
        raise ChannelError("the recipient has no email address")
    project = notification.project
    with translation.override(language_of(user)):
        subject = title(notification.kind, notification.params)
        body = render_to_string("notifications/email.txt", {
            "name": user.display_name or user.get_full_name() or user.get_username(), "subject": subject,
            "url": _site(notification.link), "project": project.name,
            "at": local_text(notification.created_at or timezone.now(), project.zone),
            "settings_url": _site(reverse("web:notification-settings"))})
    send_mail(subject, body, None, [user.email])


def _sms(notification: Notification) -> None:
    user = notification.recipient
    with translation.override(language_of(user)):
        subject = title(notification.kind, notification.params)
    backend = import_string(settings.NOTIFICATION_SMS_BACKEND)()
    backend.send(user, subject, subject, notification.link)


SENDERS = {"email": _email, "sms": _sms}
