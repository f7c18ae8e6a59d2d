"""A project's members and their roles, as a project admin changes them: add, invite, give, take away.

Roles come from a catalogue, never free text: the platform's standard roles and those the
project's published flows declare (`roles:` in a flow). Every change writes a
`MembershipChange` row in the same transaction, so the history says who changed what when.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext_noop

from accounts.models import Membership, MembershipChange, User
from definitions.errors import closest
from definitions.roles import STANDARD_ROLES, RoleSpec, role_title_map
from kernel.errors import Refusal
from kernel.models import Project

from .models import FlowVersion, VersionStatus
from .runtime.access import ADMIN_ROLES
from .versions import definition_by_id

# Roles that configure the system: their holders also get the Django admin's staff flag (as bundles do).
CONFIGURING_ROLES = frozenset({"project_admin", "platform_admin", "implementer"})
# Roles about the whole installation: only a superuser gives them, never a project's admin.
SUPERUSER_ROLES = frozenset({"platform_admin"})


class MemberError(Refusal):
    """A members change that cannot be made; `message(lang)` says why, str() in English.

    A refusal of the one family (`kernel.errors.Refusal`): its template, marked at the raise, is
    the msgid of the zh_Hans catalogue.
    """

    code = "member_refused"


def declared_roles(project_ids: Iterable[int] | None = None) -> dict[int, list[RoleSpec]]:
    """project id -> the roles its published flows declare (one query; definitions come from the cache)."""
    versions = FlowVersion.objects.filter(status=VersionStatus.PUBLISHED)
    if project_ids is not None:
        versions = versions.filter(project_id__in=list(project_ids))
    found: dict[int, dict[str, RoleSpec]] = {}
    for pk, project_id, content_hash in versions.order_by("flow").values_list("pk", "project_id", "content_hash"):
        for role in definition_by_id(pk, content_hash).roles:
            found.setdefault(project_id, {}).setdefault(role.name, role)
    return {p: list(roles.values()) for p, roles in found.items()}


def role_catalogue(project: Project) -> list[RoleSpec]:
    """Every role a member of `project` may be given: the standard ones, then its flows' own."""
    standard = {r.name for r in STANDARD_ROLES}
    own = [r for r in declared_roles([project.pk]).get(project.pk, []) if r.name not in standard]
    return [*STANDARD_ROLES, *own]


def role_choices(project: Project, lang: str) -> list[tuple[str, str]]:
    """(name, title in `lang`) of the catalogue, for a form's choices."""
    catalogue = role_catalogue(project)
    titles = role_title_map(lang, catalogue)
    return [(r.name, titles[r.name]) for r in catalogue]


def check_role(project: Project, role: str, catalogue: list[RoleSpec] | None = None) -> None:
    """Refuse a role the catalogue does not hold, naming the nearest one (a typo `lgeal` -> `legal`)."""
    names = [r.name for r in (catalogue if catalogue is not None else role_catalogue(project))]
    if role in names:
        return
    hint = closest(role, names)
    if hint:
        raise MemberError(gettext_noop("no standard role and no flow of project {project} has the role '{role}'; "
                                       "did you mean '{hint}'?"), project=project.code, role=role, hint=hint)
    raise MemberError(gettext_noop("no standard role and no flow of project {project} has the role '{role}'"),
                      project=project.code, role=role)


def _record(project: Project, member, action: str, role: str, by) -> None:
    MembershipChange.objects.create(project=project, member=member, action=action, role=role,
                                    changed_by=by if by is not None and by.pk else None)


def _grant(project: Project, user, roles: Iterable[str], by) -> list[str]:
    held = set(Membership.objects.filter(project=project, user=user).values_list("role", flat=True))
    given = [r for r in dict.fromkeys(roles) if r not in held]
    for role in given:
        Membership.objects.create(project=project, user=user, role=role)
        _record(project, user, MembershipChange.Action.GIVEN, role, by)
    if CONFIGURING_ROLES & set(given) and not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    return given


def give_roles(project: Project, user, roles: Iterable[str], *, by) -> list[str]:
    """Give `user` these roles in `project` (those already held are left as they are); the roles given.

    Every role is checked first, so a bad one leaves nothing half-given.
    """
    roles = _checked_roles(project, roles, by)
    with transaction.atomic():
        return _grant(project, user, roles, by)


def _checked_roles(project: Project, roles: Iterable[str], by) -> list[str]:
    """The roles, each from the project's catalogue and one `by` may give; refused before anything is written."""
    roles = list(roles)
    if not roles:
        raise MemberError(gettext_noop("choose at least one role"))
    catalogue = role_catalogue(project)
    for role in roles:
        check_role(project, role, catalogue)
        _check_giver(role, by)
    return roles


def _check_giver(role: str, by) -> None:
    if role in SUPERUSER_ROLES and by is not None and not by.is_superuser:
        raise MemberError(gettext_noop("only a platform superuser gives the platform admin role"))


def grantable_choices(project: Project, lang: str, by) -> list[tuple[str, str]]:
    """The catalogue's (name, title) that `by` may give: a project admin not the installation's own roles."""
    return [(name, title) for name, title in role_choices(project, lang)
            if name not in SUPERUSER_ROLES or by is None or by.is_superuser]


def remove_role(project: Project, user, role: str, *, by) -> None:
    """Take `role` in `project` away from `user`; the project keeps at least one project admin."""
    with transaction.atomic():
        membership = Membership.objects.select_for_update().filter(project=project, user=user, role=role).first()
        if membership is None:
            raise MemberError(gettext_noop("{user} does not hold that role in {project}"), user=str(user),
                              project=project.code, role=role)
        if role in ADMIN_ROLES and not (Membership.objects.filter(project=project, role__in=ADMIN_ROLES,
                                                                  user__is_active=True)
                                        .exclude(pk=membership.pk).exists()):
            raise MemberError(gettext_noop("{user} is the only project admin of {project}: give the role to someone "
                                           "else first"), user=str(user), project=project.code)
        membership.delete()
        _record(project, user, MembershipChange.Action.REMOVED, role, by)


@dataclass(frozen=True)
class Invitation:
    user: User
    uid: str    # for the set-password link: web builds the address from these two
    token: str


def invitation_token(user) -> Invitation:
    """The set-password link's parts; it stops working once a password is set (Django's reset token)."""
    return Invitation(user, urlsafe_base64_encode(force_bytes(user.pk)), default_token_generator.make_token(user))


def invite(project: Project, *, username: str, display_name: str, email: str, roles: Iterable[str],
           by) -> Invitation:
    """A new user who cannot log in until they set a password through the invitation's link, with these roles."""
    User = get_user_model()
    username, display_name, email = username.strip(), display_name.strip(), email.strip()
    roles = _checked_roles(project, roles, by)
    with transaction.atomic():
        if User.objects.filter(username__iexact=username).exists():
            raise MemberError(gettext_noop("the user name {username} is taken: add that user instead"),
                              username=username)
        user = User(username=username, display_name=display_name, email=email, is_active=False)
        user.set_unusable_password()
        user.save()
        _record(project, user, MembershipChange.Action.INVITED, "", by)
        _grant(project, user, roles, by)
    return invitation_token(user)


def accept_invitation(user, password: str) -> None:
    """The invited user set their password: they may log in from now on (the link is spent with it)."""
    user.set_password(password)
    user.is_active = True
    user.save(update_fields=["password", "is_active"])


__all__ = ["CONFIGURING_ROLES", "Invitation", "MemberError", "accept_invitation", "check_role", "declared_roles",
           "give_roles", "grantable_choices", "invitation_token", "invite", "remove_role", "role_catalogue", "role_choices"]
