"""`manage.py check --database default` checks the client templates that bundles stored, as it checks the files."""
from __future__ import annotations

import pytest
from django.core import checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from engine.checks import check_client_templates
from engine.models import ClientTemplate

from .conftest import bundle


@pytest.fixture
def harbour(db, sample):
    assert bundle("load", str(sample("harbour-homes"))).code == 0
    return ClientTemplate.objects.get(name="service_complaint")


def test_stored_client_templates_that_still_build_pass_the_check(harbour):
    assert check_client_templates(databases=["default"]) == []


def test_a_stored_template_this_release_no_longer_builds_fails_the_check_naming_its_bundle_and_line(harbour):
    # given a client template calling an action the installation no longer has (as after a release dropped it)
    line = harbour.flow_text[:harbour.flow_text.index("action: record.set")].count("\n") + 1
    ClientTemplate.objects.filter(pk=harbour.pk).update(
        flow_text=harbour.flow_text.replace("action: record.set", "action: record.sett"))

    # when
    errors = check_client_templates(databases=["default"])

    # then
    assert [(e.id, e.level) for e in errors] == [("flows.E003", checks.ERROR)]
    assert errors[0].msg.startswith(f"[{harbour.source}] templates/flows/service_complaint.yaml: ")
    assert "record.sett" in errors[0].msg and errors[0].msg.endswith(f"(line {line})")
    assert "bundle load" in errors[0].hint
    with pytest.raises(SystemCheckError):
        call_command("check", "--database", "default")


def test_the_check_without_a_database_reads_nothing(harbour, django_assert_num_queries):
    ClientTemplate.objects.filter(pk=harbour.pk).update(flow_text="name: [")

    with django_assert_num_queries(0):
        assert check_client_templates() == []
