"""Delivery channels beyond the product: email (Django's backend) and a hook for SMS or WeChat.

A client's own SMS or WeChat provider is a class with `send(user, subject, text, link)`,
named in settings.NOTIFICATION_SMS_BACKEND; the shipped one only logs.
"""
from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.utils import translation
from django.utils.module_loading import import_string

from .models import Notification
from .words import title

log = logging.getLogger(__name__)


class ChannelError(Exception):
    """A channel could not deliver (the reason is kept in the delivery log)."""


class LoggingSms:
    """The shipped SMS/WeChat backend: writes the message to the log, sends nothing."""

    def send(self, user, subject: str, text: str, link: str) -> None:
        log.info("sms to user %s: %s %s", user.pk, subject, link)


def _language(user) -> str:
    return getattr(user, "language", "") or settings.LANGUAGE_CODE


def _email(notification: Notification) -> None:
    user = notification.recipient
    if not user.email:
        raise ChannelError("the recipient has no email address")
    with translation.override(_language(user)):
        subject = title(notification.kind, notification.params)
    url = settings.NOTIFICATION_SITE_URL.rstrip("/") + notification.link
    send_mail(subject, f"{subject}\n\n{url}\n", None, [user.email])


def _sms(notification: Notification) -> None:
    user = notification.recipient
    with translation.override(_language(user)):
        subject = title(notification.kind, notification.params)
    backend = import_string(settings.NOTIFICATION_SMS_BACKEND)()
    backend.send(user, subject, subject, notification.link)


SENDERS = {"email": _email, "sms": _sms}
