"""The API tokens page and the menu link to it read as the pages must (tests/web/page_text.py): no English in
Chinese, no codes, no None, in both languages, with tokens listed."""
import pytest

from api.models import ApiToken
from tests.web.page_text import problems, read

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_tokens_page_reads_clean(client, people, language):
    ApiToken.issue(people["consultant"], "银行系统" if language == "zh-hans" else "bank system", scope="write",
                   projects=[people["p1"]])
    client.cookies["django_language"] = language
    client.force_login(people["consultant"])
    page = client.get("/account/api-tokens/")

    found = problems(read(page.content.decode()), chinese=language == "zh-hans", codes={"read", "write"},
                     data={"Project one", "P1", "consultant", "rep_", ApiToken.objects.get().hint, "English", "简体中文"},
                     allowed_words={"UTC"})
    assert found == []
