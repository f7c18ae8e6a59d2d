"""The user's API tokens page (under the user menu): create one (its secret shown once), see when each was last
used, revoke. A user manages only their own tokens; a token never reaches beyond its user's roles."""
from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _, gettext_lazy

from kernel.access import memberships_of
from kernel.models import Project

from .models import ApiToken, Scope


class TokenForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("What it is for"), max_length=100,
                           help_text=gettext_lazy("e.g. the bank's system, the mini-program"))
    scope = forms.ChoiceField(label=gettext_lazy("Scope"), choices=Scope.choices, initial=Scope.READ,
                              widget=forms.RadioSelect)
    projects = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Projects"), queryset=Project.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Leave all unticked for every project you are a member of, now and later."))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["projects"].queryset = Project.objects.filter(pk__in=memberships_of(user.pk)).order_by("code")
        self.fields["projects"].label_from_instance = lambda p: f"{p.code} {p.name}"


@login_required
def tokens(request):
    form = TokenForm(request.POST if request.method == "POST" and request.POST.get("action") == "create" else None,
                     user=request.user)
    secret = None
    if request.method == "POST" and request.POST.get("action") == "revoke":
        updated = ApiToken.objects.filter(pk=request.POST.get("token") if str(request.POST.get("token")).isdigit()
                                          else None, user=request.user, revoked_at__isnull=True) \
            .update(revoked_at=timezone.now())
        if updated:
            messages.success(request, _("The token was revoked: it no longer opens anything."))
        else:
            messages.error(request, _("That token is not one of yours, or it was already revoked."))
        return redirect("api-tokens")
    if form.is_bound and form.is_valid():
        _token, secret = ApiToken.issue(request.user, form.cleaned_data["name"], scope=form.cleaned_data["scope"],
                                        projects=form.cleaned_data["projects"])
        form = TokenForm(user=request.user)
    rows = list(ApiToken.objects.filter(user=request.user).prefetch_related("projects"))
    return render(request, "api/tokens.html", {"form": form, "secret": secret, "rows": rows},
                  status=400 if form.is_bound and not form.is_valid() else 200)
