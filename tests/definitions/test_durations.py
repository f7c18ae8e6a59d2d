from datetime import timedelta

import pytest

from definitions.durations import DurationError, parse_duration


@pytest.mark.parametrize("text, expected", [
    ("30m", timedelta(minutes=30)), ("72h", timedelta(hours=72)), ("3d", timedelta(days=3)),
    ("1w", timedelta(weeks=1)), ("2d12h", timedelta(days=2, hours=12)), ("90s", timedelta(seconds=90)),
    ("P3D", timedelta(days=3)), ("PT72H", timedelta(hours=72)), ("P1DT12H", timedelta(days=1, hours=12)),
    ("P2W", timedelta(weeks=2)), ("PT30M", timedelta(minutes=30)),
])
def test_durations_parse(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text, reason", [
    ("", "not a duration"), ("3", "not a duration"), ("3 days", "not a duration"), ("1M", "not a duration"),
    ("P1M", "not a duration"), ("P1Y", "not a duration"), ("PT", "not a duration"), ("P", "not a duration"),
    ("h", "not a duration"), ("3h2d", "not a duration"), ("-3d", "not a duration"),
    ("0d", "must be longer than zero"), ("PT0S", "must be longer than zero"),
    ("3661d", "longer than ten years"), ("99999999999999999999d", "too long"),
])
def test_bad_durations_say_why(text, reason):
    with pytest.raises(DurationError) as caught:
        parse_duration(text)
    assert str(caught.value) == reason


def test_a_number_is_not_a_duration():
    with pytest.raises(DurationError, match="not a duration"):
        parse_duration(72)
