"""Bad input gives words, never a traceback or a server error (issue 16, "crashes on bad input").

One test per finding: plugin rules whose top level is a list; a file that is not UTF-8 given to
`flows publish --overrides`, `rules validate`, `rules publish` (and to the loaders of flows and
schemas). Each refusal says what and where: the file and line, or the path.
"""
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import Membership
from definitions.entity import load_schema_file
from definitions.loader import read_template
from engine.models import FlowVersion
from extensions.errors import InvalidRules
from extensions.models import RuleSet
from extensions.rulesets import publish_rules

GBK = "base_price: '20000.00'\ntitle: 价格表\n".encode("gbk")  # line 2 is where UTF-8 reading stops


# -- plugin rules whose top level is a list --------------------------------------------------------------

@pytest.fixture
def rules_admin(client, people):
    Membership.objects.create(user=people["manager"], project=people["p1"], role="project_admin")
    client.force_login(people["manager"])
    return client


def test_rules_whose_top_level_is_a_list_are_refused_on_the_rules_page_and_nothing_is_saved(rules_admin, people):
    response = rules_admin.post("/studio/P1/rules/pricing/", {"config": "- basis\n- base_price\n"},
                                HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert "expected a mapping, got a list" in response.content.decode()
    assert "- basis" in response.content.decode()  # the text stays in the editor as typed
    assert RuleSet.objects.count() == 0


def test_publishing_rules_that_are_not_a_mapping_is_refused_by_path(people):
    with pytest.raises(InvalidRules) as refusal:
        publish_rules(people["p1"], "pricing", ["basis", "base_price"])

    assert [p.render() for p in refusal.value.problems] == ["expected a mapping, got a list"]
    assert RuleSet.objects.count() == 0


# -- a file that is not UTF-8 ----------------------------------------------------------------------------

def _gbk_file(tmp_path, name="rules.yaml"):
    path = tmp_path / name
    path.write_bytes(GBK)
    return path


NOT_UTF8 = "the file is not UTF-8 text (byte 0xBC, column 8): save it as UTF-8 (line 2)"


def test_flows_publish_with_overrides_that_are_not_utf8_names_the_file_and_line_and_publishes_nothing(
        people, tmp_path):
    path = _gbk_file(tmp_path, "overrides.yaml")
    out = StringIO()

    with pytest.raises(CommandError, match=r"1 problem\(s\); nothing was published"):
        call_command("flows", "publish", "--project", "P1", "--overrides", str(path), "reservation", stdout=out)

    assert out.getvalue().strip() == f"{path}: {NOT_UTF8}"
    assert FlowVersion.objects.count() == 0


def test_rules_validate_with_a_file_that_is_not_utf8_names_the_file_and_line(db, tmp_path):
    path = _gbk_file(tmp_path)
    out = StringIO()

    with pytest.raises(SystemExit) as exit_:
        call_command("rules", "validate", "pricing", str(path), stdout=out)

    assert exit_.value.code == 1
    assert out.getvalue().strip() == f"{path}: {NOT_UTF8}"


def test_rules_publish_with_a_file_that_is_not_utf8_names_the_file_and_line_in_chinese_and_saves_nothing(
        people, tmp_path):
    path = _gbk_file(tmp_path)
    out = StringIO()

    with pytest.raises(SystemExit):
        call_command("rules", "--lang", "zh", "publish", "--project", "P1", "pricing", str(path), stdout=out)

    assert out.getvalue().strip() == f"{path}: 文件不是 UTF-8 文本（第 8 列的字节 0xBC），请以 UTF-8 编码保存（第 2 行）"
    assert RuleSet.objects.count() == 0


def test_flow_and_schema_files_that_are_not_utf8_are_one_problem_with_the_line(tmp_path):
    flow, schema = _gbk_file(tmp_path, "price.yaml"), _gbk_file(tmp_path, "price.json")

    read = read_template(flow)
    _none, problems = load_schema_file(schema)

    assert [p.render(with_line=True) for p in read.problems] == [f"{flow}: {NOT_UTF8}"]
    assert [p.render(with_line=True) for p in problems] == [f"{schema}: {NOT_UTF8}"]


def test_a_byte_order_mark_is_not_a_problem(db, tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + "basis: unit\n".encode())
    out = StringIO()

    call_command("rules", "validate", "pricing", str(path), stdout=out)

    assert out.getvalue().strip() == "1 file(s) valid"
