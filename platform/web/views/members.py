"""A project's members page (project admins, in the studio): add a user, invite one, give and take away roles.

Users are picked by name (the tom-select picker over `member_lookup`), roles from the
project's catalogue (engine.members); the history below the list says who changed what when.
The invited user's set-password page is here too (`accept_invitation`).
"""
from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.tokens import default_token_generator
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.mail import send_mail
from django.db.models import Q
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlsafe_base64_decode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop
from django.views.decorators.http import require_GET

from accounts.models import Membership, MembershipChange
from definitions.roles import role_title_map
from engine import members
from forms.widgets import PickerInput
from kernel.models import Project

from .common import administered_project, lang

LIMIT = 20
HISTORY_ROWS = 50


def user_label(user) -> str:
    """王芳 (wangfang): the name people know, and the login that tells two 王芳 apart."""
    return f"{user.display_name} ({user.username})" if user.display_name else user.username


class RolesField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple


class AddMemberForm(forms.Form):
    user = forms.CharField(label=gettext_lazy("User"), max_length=150)
    roles = RolesField(label=gettext_lazy("Roles"))

    def __init__(self, project: Project, choices, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].widget = PickerInput("user", reverse("web:lookup-users", args=[project.code]),
                                                 _("Type a name to search"))
        roles = self.fields["roles"]
        assert isinstance(roles, forms.ChoiceField)  # as declared above (`fields` is typed by the base Field)
        roles.choices = choices

    def clean_user(self):
        typed = self.cleaned_data["user"].strip()
        User = get_user_model()
        found = list(User.objects.filter(username=typed)[:1]) or list(
            User.objects.filter(display_name=typed)[:2])
        if len(found) > 1:
            raise forms.ValidationError(_("Several users are called %(name)s: search and pick one from the list.")
                                        % {"name": typed})
        if not found:
            raise forms.ValidationError(_("No user is called %(name)s: search and pick one from the list, or "
                                          "invite them below.") % {"name": typed})
        return found[0]


class InviteForm(forms.Form):
    username = forms.CharField(label=gettext_lazy("User name (to log in)"), max_length=150,
                               validators=[UnicodeUsernameValidator()])
    display_name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    email = forms.EmailField(label=gettext_lazy("Email"), required=False,
                             help_text=gettext_lazy("The link to set a password is sent here; it is also shown "
                                                    "to you once, to pass on."))
    roles = RolesField(label=gettext_lazy("Roles"))

    prefix = "invite"  # the add form shares the page: its own field ids

    def __init__(self, choices, *args, **kwargs):
        super().__init__(*args, **kwargs)
        roles = self.fields["roles"]
        assert isinstance(roles, forms.ChoiceField)  # as declared above (`fields` is typed by the base Field)
        roles.choices = choices
        self.fields["username"].widget.attrs["autocomplete"] = "off"


def _joined(titles: list[str]) -> str:
    return ("、" if lang().startswith("zh") else ", ").join(titles)


def _member_rows(project: Project, titles: dict[str, str]) -> list[dict]:
    """One row per member with their roles by title: one query."""
    rows: dict[int, dict] = {}
    for m in (Membership.objects.filter(project=project).select_related("user")
              .order_by("user__display_name", "user__username", "role")):
        row = rows.setdefault(m.user_id, {"user": m.user, "label": user_label(m.user), "roles": []})
        row["roles"].append({"name": m.role, "title": titles.get(m.role, m.role)})
    return list(rows.values())


def _history(project: Project, titles: dict[str, str]) -> list[dict]:
    changes = (MembershipChange.objects.filter(project=project).select_related("member", "changed_by")
               .order_by("-at", "-pk")[:HISTORY_ROWS])
    return [{"at": c.at, "member": user_label(c.member), "action": c.get_action_display(),
             "role": titles.get(c.role, c.role) if c.role else "",
             "by": user_label(c.changed_by) if c.changed_by else _("the system")} for c in changes]


def _invitation_link(request, invitation: members.Invitation) -> str:
    return request.build_absolute_uri(reverse("web:accept-invitation", args=[invitation.uid, invitation.token]))


