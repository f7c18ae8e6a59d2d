"""JSON for record data: decimals stay Decimal on the way in, become strings on the way out.

A float never appears: numbers with a fraction are read as Decimal, and Decimal is
written as its exact string (entity schemas keep money and areas as decimal strings).
"""
import json
from decimal import Decimal

from django.core.serializers.json import DjangoJSONEncoder


class ExactDecoder(json.JSONDecoder):
    def __init__(self, *args, **kwargs):
        kwargs["parse_float"] = Decimal
        super().__init__(*args, **kwargs)


class ExactEncoder(DjangoJSONEncoder):
    """Decimal -> "12.50" (DjangoJSONEncoder already does), datetimes ISO 8601."""
