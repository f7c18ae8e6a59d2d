"""JSON for engine columns, without floats.

Record data: numbers with a fraction are read as Decimal, and Decimal is written as its
exact string (entity schemas keep money and areas as decimal strings). Definition
documents (a project's overrides): Decimal is written as the exact JSON number it was,
because a schema keyword such as `minimum: 0.5` must stay a number.
"""
import json
from decimal import Decimal

from django.core.serializers.json import DjangoJSONEncoder

from definitions import canonical


class ExactDecoder(json.JSONDecoder):
    def __init__(self, *args, **kwargs):
        kwargs["parse_float"] = Decimal
        super().__init__(*args, **kwargs)


class ExactEncoder(DjangoJSONEncoder):
    """Decimal -> "12.50" (DjangoJSONEncoder already does), datetimes ISO 8601."""


class ExactNumberEncoder(json.JSONEncoder):
    """Decimal -> the JSON number it is, digit for digit (the canonical writer does it)."""

    def encode(self, o):
        return canonical.dumps(o)
