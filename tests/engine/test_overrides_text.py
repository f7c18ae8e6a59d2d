"""The overrides kept as the text the admin wrote: from a file, on the binding and each version, restored by rollback."""
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction

from engine import versions
from engine.models import FlowBinding, FlowVersion

TEXT = ("# contracts are due sooner in this project (agreed 2 Dec)\n"
        "states:\n  awaiting_contract:\n    deadline: {after: 3d}  # was 7d\n")


def publish_file(tmp_path, text: str) -> str:
    path = tmp_path / "subscription.yaml"
    path.write_text(text, encoding="utf-8")
    out = StringIO()
    call_command("flows", "publish", "--project", "P1", "--overrides", str(path), "subscription", stdout=out)
    return out.getvalue()


def test_publish_from_a_file_keeps_its_text(project, tmp_path):
    publish_file(tmp_path, TEXT)

    version = FlowVersion.objects.get(project=project, flow="subscription")
    assert version.overrides_text == TEXT
    assert versions.overrides_text(project, "subscription") == TEXT == versions.overrides_text(
        project, "subscription")


def test_a_comment_changed_in_the_file_is_kept_but_publishes_nothing(project, tmp_path):
    publish_file(tmp_path, TEXT)

    said = publish_file(tmp_path, TEXT.replace("# was 7d", "# was 7d before December"))

    assert "already has this content; nothing published" in said
    assert FlowVersion.objects.filter(project=project).count() == 1
    assert versions.overrides_text(project, "subscription").endswith("# was 7d before December\n")


def test_a_refused_file_keeps_the_old_text(project, tmp_path):
    publish_file(tmp_path, TEXT)

    with pytest.raises(CommandError):
        publish_file(tmp_path, "states:\n  awaiting_contract:\n    deadline: {after: 3 days}\n")

    assert versions.overrides_text(project, "subscription") == TEXT


def test_rollback_restores_the_text_of_the_version(project, tmp_path):
    publish_file(tmp_path, TEXT)
    publish_file(tmp_path, "states:\n  awaiting_contract:\n    deadline: {after: 5d}\n")

    versions.rollback(project, "subscription", 1)

    assert versions.overrides_text(project, "subscription") == TEXT
    assert FlowVersion.objects.get(project=project, number=3).overrides_text == TEXT


def test_overrides_set_as_data_have_no_text(project):
    versions.publish(project, "subscription", overrides={"states": {"awaiting_contract": {"deadline": {"after": "3d"}}}})

    assert versions.overrides_text(project, "subscription") is None
    assert versions.overrides_text(project, "contract") is None  # no binding at all


def test_a_versions_text_is_frozen_with_it(project, tmp_path):
    from engine.models import ImmutableVersionError

    publish_file(tmp_path, TEXT)
    version = FlowVersion.objects.get(project=project)
    version.overrides_text = "# rewritten later"

    with pytest.raises(ImmutableVersionError):
        version.save()
    with pytest.raises(IntegrityError, match="immutable"), transaction.atomic():
        FlowVersion.objects.filter(pk=version.pk).update(overrides_text="# rewritten later")
    assert FlowBinding.objects.get(project=project).overrides_text == TEXT
