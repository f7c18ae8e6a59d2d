"""Login throttling (django-axes): wrong passwords pause a user name, in words, and platform admins see the audit."""
import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.urls import reverse

from accounts.models import User

LOGIN = "/login/"


@pytest.fixture
def wang(db):
    return User.objects.create_user("wangmin", password="right-password-1")


def _try(client, password, username="wangmin"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR="10.0.0.7")


def test_five_wrong_passwords_pause_the_user_name_even_for_the_right_one(client, wang):
    for _ in range(4):
        assert _try(client, "wrong").status_code == 200  # the form again, with its error

    locked = _try(client, "wrong")
    then = _try(client, "right-password-1")

    assert locked.status_code == 429 and then.status_code == 429
    html = then.content.decode()
    assert "该用户名的密码已连续输错 5 次，使用该用户名登录已暂停 15 分钟" in html and "data-locked-out" in html
    assert "_auth_user_id" not in client.session
    assert AccessFailureLog.objects.filter(username="wangmin").count() >= 5


def test_the_pause_is_per_user_name_not_per_office_address(client, wang):
    """Consultants at one sales office share an address: one person's typos lock only their own name."""
    User.objects.create_user("liqiang", password="other-password-1")
    for _ in range(5):
        _try(client, "wrong")

    response = _try(client, "other-password-1", username="liqiang")

    assert response.status_code == 302 and client.session["_auth_user_id"]


def test_a_right_password_resets_the_count(client, wang):
    for _ in range(4):
        _try(client, "wrong")
    assert _try(client, "right-password-1").status_code == 302
    client.logout()
    for _ in range(4):
        _try(client, "wrong")

    assert _try(client, "right-password-1").status_code == 302


def test_the_pause_is_said_in_english_too(client, wang):
    client.cookies["django_language"] = "en"
    for _ in range(5):
        _try(client, "wrong")

    html = _try(client, "right-password-1").content.decode()

    assert "The password was wrong 5 times for this user name, so logging in with it is paused for 15 minutes" in html


def test_logins_and_failures_are_in_the_admin_for_platform_admins(client, wang):
    admin = User.objects.create_superuser("root", password="root-password-1")
    _try(client, "wrong")
    _try(client, "right-password-1")
    client.logout()
    client.force_login(admin)

    failures = client.get(reverse("admin:axes_accessfailurelog_changelist")).content.decode()
    logins = client.get(reverse("admin:axes_accesslog_changelist")).content.decode()

    assert "wangmin" in failures and "wangmin" in logins
    assert AccessLog.objects.filter(username="wangmin").exists()
    assert not AccessAttempt.objects.filter(username="wangmin").exists()  # reset by the right password
