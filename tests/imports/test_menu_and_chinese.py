"""The imports page is in the menu for whoever may import, and for nobody else; every string of the imports has Chinese."""
import subprocess
import sys
from pathlib import Path

from django.urls import reverse

from tests.kernel.conftest import make_user

ROOT = Path(__file__).resolve().parents[2]
IMPORTS_LINK = 'data-nav="imports"'


def _menu(client, user) -> str:
    client.force_login(user)
    return client.get(reverse("web:inbox")).content.decode()


def test_the_menu_links_the_imports_page_for_admins_and_implementers_only(client, site):
    url = reverse("web:imports", args=["NEW"])
    implementer = make_user("impl", site["project"], "implementer")
    for user in (site["admin"], implementer):
        page = _menu(client, user)
        assert f'href="{url}" {IMPORTS_LINK}' in page
        assert client.get(url).status_code == 200  # the link leads to a page that answers, not a refusal
    for user in (site["wang"], site["manager"], site["finance"]):
        assert IMPORTS_LINK not in _menu(client, user)


def test_a_superuser_sees_the_imports_of_a_project_they_are_not_a_member_of(client, site, django_user_model):
    root = django_user_model.objects.create_superuser("root", password="x")
    assert f'href="{reverse("web:imports", args=["NEW"])}" {IMPORTS_LINK}' in _menu(client, root)


def test_every_string_of_the_imports_and_bundles_has_chinese():
    """bin/missing-messages extracts as makemessages does (blocktranslate bodies, contexts) and lists what lacks Chinese."""
    paths = ["platform/imports", "platform/bundles", "platform/web/views/imports.py",
             "platform/web/templates/web/imports", "platform/web/templates/web/base.html"]
    result = subprocess.run([sys.executable, str(ROOT / "bin/missing-messages"), *paths], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
