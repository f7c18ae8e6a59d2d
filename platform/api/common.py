"""What the resources share: titles in the caller's language, personal numbers masked, record sight, paging."""
from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import overload
from urllib.parse import urlencode

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from definitions.model import FlowDefinition, FormSpec, thaw
from engine.runtime import RecordNotFound
from engine.runtime.records import visible_record
from engine.runtime.visibility import unseen
from engine.versions import definition_for
from kernel import personal_fields

from .auth import in_scope
from .problems import Problem, language

PAGE_SIZE, MAX_PAGE_SIZE = 50, 200


def text(value, fallback: str = "") -> str:
    """A definition's label (zh and en) in the caller's language."""
    return fallback if value is None else value.get(language())


def state_title(definition: FlowDefinition, state: str) -> str:
    try:
        return text(definition.state(state).title, state)
    except KeyError:  # a state of an older version that this one no longer has
        return state


@overload
def masked_data(data: Mapping, schema: Mapping | None, full: bool) -> Mapping: ...
@overload
def masked_data(data: object, schema: Mapping | None, full: bool) -> object: ...
def masked_data(data: object, schema: Mapping | None, full: bool) -> object:
    """Record data as the viewer may see it: phones and ID numbers masked unless they see them whole
    (the pages' rule, kernel.personal_fields)."""
    if full or not isinstance(data, Mapping):
        return data
    properties = (schema or {}).get("properties", {})
    out: dict[str, object] = {}
    for key, value in data.items():
        spec = properties.get(key, {}) if isinstance(properties, Mapping) else {}
        kind = personal_fields.personal_kind(key, spec)
        if kind and isinstance(value, (str, int)) and not isinstance(value, bool) and value != "":
            out[key] = personal_fields.masked(kind, value)
        elif isinstance(value, list):
            items = spec.get("items") if isinstance(spec, Mapping) else None
            out[key] = [masked_data(v, items, False) for v in value]
        elif isinstance(value, Mapping):
            out[key] = masked_data(value, spec, False)
        else:
            out[key] = value
    return out


def sees_in_full(request, roles: frozenset[str], data: Mapping) -> bool:
    return personal_fields.sees_in_full(roles, request.user.pk, personal_fields.owners(data))


def form_schema(definition: FlowDefinition, form: FormSpec | None, *, free: bool = False) -> dict:
    """A step's form as a JSON Schema (2020-12) an integrator can fill: its fields from the entity schema,
    its required ones."""
    entity = definition.entity.schema
    properties = entity.get("properties", {})
    names = (form.fields if form else tuple(definition.entity.field_names)) if (form or free) else ()
    fields = {name: thaw(properties[name]) for name in names if name in properties}
    for name, spec in (dict(form.extra) if form else {}).items():
        fields[name] = thaw(spec)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object", "properties": fields,
            "required": list(form.required) if form else [], "additionalProperties": False}


def seen_record(request, record_id: int | None = None, *, task_id: int | None = None):
    """(record, definition, roles) if the caller may see it, as the record page decides; else a problem.

    404 for a stranger to its project (or outside the token's projects): nothing leaks;
    403 in words for a member whose roles or own-work rule do not reach it.
    """
    try:
        record, roles = visible_record(request.user, record_id, task_id=task_id)
    except RecordNotFound:
        raise Problem(404, "not_found", RecordNotFound("task" if task_id else "record").message(language())) from None
    if not in_scope(request, record.project_id):
        raise Problem(404, "not_found", RecordNotFound("task" if task_id else "record").message(language()))
    definition = definition_for(record)
    if unseen(request.user, [(record, definition, roles)]):
        raise Problem(403, "record_hidden", _(
            "%(reference)s is not among the records your roles in %(project)s let you see (another consultant's "
            "work, or a flow your roles take no part in). Ask a sales manager if your work needs it.") % {
            "reference": record.reference, "project": record.project.name})
    return record, definition, roles


class Cursor(CursorPagination):
    page_size = PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def __init__(self, ordering: tuple[str, ...] = ("-pk",)):
        self.ordering = ordering


def paginate(view, request, queryset, ordering: tuple[str, ...] = ("-pk",)):
    """(the page's rows, the paginator); `paginator.get_paginated_response(data)` wraps them."""
    paginator = Cursor(ordering)
    return paginator.paginate_queryset(queryset, request, view=view), paginator


class OffsetCursor:
    """An opaque cursor over a sequence that slices (the inbox): the same envelope as the others
    (next, previous, results)."""

    def __init__(self, request):
        self.request = request
        try:
            size = int(request.query_params.get("page_size", PAGE_SIZE))
        except ValueError:
            size = PAGE_SIZE
        self.size = max(1, min(size, MAX_PAGE_SIZE))
        raw = request.query_params.get("cursor", "")
        try:
            self.offset = max(0, int(base64.urlsafe_b64decode(raw.encode()).decode().removeprefix("o="))) if raw else 0
        except (ValueError, UnicodeDecodeError):
            raise Problem(400, "bad_cursor", _("The cursor is not one this list gave.")) from None

    def page(self, rows) -> list:
        found = list(rows[self.offset:self.offset + self.size + 1])
        self.more = len(found) > self.size
        return found[:self.size]

    def _link(self, offset: int | None) -> str | None:
        if offset is None:
            return None
        params = self.request.query_params.copy()
        params.pop("cursor", None)
        if offset:
            params["cursor"] = base64.urlsafe_b64encode(f"o={offset}".encode()).decode()
        query = params.urlencode() if hasattr(params, "urlencode") else urlencode(params)
        return self.request.build_absolute_uri(self.request.path + (f"?{query}" if query else ""))

    def response(self, results: list) -> Response:
        return Response({"next": self._link(self.offset + self.size) if self.more else None,
                         "previous": self._link(max(0, self.offset - self.size)) if self.offset else None,
                         "results": results})


PAGING = [
    OpenApiParameter("cursor", str, OpenApiParameter.QUERY, required=False,
                     description="The page: as the `next` or `previous` link of the page before gives it."),
    OpenApiParameter("page_size", int, OpenApiParameter.QUERY, required=False,
                     description=f"Rows per page, {PAGE_SIZE} unless asked, at most {MAX_PAGE_SIZE}."),
]
