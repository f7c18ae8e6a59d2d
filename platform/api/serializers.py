"""The shapes the API reads and writes; they make the OpenAPI document, and validate what comes in.

Money is a decimal string ("30000.00"); times are ISO 8601 with their offset (UTC).
"""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


class Project(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    roles = serializers.ListField(child=serializers.CharField(), help_text="The caller's roles there (codes).")
    role_titles = serializers.ListField(child=serializers.CharField(), help_text="The same, in words.")
    time_zone = serializers.CharField()


class Member(serializers.Serializer):
    id = serializers.IntegerField(help_text="The user, as transfer, delegate and add-approver name them.")
    name = serializers.CharField()
    roles = serializers.ListField(child=serializers.CharField())
    role_titles = serializers.ListField(child=serializers.CharField())


class Building(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    units = serializers.IntegerField()
    by_status = serializers.DictField(child=serializers.IntegerField(), help_text="sale status -> units")


class Unit(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    building = serializers.CharField()
    floor = serializers.IntegerField()
    position = serializers.CharField()
    layout = serializers.CharField()
    built_area = serializers.DecimalField(max_digits=8, decimal_places=2)
    inner_area = serializers.DecimalField(max_digits=8, decimal_places=2)
    orientation = serializers.CharField()
    list_price = serializers.DecimalField(max_digits=14, decimal_places=2)
    status = serializers.CharField(help_text="Sale status code: available, reserved, subscribed, signed, ...")
    status_title = serializers.CharField()


class Customer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    phone = serializers.CharField(help_text="Masked (138****1234) unless the caller's role sees it whole.")
    phone_masked = serializers.BooleanField()


class VisitIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[("visit", _("Visit")), ("call", _("Call"))], default="visit")
    name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=40)
    source_type = serializers.CharField(required=False, allow_blank=True, default="")
    consultant = serializers.IntegerField(required=False, allow_null=True, default=None,
                                          help_text="A manager may register the customer to a consultant (user id).")
    note = serializers.CharField(required=False, allow_blank=True, default="")


class VisitOut(serializers.Serializer):
    visit = serializers.IntegerField()
    returning = serializers.BooleanField()
    customer = Customer()


class Payment(serializers.Serializer):
    id = serializers.IntegerField()
    record = serializers.IntegerField()
    reference = serializers.CharField()
    kind = serializers.CharField()
    kind_title = serializers.CharField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    received_at = serializers.DateTimeField()
    note = serializers.CharField()


class Transition(serializers.Serializer):
    name = serializers.CharField()
    title = serializers.CharField()
    to = serializers.CharField(allow_blank=True)
    targets = serializers.ListField(child=serializers.CharField())
    offered = serializers.BooleanField(help_text="False: its condition already fails on the record; `reason` says why.")
    reason = serializers.CharField(allow_blank=True)
    form_schema = serializers.DictField(help_text="JSON Schema 2020-12 of the `form` to post.")


class TaskRow(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    title = serializers.CharField()
    kind = serializers.CharField(help_text="work or approval")
    status = serializers.CharField()
    project = serializers.CharField()
    record = serializers.IntegerField()
    reference = serializers.CharField()
    flow = serializers.CharField()
    flow_title = serializers.CharField()
    state = serializers.CharField()
    state_title = serializers.CharField()
    role = serializers.CharField(allow_blank=True, allow_null=True)
    assignee = serializers.IntegerField(allow_null=True)
    delegate = serializers.IntegerField(allow_null=True)
    due_at = serializers.DateTimeField(allow_null=True)
    opened_at = serializers.DateTimeField()
    overdue = serializers.BooleanField()


class RecordRow(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    project = serializers.CharField()
    flow = serializers.CharField()
    flow_title = serializers.CharField()
    state = serializers.CharField()
    state_title = serializers.CharField()
    is_closed = serializers.BooleanField()
    revision = serializers.IntegerField(help_text="Send it back as If-Match when firing a transition.")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    data = serializers.DictField(  # type: ignore[assignment]  # a declared field: DRF's metaclass takes it off the class
        help_text="The entity's data; personal numbers masked as the pages mask them.")


class RecordDetail(RecordRow):
    version = serializers.IntegerField()
    parent = serializers.IntegerField(allow_null=True)  # type: ignore[assignment]  # a declared field: DRF's metaclass takes it off the class
    tasks = TaskRow(many=True)
    transitions = Transition(many=True)


class HistoryEntry(serializers.Serializer):
    seq = serializers.IntegerField()
    kind = serializers.CharField()
    at = serializers.DateTimeField()
    actor = serializers.CharField(allow_null=True, help_text="Who, by name; null for the system (a timer).")
    transition = serializers.CharField(allow_blank=True)
    transition_title = serializers.CharField(allow_blank=True)
    from_state = serializers.CharField(allow_blank=True)
    to_state = serializers.CharField(allow_blank=True)
    to_state_title = serializers.CharField(allow_blank=True)
    comment = serializers.CharField(allow_blank=True)
    changes = serializers.DictField(help_text="field -> [old, new]")


class StartIn(serializers.Serializer):
    flow = serializers.SlugField()
    data = serializers.DictField(  # type: ignore[assignment]  # a declared field: DRF's metaclass takes it off the class
        required=False, default=dict, help_text="The start form's fields (see /flows/).")
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class FireIn(serializers.Serializer):
    form = serializers.DictField(required=False, default=dict,
                                 help_text="The transition's form, as its form_schema in the record's detail says.")
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class SendBackIn(serializers.Serializer):
    to_state = serializers.SlugField()
    comment = serializers.CharField(help_text="The reason, required.")


class CommentIn(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class VoteIn(serializers.Serializer):
    decision = serializers.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class ColleagueIn(serializers.Serializer):
    user = serializers.IntegerField(help_text="The colleague (a member id from /projects/{code}/members/).")
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class ApproverIn(serializers.Serializer):
    role = serializers.CharField(required=False, help_text="A role code, or")
    user = serializers.IntegerField(required=False, help_text="a member id.")
    comment = serializers.CharField(required=False, allow_blank=True, default="")

    def validate(self, attrs):
        if bool(attrs.get("role")) == bool(attrs.get("user")):
            raise serializers.ValidationError(_("Name either a role or a colleague to add as an approver."))
        return attrs


class StartableFlow(serializers.Serializer):
    flow = serializers.CharField()
    title = serializers.CharField()
    start_schema = serializers.DictField()


def valid(serializer_class, request) -> dict:
    """The request's body checked by the serializer; a ValidationError becomes a 422 problem with each field's path."""
    serializer = serializer_class(data=request.data if isinstance(request.data, dict) else {})
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class ProblemDetails(serializers.Serializer):
    """RFC 9457 problem details, as every error is answered."""

    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    errors = serializers.ListField(  # type: ignore[assignment]  # a declared field: DRF's metaclass takes it off the class
        child=serializers.DictField(), required=False,
        help_text="Form errors: [{path, message}]")


_paged: dict[type, type] = {}


def paged(row: type) -> type:
    """The cursor-paged envelope of a list of `row`: {next, previous, results}."""
    if row not in _paged:
        _paged[row] = type(f"Paged{row.__name__}", (serializers.Serializer,), {
            "next": serializers.URLField(allow_null=True, help_text="The next page, or null at the end."),
            "previous": serializers.URLField(allow_null=True),
            "results": row(many=True), "__module__": __name__})
    return _paged[row]
