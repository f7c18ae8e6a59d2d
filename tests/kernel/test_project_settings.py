"""Project settings: checked against schemas/project-settings.json, and the time zone against real zone names."""
import pytest
from django.core.exceptions import ValidationError

from kernel.models import Project
from kernel.settings_schema import settings_problems


def test_a_real_time_zone_passes():
    assert settings_problems({"time_zone": "Asia/Hong_Kong"}) == []


def test_a_misspelt_time_zone_is_refused_naming_the_setting():
    assert settings_problems({"time_zone": "Asia/Shanghia"}) == [
        "time_zone: 'Asia/Shanghia' is not a time zone name, e.g. Asia/Shanghai; did you mean 'Asia/Shanghai'?"]


def test_a_project_with_an_unknown_time_zone_does_not_validate(db):
    project = Project(code="TZ", name="Zone garden", settings={"time_zone": "Beijing"})

    with pytest.raises(ValidationError) as refused:
        project.full_clean()

    assert refused.value.message_dict == {
        "settings": ["time_zone: 'Beijing' is not a time zone name, e.g. Asia/Shanghai"]}
