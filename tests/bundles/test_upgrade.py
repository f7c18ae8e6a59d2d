"""Older bundle formats are upgraded step by step (bundles.upgrade), as SpiffWorkflow migrates serialised state."""
from __future__ import annotations

import pytest

from bundles.upgrade import FormatTooNew, upgrade

from .conftest import bundle
from .test_check import edit


def rename_units_to_homes(documents: dict) -> dict:
    """A made-up format 2: units.yaml's `buildings` called `blocks`."""
    out = dict(documents)
    for name, data in documents.items():
        if name.endswith("/units.yaml"):
            out[name] = {"blocks": data["buildings"]}
    return out


def add_a_note(documents: dict) -> dict:
    """A made-up format 3: the manifest carries a note."""
    return {**documents, "manifest.yaml": {**documents["manifest.yaml"], "note": "upgraded"}}


def test_a_format_one_bundle_is_upgraded_through_every_step_in_order():
    documents = {"manifest.yaml": {"format_version": 1}, "projects/P/units.yaml": {"buildings": [{"code": "1"}]}}

    upgraded = upgrade(documents, steps={1: rename_units_to_homes, 2: add_a_note}, target=3)

    assert upgraded == {"manifest.yaml": {"format_version": 3, "note": "upgraded"},
                        "projects/P/units.yaml": {"blocks": [{"code": "1"}]}}
    assert documents["manifest.yaml"] == {"format_version": 1}  # the documents read are not changed


def test_a_bundle_at_the_current_format_is_left_as_it_is():
    documents = {"manifest.yaml": {"format_version": 3}, "projects/P/units.yaml": {"blocks": []}}
    assert upgrade(documents, steps={1: rename_units_to_homes, 2: add_a_note}, target=3) == documents


def test_a_missing_step_is_an_error_not_a_silent_skip():
    with pytest.raises(LookupError, match="no upgrade step from bundle format 2"):
        upgrade({"manifest.yaml": {"format_version": 1}}, steps={1: rename_units_to_homes}, target=3)


def test_a_bundle_from_a_newer_platform_is_refused_by_name(db, sample):
    with pytest.raises(FormatTooNew):
        upgrade({"manifest.yaml": {"format_version": 2}}, steps={}, target=1)
    folder = sample("harbour-homes")
    edit(folder / "manifest.yaml", "format_version: 1", "format_version: 2")
    run = bundle("check", str(folder))
    assert run.code == 1
    assert "manifest.yaml: format_version: format 2 is newer than this installation reads (1): upgrade the platform " \
           "first" in run.lines
