"""Reassigning a customer's protection (变更归属): a manager hands the customer to another consultant, with a reason.

Managers of the project only (kernel.access.MANAGER_ROLES); anyone else gets a 403 page
that says so. The form offers the project's sales consultants by name and asks for the
reason, which kernel.customers.reassign requires and keeps in the protection history;
a refusal is shown at its field in the user's language. Times are the site's, with the
zone (1月1日 14:36（北京时间）); choosing the consultant who has the customer renews their
protection, and the page says so.
"""
from __future__ import annotations

from typing import cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kernel import customers as kernel_customers
from kernel.access import MANAGER_ROLES, memberships_of
from kernel.customer_scope import scope_for
from kernel.errors import KernelError
from kernel.models import Customer, CustomerRegistration, Project
from kernel.protection_history import protection_history

from ..display import moment
from .common import consultants_of, lang

TEMPLATE = "web/customers/reassign.html"


class ReassignForm(forms.Form):
    consultant = forms.TypedChoiceField(label=gettext_lazy("New consultant"), coerce=int)
    note = forms.CharField(label=gettext_lazy("Reason"), max_length=200, widget=forms.Textarea(attrs={"rows": 3}),
                           error_messages={"required": gettext_lazy("Say why the customer is reassigned.")})

    def __init__(self, *args, consultants: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["consultant"]).choices = [("", "—"), *consultants]



def _in_scope(user, project: Project, customer: Customer) -> bool:
    """The customer is one this project may know: registered here, or in the company's projects the viewer sees
    (shared, or "registered elsewhere"). Anyone else's customer is not found, by id or otherwise."""
    scope = scope_for(user, project)
    return customer.registrations.filter(project_id__in={project.pk, *scope.visible, *scope.elsewhere}).exists()


@login_required
def customer_reassign(request, project: str, customer_id: int):
    project_obj = Project.objects.filter(code=project).first()
    customer = Customer.objects.filter(pk=customer_id).first()
    roles = memberships_of(request.user.pk).get(project_obj.pk, frozenset()) if project_obj else frozenset()
    if project_obj is None or customer is None or not roles or not _in_scope(request.user, project_obj, customer):
        raise Http404()
    context = {"project": project_obj, "customer": customer}
    if not roles & MANAGER_ROLES:
        return render(request, TEMPLATE, {**context, "forbidden": True}, status=403)
    registration = (CustomerRegistration.objects.select_related("consultant")
                    .filter(project=project_obj, customer=customer).first())
    form = ReassignForm(request.POST or None, consultants=consultants_of(project_obj))
    if request.method == "POST" and form.is_valid():
        before = registration.consultant_id if registration is not None else None
        try:
            done = kernel_customers.reassign(project_id=project_obj.pk, customer_id=customer.pk,
                                             to_consultant_id=form.cleaned_data["consultant"],
                                             by_user_id=request.user.pk, note=form.cleaned_data["note"])
        except KernelError as error:
            field = error.params.get("field")
            form.add_error(field if field in form.fields else None, error.message(lang()))
        else:
            words = {"customer": customer.name, "consultant": str(done.consultant), "project": project_obj.code,
                     "until": moment(done.protected_until, project_obj.zone)}
            if done.consultant_id == before:  # the same consultant: their protection runs longer (a renewal)
                messages.success(request, _("%(consultant)s's protection of %(customer)s in %(project)s is renewed: "
                                            "it now runs until %(until)s.") % words)
            else:
                messages.success(request, _("%(customer)s is now %(consultant)s's customer in %(project)s, "
                                            "protected until %(until)s.") % words)
            return redirect("web:customer", customer.pk)
    return render(request, TEMPLATE, {
        **context, "form": form, "registration": registration,
        "until": moment(registration.protected_until, project_obj.zone) if registration else "",
        "history": list(reversed(protection_history(customer.pk, [project_obj.pk]))),
    }, status=200 if request.method == "GET" or not form.errors else 400)
