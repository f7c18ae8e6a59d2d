"""Export the demo, load it into an empty installation, export again: the same files, byte for byte.

The empty installation is this one flushed (every table emptied, as pytest-django does
between transactional tests): the schema stays, nothing of the demo does.
"""
from __future__ import annotations

import shutil
from io import StringIO

from django.core.management import call_command

from engine.models import FlowVersion
from kernel.models import Project

from .conftest import bundle, configuration, folder_bytes


def test_the_demo_exported_loaded_into_an_empty_installation_and_exported_again_is_the_same_folder(
        transactional_db, tmp_path):
    # given the demo, exported
    call_command("load_demo", stdout=StringIO())
    first, second, again = tmp_path / "first", tmp_path / "second", tmp_path / "again"
    assert bundle("export", "--project", "DEMO", "--project", "DEMO2", str(first)).code == 0
    exported = configuration()

    # when it is loaded into an empty installation and exported again
    call_command("flush", interactive=False, verbosity=0)
    assert not Project.objects.exists()
    run = bundle("load", str(first))
    assert run.code == 0, run.out + run.err
    shutil.copytree(first, again)
    assert bundle("export", "--project", "DEMO", "--project", "DEMO2", str(second)).code == 0
    assert bundle("export", "--project", "DEMO", "--project", "DEMO2", str(again)).code == 0

    # then a fresh folder differs only in the manifest's created_at, and the bundle's own folder not at all
    a, b = folder_bytes(first), folder_bytes(second)
    assert sorted(a) == sorted(b)
    assert [name for name in a if a[name] != b[name]] == ["manifest.yaml"]
    differing = [(x, y) for x, y in zip(a["manifest.yaml"].decode().splitlines(),
                                        b["manifest.yaml"].decode().splitlines()) if x != y]
    assert len(differing) == 1 and differing[0][0].startswith("created_at: ")
    assert folder_bytes(again) == a
    # and the configuration is the demo's (not its customers, deals or passwords)
    loaded = configuration()
    for key in ("projects", "companies", "bindings", "buildings", "units", "members", "campaigns", "batches"):
        assert loaded[key] == exported[key], key
    assert [v[:2] for v in loaded["versions"]] == sorted(
        {v[:2] for v in exported["versions"] if v[3] == "published"})
    assert all(number == 1 for _code, _flow, number, _status in loaded["versions"])


def test_loading_the_same_bundle_twice_changes_nothing(db, sample):
    # given
    folder = sample("demo-group")
    assert bundle("load", str(folder)).code == 0
    before = configuration()
    ids = list(FlowVersion.objects.order_by("pk").values_list("pk", flat=True))

    # when
    run = bundle("load", str(folder))

    # then
    assert run.code == 0
    assert run.lines == ["no differences", "nothing to change: the installation already has this configuration"]
    assert configuration() == before
    assert list(FlowVersion.objects.order_by("pk").values_list("pk", flat=True)) == ids


def test_the_frozen_demo_sample_loaded_and_exported_again_is_the_same_folder(db, sample, tmp_path):
    # given the sample loaded into an empty installation
    folder = sample("demo-group")
    assert bundle("load", str(folder)).code == 0

    # when exported back into its folder (kept in git: comments in the rules files stay)
    run = bundle("export", "--project", "DEMO", "--project", "DEMO2", str(folder))

    # then nothing changed, the manifest's date included
    from .conftest import SAMPLES

    assert run.lines == [f"{folder} is up to date: nothing changed"]
    assert folder_bytes(folder) == folder_bytes(SAMPLES / "demo-group")


def test_a_zip_is_the_same_bundle_and_the_same_bytes_each_time(db, sample, tmp_path):
    bundle("load", str(sample("harbour-homes")))
    one, two = tmp_path / "one.zip", tmp_path / "two.zip"
    assert bundle("export", "--project", "HARBOUR", str(one)).code == 0
    shutil.copy(one, two)
    assert bundle("export", "--project", "HARBOUR", str(two)).lines == [f"{two} is up to date: nothing changed"]
    assert one.read_bytes() == two.read_bytes()
    assert bundle("check", str(one)).lines == ["the bundle is valid for this installation"]
    assert bundle("diff", str(one)).lines == ["no differences"]
