import pytest

from definitions import DefinitionError
from engine import versions
from engine.models import FlowBinding, FlowVersion, VersionStatus

SHORTER = {"states": {"awaiting_contract": {"deadline": {"after": "3d"}}}}


def test_rollback_round_trip_restores_content_and_overrides(project):
    # given v1 (template) and v2 (shorter deadline)
    v1 = versions.publish(project, "subscription").version
    v2 = versions.publish(project, "subscription", overrides=SHORTER).version

    # when the admin rolls back to v1
    result = versions.rollback(project, "subscription", 1)

    # then v3 carries v1's content, v2 is retired, and the overrides are v1's again
    v3 = result.version
    v2.refresh_from_db()
    assert (v3.number, v3.status, v3.restored_from_id) == (3, VersionStatus.PUBLISHED, v1.pk)
    assert (v3.content, v3.content_hash) == (v1.content, v1.content_hash)
    assert v2.status == VersionStatus.RETIRED
    assert FlowBinding.objects.get(project=project, flow="subscription").overrides == {}
    assert versions.definition_of(v3).state("awaiting_contract").deadline.after.days == 7
    # and publishing from files now gives the same content: nothing new
    assert versions.publish(project, "subscription").created is False

    # rolling forward again to v2's content works the same way
    v4 = versions.rollback(project, "subscription", 2).version
    assert (v4.number, v4.content_hash) == (4, v2.content_hash)
    assert FlowBinding.objects.get(project=project, flow="subscription").overrides == SHORTER


def test_rollback_to_the_current_content_is_a_no_op(project):
    v1 = versions.publish(project, "subscription").version

    result = versions.rollback(project, "subscription", 1)

    assert (result.created, result.version.pk) == (False, v1.pk)


def test_rollback_to_a_missing_version_says_so(project):
    versions.publish(project, "subscription")

    with pytest.raises(versions.VersionError, match="P1/subscription has no version 7"):
        versions.rollback(project, "subscription", 7)


def test_a_missing_version_is_named_in_chinese_too(project):
    versions.publish(project, "subscription")

    with pytest.raises(versions.VersionError) as caught:
        versions.rollback(project, "subscription", 7)

    assert (caught.value.message("en"), caught.value.message("zh")) == (
        "P1/subscription has no version 7", "P1/subscription 没有版本 7")


def test_rollback_revalidates_old_content(project, settings, monkeypatch):
    versions.publish(project, "subscription")
    versions.publish(project, "subscription", overrides=SHORTER)
    # the installation lost an action that version 1 used
    from definitions import ActionCatalogue
    from engine import environment as env_module
    full = env_module.action_catalogue()
    monkeypatch.setattr(env_module, "action_catalogue", lambda: ActionCatalogue.of(
        [s for s in full.actions.values() if s.name != "unit.advance"]))

    with pytest.raises(DefinitionError) as caught:
        versions.rollback(project, "subscription", 1)

    assert [p.message() for p in caught.value.problems] == ["unknown action 'unit.advance'"]
    assert FlowVersion.objects.filter(project=project).count() == 2


def test_diff_between_versions_reads_like_a_change_list(project):
    versions.publish(project, "subscription")
    versions.publish(project, "subscription", overrides={
        "states": {"awaiting_contract": {"deadline": {"after": "3d"}},
                   "legal_review": {"title": {"zh": "法务审核", "en": "Legal review"}, "owners": ["contract_clerk"]}},
        "transitions": {"sign": {"roles": ["contract_clerk"]},
                        "to_legal": {"from": "awaiting_contract", "to": "legal_review", "roles": ["sales_manager"]},
                        "legal_done": {"from": "legal_review", "to": "contracted", "roles": ["contract_clerk"]}},
    })

    changes = versions.diff_versions(project, "subscription", 1, 2)

    assert [c.render() for c in changes] == [
        "~ states.awaiting_contract.deadline.after: '7d' → '3d'",
        '+ states.legal_review: added {"name":"legal_review","owners":["contract_clerk"],"title":{"en":"Legal review","zh":"法务审核"}}',
        "~ transitions.sign.roles: [\"sales_consultant\",\"contract_clerk\"] → [\"contract_clerk\"]",
        '+ transitions.to_legal: added {"from":"awaiting_contract","name":"to_legal","roles":["sales_manager"],"to":"legal_review"}',
        '+ transitions.legal_done: added {"from":"legal_review","name":"legal_done","roles":["contract_clerk"],"to":"contracted"}',
    ]
    assert changes[0].render("zh") == "~ states.awaiting_contract.deadline.after: '7d' → '3d'"
    assert changes[1].render("zh").startswith("+ states.legal_review: 新增 ")