def _send_invitation(request, project: Project, user, link: str) -> bool:
    """Email the link when the user has an address; False when sending failed (the admin passes it on)."""
    if not user.email:
        return False
    subject = _("You are invited to project %(project)s") % {"project": project.name}
    body = _("%(name)s, set your password to log in: %(link)s\nThe link works once.") % {
        "name": user.display_name or user.username, "link": link}
    try:
        send_mail(subject, body, None, [user.email])
    except OSError:
        return False
    return True


@login_required
def members_page(request, project: str):
    project_obj = administered_project(request, project)
    language = lang()
    catalogue = members.role_catalogue(project_obj)
    titles = role_title_map(language, catalogue)
    grantable = {name for name, _title in members.grantable_choices(project_obj, language, request.user)}
    choices = [(r.name, titles[r.name]) for r in catalogue if r.name in grantable]
    add_form, invite_form, status = AddMemberForm(project_obj, choices), InviteForm(choices), 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "add":
                add_form = AddMemberForm(project_obj, choices, request.POST)
                if add_form.is_valid():
                    user = add_form.cleaned_data["user"]
                    given = members.give_roles(project_obj, user, add_form.cleaned_data["roles"], by=request.user)
                    messages.success(request, _("%(user)s: given %(roles)s.") % {
                        "user": user_label(user), "roles": _joined([titles[r] for r in given]) or _("nothing new")})
                    return redirect(reverse("web:members", args=[project]))
            elif action == "invite":
                invite_form = InviteForm(choices, request.POST)
                if invite_form.is_valid():
                    data = invite_form.cleaned_data
                    invitation = members.invite(project_obj, username=data["username"],
                                                display_name=data["display_name"], email=data["email"],
                                                roles=data["roles"], by=request.user)
                    link = _invitation_link(request, invitation)
                    sent = _send_invitation(request, project_obj, invitation.user, link)
                    messages.success(request, (_("Invited %(user)s; the link was emailed to %(email)s. Their link: "
                                                 "%(link)s") if sent else
                                               _("Invited %(user)s. Pass on their link to set a password (it works "
                                                 "once): %(link)s"))
                                     % {"user": user_label(invitation.user), "email": invitation.user.email,
                                        "link": link})
                    return redirect(reverse("web:members", args=[project]))
            elif action == "remove":
                user = get_user_model().objects.filter(username=request.POST.get("username", "")).first()
                role = request.POST.get("role", "")
                if user is None:
                    raise members.MemberError(gettext_noop("no such member"))
                members.remove_role(project_obj, user, role, by=request.user)
                messages.success(request, _("%(user)s no longer holds %(role)s.") % {
                    "user": user_label(user), "role": titles.get(role, role)})
                return redirect(reverse("web:members", args=[project]))
        except members.MemberError as exc:
            messages.error(request, exc.message(language))
        status = 400
    return render(request, "web/members.html", {
        "project": project_obj, "rows": _member_rows(project_obj, titles), "history": _history(project_obj, titles),
        "add_form": add_form, "invite_form": invite_form, "zone": project_obj.zone,
    }, status=status)


@login_required
@require_GET
def member_lookup(request, project: str):
    """Active users whose name or user name contains `q`, for the add-member picker (project admins only)."""
    administered_project(request, project)
    query = request.GET.get("q", "").strip()
    if not query:
        return JsonResponse({"results": []})
    users = (get_user_model().objects.filter(is_active=True)
             .filter(Q(username__icontains=query) | Q(display_name__icontains=query))
             .order_by("display_name", "username")[:LIMIT])
    return JsonResponse({"results": [{"value": u.username, "text": user_label(u)} for u in users]})


def accept_invitation(request, uidb64: str, token: str):
    """The invited user sets their password; the link is spent with it (Django's reset token)."""
    try:
        user = get_user_model().objects.get(pk=int(urlsafe_base64_decode(uidb64).decode()))
    except (ValueError, TypeError, OverflowError, get_user_model().DoesNotExist):
        user = None
    if user is None or not default_token_generator.check_token(user, token):
        raise Http404()
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        members.accept_invitation(user, form.cleaned_data["new_password1"])
        messages.success(request, _("Your password is set: log in with it."))
        return redirect(reverse("web:login"))
    return render(request, "web/accept_invitation.html", {"form": form, "invited": user})


__all__ = ["accept_invitation", "member_lookup", "members_page"]
