"""The page frame every page shares: skip link, landmarks, the menu, the user's name, messages, the login page."""
import re

import pytest
from django.contrib import messages
from django.template.loader import render_to_string
from django.test import RequestFactory

from accounts.models import Membership
from kernel.models import Project

from .page_text import problems, read

FOCUSABLE = re.compile(r"<(a|button|select|input|summary|textarea)\b(?![^>]*type=\"hidden\")[^>]*>")


def test_the_skip_link_is_the_first_focusable_element_and_leads_to_main(client, people):
    client.force_login(people["consultant"])

    page = client.get("/").content.decode()

    body = page[page.index("<body"):]
    first = FOCUSABLE.search(body).group(0)
    assert 'class="skip-link" href="#main"' in first
    assert "跳到正文" in body[:body.index("</a>")]
    assert '<main id="main"' in page and '<header class="top">' in page and "<nav " in page


def test_the_header_names_the_user_by_display_name_and_offers_language_and_logout(client, people):
    people["consultant"].display_name = "李小红"
    people["consultant"].save()
    client.force_login(people["consultant"])

    page = client.get("/").content.decode()

    assert '<span class="user-name" data-user>李小红</span>' in page
    assert 'name="language"' in page and 'action="/logout/"' in page


def test_projects_share_one_chooser_so_the_header_does_not_grow_with_them(client, people):
    # given a consultant in five projects
    user = people["consultant"]
    for n in range(2, 6):
        project = Project.objects.create(code=f"X{n}", name=f"项目{n}")
        Membership.objects.create(user=user, project=project, role="sales_consultant")
    client.force_login(user)

    page = client.get("/").content.decode()

    nav = page[page.index("<nav "):page.index("</nav>")]
    assert nav.count("<summary>") == 1 and nav.count('class="dropdown projects"') == 1
    assert nav.count("data-project=") == 5
    for code in ("P1", "X2", "X5"):
        assert f'href="/projects/{code}/chart/"' in nav


@pytest.mark.parametrize(("level", "role", "tag"), [
    (messages.SUCCESS, "status", "success"), (messages.INFO, "status", "info"),
    (messages.WARNING, "alert", "warning"), (messages.ERROR, "alert", "error"),
])
def test_messages_are_styled_by_level_and_announced_by_role(people, level, role, tag):
    request = RequestFactory().get("/")
    request.user = people["consultant"]
    request.session = {}
    from django.contrib.messages.storage.fallback import FallbackStorage

    request._messages = FallbackStorage(request)
    messages.add_message(request, level, "已保存")

    html = render_to_string("web/base.html", request=request)

    assert f'<div class="message {tag}" data-message="{tag}" role="{role}">' in html
    assert 'data-dismiss hidden aria-label="关闭提示"' in html


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_login_page_speaks_one_language(client, db, language):
    client.cookies["django_language"] = language

    page = client.get("/login/").content.decode()
    refused = client.post("/login/", {"username": "nobody", "password": "wrong"}).content.decode()

    for html in (page, refused):
        assert problems(read(html), chinese=language == "zh-hans", codes=set(), data={"简体中文", "English"},
                        allowed_words=set()) == []
    assert 'role="alert"' in refused
    assert ("登录" if language == "zh-hans" else "Log in") in page
