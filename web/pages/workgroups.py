"""Workgroup pages: list, create, the group (members, moderators, invitations, settings)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from errors import ValidationError
from extensions import db
from org.services import workgroups as svc
from org.services.users import list_users
from web.pages import pages
from web.pages.common import me

POLICY_LABELS = {"owner": "Only the owner", "owner_and_moderators": "The owner and moderators",
                 "all_members": "All members"}


def _to_group(workgroup_id: int, message: str, tone: str = "success"):
    flash(message, tone)
    return redirect(url_for("pages.workgroup_view", workgroup_id=workgroup_id))


def _form_data() -> dict:
    return {k: request.form.get(k, "") for k in ("name", "description", "invite_policy") if k in request.form}


@pages.get("/workgroups")
def workgroup_list():
    mine = request.args.get("mine") == "1"
    return render_template("workgroups/list.html", groups=svc.list_workgroups(actor=me(), mine=mine),
                           mine=mine, invitations=svc.my_invitations(actor=me()))


@pages.route("/workgroups/new", methods=["GET", "POST"])
def workgroup_new():
    errors: dict = {}
    if request.method == "POST":
        try:
            group = svc.create_workgroup(_form_data(), actor=me())
        except ValidationError as exc:
            db.session.rollback()
            errors = exc.fields or {"_": exc.message}
        else:
            return _to_group(group.id, f"Workgroup “{group.name}” created: invite people to it.")
    return render_template("workgroups/form.html", errors=errors, form=request.form, policies=POLICY_LABELS,
                           group=None), (422 if errors else 200)


@pages.get("/workgroups/<int:workgroup_id>")
def workgroup_view(workgroup_id: int):
    return _view(workgroup_id)


def _view(workgroup_id: int, errors: dict | None = None, status: int = 200):
    group = svc.get_workgroup(workgroup_id, actor=me())
    member_ids = {m.user_id for m in group.members}
    pending = svc.list_group_invitations(workgroup_id, actor=me())
    invited = {r.user_id for r in pending}
    candidates = [u for u in list_users() if u.id not in member_ids and u.id not in invited]
    return render_template(
        "workgroups/view.html", group=group, pending=pending, candidates=candidates, errors=errors or {},
        policies=POLICY_LABELS, role=svc.role_in(group, me()), may_edit=svc.may_edit(group, me()),
        may_manage=svc.may_manage(group, me()), may_invite=svc.may_invite(group, me()),
        form=request.form if errors else None), status


@pages.post("/workgroups/<int:workgroup_id>")
def workgroup_save(workgroup_id: int):
    data = _form_data()
    if request.form.get("owner_id", "").isdigit():
        data["owner_id"] = int(request.form["owner_id"])
    try:
        svc.update_workgroup(workgroup_id, data, actor=me())
    except ValidationError as exc:
        db.session.rollback()
        return _view(workgroup_id, exc.fields or {"_": exc.message}, 422)
    return _to_group(workgroup_id, "Workgroup saved.")


@pages.post("/workgroups/<int:workgroup_id>/delete")
def workgroup_delete(workgroup_id: int):
    svc.delete_workgroup(workgroup_id, actor=me())
    flash("Workgroup deleted.", "success")
    return redirect(url_for("pages.workgroup_list"))


@pages.post("/workgroups/<int:workgroup_id>/members/<int:user_id>/remove")
def workgroup_member_remove(workgroup_id: int, user_id: int):
    svc.remove_member(workgroup_id, user_id, actor=me())
    if user_id == me().id:
        flash("You left the workgroup.", "success")
        return redirect(url_for("pages.workgroup_list"))
    return _to_group(workgroup_id, "Member removed.")


@pages.post("/workgroups/<int:workgroup_id>/moderators/<int:user_id>")
def workgroup_moderator(workgroup_id: int, user_id: int):
    on = request.form.get("on") == "1"
    member = svc.set_moderator(workgroup_id, user_id, on, actor=me())
    return _to_group(workgroup_id, f"{member.user.full_name} is {'now' if on else 'no longer'} a moderator.")


@pages.post("/workgroups/<int:workgroup_id>/invitations")
def workgroup_invite(workgroup_id: int):
    ids = [int(v) for v in request.form.getlist("user_ids") if v.isdigit()]
    try:
        rows = svc.invite_members(workgroup_id, ids, actor=me())
    except ValidationError as exc:
        db.session.rollback()
        return _view(workgroup_id, {"invite": "; ".join(exc.fields.values()) or exc.message}, 422)
    return _to_group(workgroup_id, f"Invited {len(rows)} {'person' if len(rows) == 1 else 'people'}.")


@pages.post("/workgroups/<int:workgroup_id>/invitations/<int:invitation_id>/revoke")
def workgroup_invitation_revoke(workgroup_id: int, invitation_id: int):
    svc.revoke_group_invitation(workgroup_id, invitation_id, actor=me())
    return _to_group(workgroup_id, "Invitation revoked.")


@pages.post("/workgroups/<int:workgroup_id>/invitations/<int:invitation_id>/<any(accept, decline):answer>")
def workgroup_invitation_answer(workgroup_id: int, invitation_id: int, answer: str):
    row = svc.answer_invitation(workgroup_id, invitation_id, answer == "accept", actor=me())
    if answer == "accept":
        return _to_group(workgroup_id, f"You joined {row.workgroup.name}.")
    flash(f"You declined the invitation to {row.workgroup.name}.", "info")
    return redirect(url_for("pages.workgroup_list"))

