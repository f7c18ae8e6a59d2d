"""Group roles (figures.GroupMembership) travel in groups.yaml: exported, checked, loaded as the file says."""
from accounts.models import User
from figures.models import GroupMembership
from kernel.models import Company, Region

from .conftest import SAMPLES, bundle


def roles() -> list[tuple]:
    return sorted((g.user.username, g.company.code, g.region.code if g.region else None, g.role)
                  for g in GroupMembership.objects.select_related("user", "company", "region"))


def test_group_roles_go_out_and_come_back_as_groups_yaml_says(db, tmp_path):
    assert bundle("load", str(SAMPLES / "harbour-homes")).code == 0
    company = Company.objects.get(code="harbour-homes")
    boss = User.objects.create_user("hh.boss", password="x", display_name="海港总裁")
    south = User.objects.create_user("hh.south", password="x")
    GroupMembership.objects.create(user=boss, company=company, role="group_executive")
    GroupMembership.objects.create(user=south, company=company, region=Region.objects.get(code="south"),
                                   role="region_director")
    out = tmp_path / "out"
    assert bundle("export", "--project", "HARBOUR", str(out)).code == 0
    text = (out / "groups.yaml").read_text(encoding="utf-8")
    assert "{username: hh.boss, display_name: 海港总裁, company: harbour-homes, role: group_executive}" in text
    assert "{username: hh.south, company: harbour-homes, region: south, role: region_director}" in text

    # a load makes the company's group roles those of the file
    GroupMembership.objects.all().delete()
    run = bundle("load", str(out))
    assert run.code == 0, run.out + run.err
    expected = [("hh.boss", "harbour-homes", None, "group_executive"),
                ("hh.south", "harbour-homes", "south", "region_director")]
    assert roles() == expected
    assert bundle("load", str(out)).out.count("+ hh.") == 0  # a second load changes nothing

    # a bundle without groups.yaml leaves the group roles alone; one without a role takes it away
    assert bundle("load", str(SAMPLES / "harbour-homes")).code == 0 and roles() == expected
    text = (out / "groups.yaml").read_text(encoding="utf-8")
    (out / "groups.yaml").write_text("\n".join(line for line in text.splitlines() if "hh.south" not in line) + "\n",
                                     encoding="utf-8")
    assert bundle("load", str(out)).code == 0
    assert roles() == expected[:1]


def test_check_names_every_mistake_in_groups_yaml(db, sample):
    folder = sample("harbour-homes")
    (folder / "groups.yaml").write_text(
        "members:\n"
        "- {username: a, company: harbor-homes, role: group_executive}\n"
        "- {username: b, company: harbour-homes, role: region_director}\n"
        "- {username: c, company: harbour-homes, region: north, role: region_director}\n"
        "- {username: d, company: harbour-homes, role: chairman}\n"
        "- {username: e, company: harbour-homes, role: group_executive}\n"
        "- {username: e, company: harbour-homes, role: group_executive}\n", encoding="utf-8")
    run = bundle("check", str(folder))
    assert run.code == 1
    problems = sorted(line for line in run.lines if line.startswith("groups.yaml: "))
    assert problems == [
        "groups.yaml: members[0].company: harbor-homes is not the company of any project of the bundle; did you "
        "mean harbour-homes? (line 2)",
        "groups.yaml: members[1].region: a regional director needs the region they direct (line 3)",
        "groups.yaml: members[2].region: no project of the bundle is in region north of harbour-homes (line 4)",
        "groups.yaml: members[3].role: 'chairman' is not one of the choices: group_executive, region_director "
        "(line 5)",
        "groups.yaml: members[5]: this group role appears twice (line 7)"]
    assert GroupMembership.objects.count() == 0
