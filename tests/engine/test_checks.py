"""`manage.py check` refuses to start on a broken flow."""
from django.core import checks

from engine.checks import check_flow_templates


def test_check_is_clean_on_the_shipped_flows(db):
    assert check_flow_templates() == []


def test_check_reports_a_broken_flow_with_an_id_and_a_hint(db, flows_dir):
    path = flows_dir / "reservation.yaml"
    path.write_text(path.read_text().replace("to: converted", "to: convrted"))

    errors = check_flow_templates()

    # one mistake, one message: the unreachable state it causes is not reported again
    assert [(e.id, e.level, e.msg) for e in errors] == [(
        "flows.E001", checks.ERROR,
        "flows/reservation.yaml: transitions[1].to: unknown state 'convrted'; did you mean 'converted'? (line 90)",
    )]
    assert errors[0].hint == "Run `python manage.py flows validate` for the full list."
