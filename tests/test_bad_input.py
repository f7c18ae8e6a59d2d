"""Bad input gives words, never a traceback or a server error (issue 16, "crashes on bad input").

One test per finding: a JSON form field nested 100,000 deep; plugin rules whose top level is a
list; a file that is not UTF-8 given to `flows publish --overrides`, `rules validate`, `rules publish`
(and to the loaders of flows and schemas); a key in a query string that is not one (beyond 64 bits,
or a digit such as ² that `int()` refuses); a number too long to round in a money, decimal or
percentage field. Each refusal says what and where: the file and line, the form's field, or, for
a link's key, the page simply names nothing, as for a key nobody has.
"""
from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from accounts.models import Membership
from definitions.entity import load_schema_file
from definitions.loader import read_template
from engine import versions
from engine.models import FlowVersion
from extensions.errors import InvalidRules
from extensions.models import RuleSet
from extensions.rulesets import publish_rules
from forms import build_form_class
from forms.parsing import MAX_KEY, json_depth, parse_key
from tests.forms.conftest import world  # noqa: F401  (the fixture: project F1 with units and customers)

GBK = "base_price: '20000.00'\ntitle: 价格表\n".encode("gbk")  # line 2 is where UTF-8 reading stops
DEEP = "[" * 100_000 + "]" * 100_000
BEYOND_64_BITS = str(2**63)
HUGE = "9" * 30


# -- a JSON form field nested 100,000 deep ---------------------------------------------------------------

def _json_form(data: dict):
    schema = {"type": "object", "properties": {"details": {"type": "object"}}}
    return build_form_class(schema, SimpleNamespace(fields=("details",), required=(), extra={}), lang="zh-hans")(data)


def test_a_json_field_nested_100000_deep_is_an_error_at_the_field_in_words():
    with translation.override("zh-hans"):
        form = _json_form({"details": DEEP})

        assert not form.is_valid()
        assert form.errors == {"details": ["嵌套层数过多：[ ] 和 { } 最多 32 层。"]}
        assert DEEP[:50] in str(form["details"])  # shown again as typed, no RecursionError drawing it
    with translation.override("en"):
        assert _json_form({"details": DEEP}).errors == {
            "details": ["Nested too deeply: at most 32 levels of [ ] and { }."]}


def test_json_within_the_depth_is_read_and_brackets_inside_texts_do_not_count():
    form = _json_form({"details": '{"note": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", "rows": [[1], [2]]}'})

    assert form.is_valid(), form.errors
    assert form.cleaned_data["details"] == {"note": "[" * 40, "rows": [[1], [2]]}
    assert json_depth('{"a": "\\"[[[["}') == 1


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
    path.write_bytes(b"\xef\xbb\xbf" + b"basis: unit\n")
    out = StringIO()

    call_command("rules", "validate", "pricing", str(path), stdout=out)

    assert out.getvalue().strip() == "1 file(s) valid"


# -- a key in a query string that is not one ---------------------------------------------------------------

@pytest.fixture
def site(client, world):
    versions.publish(world["p1"], "reservation")
    client.force_login(world["consultant"])
    return client


@pytest.mark.parametrize("value", [BEYOND_64_BITS, HUGE, "²", "١٢"])
@pytest.mark.parametrize("url", ["/start/F1/reservation/?unit_id={}", "/start/F1/reservation/?customer_id={}",
                                 "/projects/F1/customers/?consultant={}", "/projects/F1/front-desk/?done={}",
                                 "/?project={}", "/?q={}", "/projects/F1/records/reservation/?q={}"])
def test_a_key_in_a_link_that_is_not_one_names_nothing_and_the_page_answers(site, url, value):
    response = site.get(url.format(value))

    assert response.status_code == 200


@pytest.mark.parametrize("value", [BEYOND_64_BITS, "²"])
def test_a_start_link_whose_unit_or_customer_key_is_not_one_starts_with_nothing_chosen(site, world, value):
    html = site.get(f"/start/F1/reservation/?unit_id={value}&customer_id={value}").content.decode()

    assert 'value="3-' not in html and "张伟" not in html and "李娜" not in html


def test_keys_are_ascii_digits_up_to_64_bits():
    assert [parse_key(v) for v in ("12", " 12", "0", "-3", "²", "١٢", BEYOND_64_BITS, str(MAX_KEY), HUGE, None,
                                   True, 7)] == [12, None, None, None, None, None, None, MAX_KEY, None, None,
                                                 None, 7]


# -- a number too long to round in a money, decimal or percentage field -------------------------------------

@pytest.mark.parametrize("fields, value, error", [
    ({"amount": {"type": "string", "format": "money"}}, HUGE, "金额应小于 ¥1,000,000,000,000.00。"),
    ({"amount": {"type": "string", "format": "money"}}, "-" + HUGE, "金额应小于 ¥1,000,000,000,000.00。"),
    ({"amount": {"type": "string", "format": "decimal"}}, HUGE, "请输入数字，例如 89.37。"),
    ({"amount": {"type": "string", "x-percent": True}}, HUGE, "请输入百分比，例如 5 或 5%。"),
])
def test_a_number_too_long_to_round_is_an_error_at_its_field(fields, value, error):
    schema = {"type": "object", "properties": fields}
    with translation.override("zh-hans"):
        form = build_form_class(schema, SimpleNamespace(fields=("amount",), required=(), extra={}))({"amount": value})

        assert form.errors == {"amount": [error]}
