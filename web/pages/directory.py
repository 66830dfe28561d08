"""A person's profile in the directory, and what administrators do there: dismiss, hire,
grant, revoke or pass on administrator rights."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for

from mail.outbox import unsent_link
from org.admin import acts_as_admin
from org.queries import latest_invitation, workgroups_of
from org.services import admins, employment
from org.services.departments import head_for
from org.services.users import get_user
from web.pages import pages
from web.pages.common import me


@pages.get("/company/employees/<int:user_id>")
def person(user_id: int):
    user = get_user(user_id)
    groups = workgroups_of(user.id)
    invitation = latest_invitation(user.id)
    memberships = sorted(user.memberships, key=lambda m: (not m.is_primary, m.id))
    link = unsent_link(user.email) if acts_as_admin(me()) else None  # a mail that could not go out
    return render_template("company/person.html", user=user, memberships=memberships,
                           manager=head_for(user), groups=groups, invitation=invitation, unsent_link=link)


def _done(user_id: int, message: str):
    flash(message, "success")
    return redirect(url_for("pages.person", user_id=user_id))


@pages.post("/company/employees/<int:user_id>/dismiss")
def person_dismiss(user_id: int):
    user = employment.dismiss_user(user_id, actor=me())
    return _done(user_id, f"{user.full_name} was dismissed: they can no longer log in, and their open "
                          "tasks went back to the candidates or to their department head.")


@pages.post("/company/employees/<int:user_id>/hire")
def person_hire(user_id: int):
    user = employment.hire_user(user_id, actor=me())
    return _done(user_id, f"{user.full_name} is active again.")


@pages.post("/company/employees/<int:user_id>/admin-rights")
def person_grant_admin(user_id: int):
    user = admins.grant_admin(user_id, actor=me())
    return _done(user_id, f"{user.full_name} is now an administrator.")


@pages.post("/company/employees/<int:user_id>/admin-rights/revoke")
def person_revoke_admin(user_id: int):
    user = admins.revoke_admin(user_id, actor=me())
    return _done(user_id, f"{user.full_name} is no longer an administrator.")


@pages.post("/company/employees/<int:user_id>/admin-rights/transfer")
def person_transfer_admin(user_id: int):
    user = admins.transfer_admin(user_id, actor=me())
    return _done(user_id, f"You passed the administrator role on to {user.full_name}.")
