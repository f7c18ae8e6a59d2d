"""JSON out with money exact: a Decimal is written as its decimal string ("30000.00"), never as a float."""
from __future__ import annotations

from decimal import Decimal

from rest_framework.renderers import JSONRenderer
from rest_framework.utils.encoders import JSONEncoder


class ExactEncoder(JSONEncoder):
    def default(self, obj):
        if isinstance(obj, Decimal):
            return str(obj)
        return super().default(obj)


class ExactJSONRenderer(JSONRenderer):
    encoder_class = ExactEncoder


class ProblemJSONRenderer(ExactJSONRenderer):
    media_type = "application/problem+json"
