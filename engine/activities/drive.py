"""Drive activities: a folder (for example one per won deal) and a text file saved into one."""
from __future__ import annotations

import io

from drive.services import files, items
from engine.activities.base import ActivityContext, Param, Topic, fail, from_service_error, given
from errors import ServiceError

DRIVE_PARAM = Param("drive", "Whose drive when no parent is given: company (default), user:<id> or "
                             "workgroup:<id>")
PARENT_PARAM = Param("parent", "The id of the folder to work in (default: the drive's root)", type="integer")


def _parent(topic: str, params: dict, ctx: ActivityContext) -> int:
    """The folder id: the parameter, or the root of the named drive."""
    if given(params, "parent"):
        return params["parent"]
    kind, _, ref = str(params.get("drive") or "company").partition(":")
    if kind not in ("company", "user", "workgroup") or (kind != "company" and not ref.isdigit()):
        raise fail(topic, "drive", "company, user:<id> or workgroup:<id>")
    try:
        return items.drive_root(kind, int(ref) if ref else None, actor=ctx.actor).id
    except ServiceError as exc:
        raise from_service_error(topic, exc, rename={"drive": "drive"}) from exc


def create_folder(params: dict, ctx: ActivityContext) -> dict:
    """The folder `name` in the parent; an existing folder of that name is reused."""
    topic = "drive.create_folder"
    parent = _parent(topic, params, ctx)
    try:
        name = str(params.get("name") or "")
        found = items.sibling_named(int(parent), name) if str(parent).isdigit() else None
        if found is not None and found.is_folder:
            return {"folder_id": found.id}
        return {"folder_id": items.create_folder(parent, params.get("name"), actor=ctx.actor).id}
    except ServiceError as exc:
        raise from_service_error(topic, exc, rename={"parent": "parent"}) from exc


def save_file(params: dict, ctx: ActivityContext) -> dict:
    """A text file in the folder (a new version when the name exists there)."""
    topic = "drive.save_file"
    parent = _parent(topic, params, ctx)
    content = params.get("content")
    if content is None:
        content = ""
    if not isinstance(content, str):
        raise fail(topic, "content", "Expected text")
    try:
        item = files.upload_file(parent, params.get("name"), io.BytesIO(content.encode()), actor=ctx.actor,
                                 field="name")
    except ServiceError as exc:
        raise from_service_error(topic, exc, rename={"file": "content"}) from exc
    return {"file_id": item.id}


TOPICS = (
    Topic("drive.create_folder", "Create a folder in a drive (or reuse the one of that name)",
          (Param("name", "The folder's name", required=True), PARENT_PARAM, DRIVE_PARAM),
          "folder_id", create_folder, result_description="The folder's id"),
    Topic("drive.save_file", "Save text as a file in a drive folder (a new version when it exists)",
          (Param("name", "The file's name, e.g. summary.txt", required=True),
           Param("content", "The text to save"), PARENT_PARAM, DRIVE_PARAM),
          "file_id", save_file, result_description="The file's id"),
)
