"""Project settings: checked against schemas/project-settings.json, and the time zone against real zone names."""
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from kernel.models import Project
from kernel.settings_schema import effective_settings, settings_problems


def test_a_real_time_zone_passes():
    assert settings_problems({"time_zone": "Asia/Hong_Kong"}) == []


def test_a_misspelt_time_zone_is_refused_naming_the_setting():
    assert settings_problems({"time_zone": "Asia/Shanghia"}) == [
        "time_zone: 'Asia/Shanghia' is not a time zone name, e.g. Asia/Shanghai; did you mean 'Asia/Shanghai'?"]


def test_a_misspelt_time_zone_is_refused_in_chinese_too():
    assert settings_problems({"time_zone": "Asia/Shanghia"}, "zh-hans") == [
        "time_zone（时区）：'Asia/Shanghia' 不是时区名称，例如 Asia/Shanghai；是否应为 'Asia/Shanghai'？"]


def test_a_project_with_an_unknown_time_zone_does_not_validate(db):
    project = Project(code="TZ", name="Zone garden", settings={"time_zone": "Beijing"})

    with pytest.raises(ValidationError) as refused, translation.override("en"):
        project.full_clean()
    with pytest.raises(ValidationError) as refused_zh, translation.override("zh-hans"):
        project.full_clean()

    assert refused.value.message_dict == {
        "settings": ["time_zone: 'Beijing' is not a time zone name, e.g. Asia/Shanghai"]}
    assert refused_zh.value.message_dict == {"settings": ["time_zone（时区）：'Beijing' 不是时区名称，例如 Asia/Shanghai"]}


def test_a_projects_zone_is_its_time_zone_setting():
    assert Project(settings={"time_zone": "Asia/Hong_Kong"}).zone == ZoneInfo("Asia/Hong_Kong")


def test_a_project_without_a_time_zone_is_in_the_installations(settings):
    settings.TIME_ZONE = "Asia/Urumqi"

    assert Project(settings={}).zone == ZoneInfo("Asia/Urumqi")


def test_a_setting_the_project_leaves_out_is_the_schemas_default():
    project = Project(settings={"protection_days": 10})

    assert (project.setting("protection_days"), project.setting("reservation_hours")) == (10, 72)
    assert project.setting("protection_days") == effective_settings(project.settings)["protection_days"]
