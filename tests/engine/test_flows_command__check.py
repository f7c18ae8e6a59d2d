"""`flows check` and `flows publish --new-only/--default`: the checks across flows and records on the command line."""
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from engine import versions
from engine.runtime import records

GOOD = {"unit_id": 7, "price": "1000000.00", "discount_rate": "0.05"}


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("flows", *args, stdout=out, stderr=err)
    return out.getvalue()


def _require_note(flows_dir):
    path = flows_dir / "discount.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "required: [unit_id, price, discount_rate]\n", "required: [unit_id, price, discount_rate, note]\n"),
        encoding="utf-8")


def test_check_lists_the_records_a_publish_would_leave_lacking_a_field_and_exits_1(engine_flows, people):
    versions.publish(people["p1"], "discount")
    records.start_record(people["consultant"], people["p1"], "discount", GOOD)
    _require_note(engine_flows)
    out = StringIO()

    with pytest.raises(CommandError) as caught:
        call_command("flows", "--lang", "zh", "check", "--project", "P1", "discount", stdout=out)

    assert caught.value.returncode == 1
    assert "1 项会导致发布被拒绝" in str(caught.value)
    assert "discount: [拒绝] 自此版本起“note”为必填项；缺少该字段的在办记录：1 条（版本 v1）" in out.getvalue()


def test_check_passes_and_names_the_settings_nothing_reads(engine_flows, people):
    versions.publish(people["p1"], "discount")

    out = run("check", "--project", "P1")

    assert "1 flow(s) checked: a publish would break no running record" in out
    assert "settings: [note] The project setting “Reservation hold (hours)” is read by no flow" in out
    assert "discount_allowance" not in out and "Consultant discount allowance" not in out  # the guard reads it


def test_publish_refused_by_the_checks_says_why_and_publishes_nothing(engine_flows, people):
    versions.publish(people["p1"], "discount")
    records.start_record(people["consultant"], people["p1"], "discount", GOOD)
    _require_note(engine_flows)
    out = StringIO()

    with pytest.raises(CommandError) as caught:
        call_command("flows", "publish", "--project", "P1", "discount", stdout=out)

    assert caught.value.returncode == 1 and "nothing was published" in str(caught.value)
    assert "running records lacking it: 1" in out.getvalue()
    assert versions.published_version(people["p1"], "discount").number == 1


def test_publish_with_a_choice_for_the_field_goes_ahead(engine_flows, people):
    versions.publish(people["p1"], "discount")
    records.start_record(people["consultant"], people["p1"], "discount", GOOD)
    _require_note(engine_flows)

    out = run("publish", "--project", "P1", "--default", "note=none given", "discount")

    assert "published P1/discount v2" in out
    assert '"default":"none given"' in versions.published_version(people["p1"], "discount").content
