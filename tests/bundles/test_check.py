"""`bundle check`: every problem of a bundle at once, as `file: path: message (line N)`, and nothing written."""
from __future__ import annotations

from pathlib import Path

from .conftest import SAMPLES, bundle, configuration


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def seed_twenty_mistakes(folder: Path) -> list[tuple[str, str]]:
    """Twenty mistakes an implementer makes, each in its own place; (file, path) of each, as check must name it."""
    project = folder / "projects" / "HARBOUR"
    edit(folder / "manifest.yaml", "format_version: 1", "format_version: '1'")
    edit(folder / "manifest.yaml", "projects: [HARBOUR]", "projects: [HARBOUR, HARBOR]")
    edit(project / "project.yaml", "settings:\n", "colour: blue\nsettings:\n")
    edit(project / "project.yaml", "protection_days: 20", "protection_days: -1")
    edit(project / "project.yaml", "flows: [reservation, service_complaint]", "flows: [reservaton, service_complaint]")
    edit(project / "overrides" / "service_complaint.yaml", "deadline: {after: 12h}", "deadline: {after: 3 months}")
    (project / "overrides" / "resale.yaml").write_text("states: {}\n", encoding="utf-8")
    units = project / "units.yaml"
    edit(units, "list_price: '2965000.00'", "list_price: 2965000")
    edit(units, "{code: 1-0202, floor: 2", "{code: 1-0102, floor: 2")
    edit(units, "built_area: '88.30', inner_area: '71.05', orientation: 南, list_price: '2207500.00'",
         "built_area: '88.30', inner_area: '97.05', orientation: 南, list_price: '2207500.00'")
    edit(units, "{code: 1-0201, floor: 2, position: '01'", "{code: 1-0201, floor: 2, position: '02'")
    members = project / "members.yaml"
    edit(members, "roles: [complaint_handler]", "roles: [complaint_handlr]")
    edit(members, "{username: hb_finance,", "{username: hb_director,")
    edit(members, "{username: hb_service, display_name: 许静 客服,", "{username: hb_service, email: xj@example.com,")
    (project / "campaigns.yaml").write_text(
        "campaigns:\n"
        "- {name: 海景开放日, source_type: tv, starts_on: '2026-12-01', ends_on: '2026-12-31'}\n"
        "- {name: 老业主答谢, source_type: referral, starts_on: '2026-12-10', ends_on: '2026-12-01'}\n"
        "- {name: 年终特惠, source_type: walk_in, starts_on: '2026-13-01', ends_on: '2027-01-31'}\n",
        encoding="utf-8")
    (project / "rules").mkdir()
    (project / "rules" / "pricng.yaml").write_text("basis: built_area\n", encoding="utf-8")
    points = (SAMPLES / "demo-group" / "projects" / "DEMO2" / "rules" / "points.yaml").read_text(encoding="utf-8")
    (project / "rules" / "points.yaml").write_text(points + "earn: lots\n", encoding="utf-8")
    (folder / "templates" / "schemas" / "stray.json").write_text("{}\n", encoding="utf-8")
    return [
        ("manifest.yaml", "format_version"),
        ("manifest.yaml", "projects[1]"),
        ("projects/HARBOUR/project.yaml", ""),            # colour: the unknown key is named in the message
        ("projects/HARBOUR/project.yaml", "settings.protection_days"),
        ("projects/HARBOUR/project.yaml", "flows[0]"),
        ("projects/HARBOUR/overrides/service_complaint.yaml", "states.handling_urgent.deadline.after"),
        ("projects/HARBOUR/overrides/resale.yaml", ""),
        ("projects/HARBOUR/units.yaml", "buildings[0].units[0].list_price"),
        ("projects/HARBOUR/units.yaml", "buildings[0].units[3].code"),
        ("projects/HARBOUR/units.yaml", "buildings[0].units[1].inner_area"),
        ("projects/HARBOUR/units.yaml", "buildings[0].units[3].position"),
        ("projects/HARBOUR/members.yaml", "members[3].roles[0]"),
        ("projects/HARBOUR/members.yaml", "members[2].username"),
        ("projects/HARBOUR/members.yaml", "members[5]"),
        ("projects/HARBOUR/campaigns.yaml", "campaigns[0].source_type"),
        ("projects/HARBOUR/campaigns.yaml", "campaigns[1].ends_on"),
        ("projects/HARBOUR/campaigns.yaml", "campaigns[2].starts_on"),
        ("projects/HARBOUR/rules/pricng.yaml", ""),
        ("projects/HARBOUR/rules/points.yaml", ""),
        ("templates/schemas/stray.json", ""),
    ]


def test_a_bundle_with_twenty_mistakes_gets_all_twenty_named_by_file_and_path_and_nothing_is_written(db, sample):
    # given
    folder = sample("harbour-homes")
    expected = seed_twenty_mistakes(folder)
    before = configuration()

    # when
    run = bundle("check", str(folder))

    # then
    print(run.out)
    assert run.code == 1
    problems = [line for line in run.lines if not line.startswith("# ")]  # notes: files edited since export
    assert len(problems) == 20
    named = {(file, path): [line for line in problems if line.startswith(f"{file}: {path}: " if path else f"{file}: ")
                            and (path or not any(line.startswith(f"{file}: {p}: ") for f, p in expected if p and f == file))]
             for file, path in expected}
    assert {where: len(lines) for where, lines in named.items()} == {where: 1 for where in expected}
    assert "20 problem(s) in 10 file(s); nothing was changed" in run.err
    assert configuration() == before
