import pytest
from django.db import IntegrityError, connection, transaction

from definitions import DefinitionError, canonical
from engine import loaded, versions
from engine.models import FlowBinding, FlowVersion, ImmutableVersionError, VersionStatus


def test_first_publish_creates_version_one(project):
    # when
    result = versions.publish(project, "subscription")

    # then
    v = result.version
    assert result.created is True
    assert (v.number, v.status) == (1, VersionStatus.PUBLISHED)
    assert v.published_at is not None
    assert v.content_hash == canonical.content_hash(canonical.loads(v.content))
    assert canonical.loads(v.content)["entity"]["name"] == "subscription"  # schema frozen inline


def test_publishing_the_same_content_again_creates_nothing(project):
    first = versions.publish(project, "subscription").version

    again = versions.publish(project, "subscription")

    assert again.created is False
    assert again.version.pk == first.pk
    assert FlowVersion.objects.filter(project=project).count() == 1


def test_publishing_overrides_retires_the_previous_version(project):
    v1 = versions.publish(project, "subscription").version

    v2 = versions.publish(project, "subscription",
                          overrides={"states": {"awaiting_contract": {"deadline": {"after": "3d"}}}}).version

    v1.refresh_from_db()
    assert (v1.status, v2.status, v2.number) == (VersionStatus.RETIRED, VersionStatus.PUBLISHED, 2)
    assert v1.retired_at is not None
    definition = versions.definition_of(v2)
    assert definition.state("awaiting_contract").deadline.after.days == 3
    assert FlowBinding.objects.get(project=project, flow="subscription").overrides == {
        "states": {"awaiting_contract": {"deadline": {"after": "3d"}}}}


def test_invalid_overrides_publish_nothing_and_keep_the_old_overrides(project):
    versions.publish(project, "subscription", overrides={"states": {"awaiting_contract": {"deadline": {"after": "3d"}}}})

    with pytest.raises(DefinitionError) as caught:
        versions.publish(project, "subscription", overrides={"transitions": {"sign": {"to": "signed"}}})

    assert [str(p) for p in caught.value.problems] == [
        "flows/subscription.yaml + P1 overrides: transitions[2].to: unknown state 'signed'",
    ]
    assert FlowVersion.objects.filter(project=project).count() == 1
    assert FlowBinding.objects.get(project=project, flow="subscription").overrides == {
        "states": {"awaiting_contract": {"deadline": {"after": "3d"}}}}


def test_removing_a_state_the_template_lacks_is_reported(project):
    with pytest.raises(DefinitionError) as caught:
        versions.publish(project, "subscription", overrides={"states": {"legal_review": None}})

    assert [p.message() for p in caught.value.problems] == [
        "cannot remove state 'legal_review': the template has no such item"]
    assert [p.path_text for p in caught.value.problems] == ["overrides.states.legal_review"]


def test_unknown_flow_is_a_clear_error(project):
    with pytest.raises(versions.VersionError, match="no flow template flows/subscriptoin.yaml"):
        versions.publish(project, "subscriptoin")


def test_a_version_is_not_built_again_when_first_used_after_publishing(project, monkeypatch):
    version = versions.publish(project, "subscription").version
    monkeypatch.setattr(loaded, "build", lambda *args, **kwargs: pytest.fail("built a second time"))

    definition = versions.definition_of(version)

    assert (definition.name, definition.content_hash) == ("subscription", version.content_hash)
    assert versions.definition_by_id(version.pk, version.content_hash) is definition


def test_a_stored_version_that_no_longer_builds_is_named_by_project_flow_and_number(project, monkeypatch):
    version = versions.publish(project, "subscription").version
    monkeypatch.setattr(loaded, "_definitions", {})  # another process: nothing built yet
    # the installation lost an action that the version uses
    from definitions import ActionCatalogue
    from engine import environment as env_module
    full = env_module.action_catalogue()
    monkeypatch.setattr(env_module, "action_catalogue", lambda: ActionCatalogue.of(
        [s for s in full.actions.values() if s.name != "unit.advance"]))

    for lookup in (lambda: versions.definition_of(version), lambda: versions.definition_by_id(version.pk)):
        with pytest.raises(DefinitionError) as caught:
            lookup()
        assert {p.file for p in caught.value.problems} == {"P1/subscription v1"}
        assert {p.message() for p in caught.value.problems} == {"unknown action 'unit.advance'"}


def test_a_published_version_refuses_to_change_through_the_model(project):
    v = versions.publish(project, "subscription").version
    v.content = v.content.replace("认购", "改了")

    with pytest.raises(ImmutableVersionError):
        v.save()
    with pytest.raises(ImmutableVersionError):
        v.delete()


def test_a_published_version_refuses_to_change_in_the_database(project):
    v = versions.publish(project, "subscription").version
    table = FlowVersion._meta.db_table

    for sql in (f"UPDATE {table} SET content = '{{}}' WHERE id = %s",
                f"UPDATE {table} SET content_hash = 'x' WHERE id = %s",
                f"UPDATE {table} SET status = 'draft' WHERE id = %s",
                *([f"DELETE FROM {table} WHERE id = %s"] if connection.vendor == "postgresql" else [])):
        with pytest.raises(IntegrityError if connection.vendor == "postgresql" else Exception) as caught:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql, [v.pk])
        assert "flow version" in str(caught.value)
    # the QuerySet API goes through the same triggers
    with pytest.raises(Exception, match="immutable"):
        with transaction.atomic():
            FlowVersion.objects.filter(pk=v.pk).update(content="{}")

    v.refresh_from_db()
    assert canonical.content_hash(canonical.loads(v.content)) == v.content_hash


def test_only_one_version_per_flow_is_published(project):
    versions.publish(project, "subscription")
    versions.publish(project, "subscription", overrides={"title": {"zh": "认购2", "en": "Subscription 2"}})
    versions.publish(project, "reservation")

    published = FlowVersion.objects.filter(project=project, status=VersionStatus.PUBLISHED)
    assert sorted((v.flow, v.number) for v in published) == [("reservation", 1), ("subscription", 2)]


def test_the_overrides_example_in_docs_publishes(project):
    import re
    from pathlib import Path

    import yaml
    text = (Path(__file__).resolve().parents[2] / "docs" / "versions.md").read_text(encoding="utf-8")
    example = yaml.safe_load(re.search(r"## Overrides\n.*?```yaml\n(.*?)```", text, re.S).group(1))

    definition = versions.definition_of(versions.publish(project, "subscription", overrides=example).version)

    assert definition.state("discount_review").tasks[0].require == 2
    assert definition.state("legal_review").owners == ("contract_clerk",)
    assert definition.transition("sign").roles == ("contract_clerk",)
    assert definition.transition("request_buyer_change").form is None
    assert [t.name for t in definition.timers] == ["contract_overdue"]
    assert "referral_code" in definition.entity.field_names
