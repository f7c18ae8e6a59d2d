"""The one schema loader: exact numbers, read once, read again after an edit, problems naming the file."""
import os
from decimal import Decimal

import pytest

from definitions.errors import DefinitionError
from kernel.schemas import cached_schema, cached_validator


def test_a_schema_is_read_once_and_again_after_an_edit(tmp_path):
    path = tmp_path / "thing.json"
    path.write_text('{"type": "object", "properties": {"rate": {"multipleOf": 0.01}}}', encoding="utf-8")

    first = cached_schema(path)
    assert cached_schema(path) is first
    assert first["properties"]["rate"]["multipleOf"] == Decimal("0.01")  # exact, not a float

    path.write_text('{"type": "object", "properties": {}}', encoding="utf-8")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000))

    assert cached_schema(path) == {"type": "object", "properties": {}}
    assert list(cached_validator(path).iter_errors({"x": 1})) == []


def test_a_schema_that_is_not_json_is_refused_naming_the_file(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text("{", encoding="utf-8")

    with pytest.raises(DefinitionError) as refused:
        cached_schema(path)

    assert str(path) in str(refused.value)

