"""OpenAPI entries for the drive: items, content, versions, trash, rights, links, settings."""
from __future__ import annotations

from drive.rights import LEVELS, SUBJECTS
from web.api.openapi import items_of, op, param, path_id, ref, register_paths

TAG = "Drive"
ID = {"type": "integer", "minimum": 1}
NULL_ID = {"type": ["integer", "null"], "minimum": 1}
NULL_TIME = {"type": ["string", "null"], "format": "date-time"}
TEXT = {"type": "string"}
FLAG = {"type": "boolean"}
NULL_INT = {"type": ["integer", "null"], "minimum": 0}
CONFLICT = ("401", "403", "404", "409", "422")
UPLOAD = ("401", "403", "404", "409", "413", "422", "423")


def _obj(props: dict, required: list[str] | None = None) -> dict:
    return {"type": "object", "additionalProperties": False, "properties": props,
            "required": list(props) if required is None else required}


ITEM = {
        "id": ID, "name": TEXT, "kind": {"enum": ["folder", "file"]}, "parent_id": NULL_ID,
        "drive": _obj({"kind": {"enum": ["user", "workgroup", "company"]}, "id": NULL_ID}),
        "mime": {"type": ["string", "null"], "description": "Detected from the content"},
        "size": NULL_INT, "version": NULL_INT, "owner_id": NULL_ID,
        "created_at": NULL_TIME, "updated_at": NULL_TIME, "updated_by_id": NULL_ID, "trashed_at": NULL_TIME,
        "level": {"enum": list(LEVELS), "description": "The caller's level on the item"},
        "can": _obj({"edit": FLAG, "share": FLAG, "full": FLAG})}

SCHEMAS = {
    "DriveItem": _obj(ITEM),
    "DriveItemList": items_of("DriveItem"),
    "DriveSearchResults": _obj({
        "items": {"type": "array", "items": _obj({
            **ITEM, "snippet": {"type": "string", "description": "Where the text matched, as plain text"},
            "score": {"type": "number", "description": "Higher is better"}})},
        "terms": {"type": "array", "items": TEXT, "description": "The words matched as prefixes (folded)"},
        "offset": {"type": "integer", "minimum": 0},
        "next_offset": {"type": ["integer", "null"],
                        "description": "The next page's offset; null on the last"}}),
    "DriveFolderListing": _obj({
        "folder": ref("DriveItem"), "items": {"type": "array", "items": ref("DriveItem")},
        "total": {"type": "integer", "minimum": 0, "description": "Children the caller may read"},
        "next": {"type": ["string", "null"], "description": "The next page's cursor (null: the last)"}}),
    "DriveCreate": _obj({
        "parent": ID, "name": {"type": "string", "minLength": 1, "maxLength": 255},
        "kind": {"enum": ["folder"]},
        "template": {"enum": ["document", "spreadsheet", "presentation"],
                     "description": "A new empty ODF file instead of a folder"}},
        required=["parent", "name"]),
    "DriveUpload": {"type": "object", "required": ["parent", "file"], "properties": {
        "parent": ID, "file": {"type": "array", "items": {"type": "string", "format": "binary"},
                               "description": "One or more files; a/b/name makes the folders a and b"}}},
    "DriveUpdate": _obj({"name": {"type": "string", "minLength": 1, "maxLength": 255},
                         "parent": {**ID, "description": "Move into this folder"}}, required=[]),
    "DriveCopy": _obj({"parent": ID, "name": TEXT}, required=["parent"]),
    "DriveVersion": _obj({"number": ID, "size": {"type": "integer"}, "mime": TEXT, "created_at": NULL_TIME,
                          "created_by_id": NULL_ID}),
    "DriveVersionList": items_of("DriveVersion"),
    "DriveRight": _obj({"subject": {"enum": list(SUBJECTS)}, "id": NULL_ID, "level": {"enum": list(LEVELS)},
                        "include_subdepartments": FLAG}, required=["subject", "level"]),
    "DriveRightList": items_of("DriveRight"),
    "DriveLink": _obj({"id": ID, "item_id": ID, "expires_at": NULL_TIME, "has_password": FLAG,
                       "created_at": NULL_TIME, "token": TEXT, "url": TEXT, "page_url": TEXT},
                      required=["id", "item_id", "expires_at", "has_password", "created_at"]),
    "DriveLinkList": items_of("DriveLink"),
    "DriveLinkCreate": _obj({"expires_at": NULL_TIME, "password": {"type": ["string", "null"]}}, required=[]),
    "DriveOpenLinks": _obj({"webdav": TEXT, "libreoffice": TEXT, "office": TEXT}),
    "DrivePurged": _obj({"deleted": {"type": "integer"}}),
    "DriveSettings": _obj({"user_quota": NULL_INT, "workgroup_quota": NULL_INT,
                           "users": {"type": "object", "additionalProperties": NULL_INT},
                           "workgroups": {"type": "object", "additionalProperties": NULL_INT}}, required=[]),
}


def _item_paths() -> dict:
    iid, item = path_id("item_id"), ref("DriveItem")
    return {
        "/drive/drives": {"get": op("The caller's drives: their own, the company's, their workgroups'",
                                    tag=TAG, operation_id="drive_drives", response=ref("DriveItemList"))},
        "/drive/items": {
            "get": op("List a folder (default: the caller's drive)", tag=TAG, operation_id="drive_list",
                      params=[param("parent", schema=ID),
                              param("limit", schema={"type": "integer", "minimum": 1},
                                    description="Page size (default 100, capped at 500)"),
                              param("cursor", description="`next` of the page before")],
                      response=ref("DriveFolderListing"),
                      description="Folders first, then by name: one page at a time, with the total."),
            "post": {**op("Create a folder or a new document (JSON)", tag=TAG, operation_id="drive_create",
                          status="201", body=ref("DriveCreate"), response=item, errors=CONFLICT),
                     "description": "With multipart/form-data (fields parent and file, repeated) it "
                                    "uploads files instead and answers {items}: a name taken by a file "
                                    "adds a version. 413 over DRIVE_MAX_FILE or the drive's quota."},
        },
        "/drive/items/{item_id}": {
            "get": op("An item", tag=TAG, operation_id="drive_get", params=[iid], response=item),
            "patch": op("Rename (edit) or move (full on the item, edit on the target)", tag=TAG,
                        operation_id="drive_update", params=[iid], body=ref("DriveUpdate"), response=item,
                        errors=CONFLICT),
            "delete": op("Put into the trash (full right)", tag=TAG, operation_id="drive_trash",
                         params=[iid], response=item),
        },
        "/drive/items/from-mail": {"post": op(
            "Save a received mail's attachment into a folder", tag=TAG, operation_id="drive_from_mail",
            status="201", response=item, errors=UPLOAD,
            body=_obj({"attachment_id": ID, "parent": ID, "name": TEXT},
                      required=["attachment_id", "parent"]),
            description="The attachment's message must be readable by the caller; a name taken by a file "
                        "in the folder adds a version.")},
        "/drive/items/{item_id}/copy": {"post": op(
            "Copy into a folder", tag=TAG, operation_id="drive_copy", params=[iid], body=ref("DriveCopy"),
            response=item, status="201", errors=CONFLICT)},
    }


def _content_paths() -> dict:
    iid, item = path_id("item_id"), ref("DriveItem")
    return {
        "/drive/items/{item_id}/content": {
            "get": op("Download (?version=n for an old one, ?inline=1 for safe previews)", tag=TAG,
                      operation_id="drive_download", media="application/octet-stream",
                      params=[iid, param("version", schema=ID), param("inline", schema={"enum": ["1"]})],
                      response={"type": "string", "format": "binary"}),
            "put": op("Save a new version (the body); If-Match: the version replaced", tag=TAG,
                      operation_id="drive_save", params=[iid, param("If-Match", "header")],
                      response=item, status="201", errors=UPLOAD),
        },
        "/drive/items/{item_id}/versions": {"get": op(
            "Versions, newest first", tag=TAG, operation_id="drive_versions", params=[iid],
            response=ref("DriveVersionList"))},
        "/drive/items/{item_id}/versions/{number}/restore": {"post": op(
            "Make an old version current (as a new version)", tag=TAG, operation_id="drive_restore_version",
            params=[iid, path_id("number")], response=item, status="201", errors=CONFLICT)},
        "/drive/items/{item_id}/open": {"get": op(
            "WebDAV URL and desktop-application links", tag=TAG, operation_id="drive_open", params=[iid],
            response=ref("DriveOpenLinks"))},
    }


def _other_paths() -> dict:
    iid = path_id("item_id")
    return {
        "/drive/trash": {"get": op("The trash (items the caller may restore)", tag=TAG,
                                   operation_id="drive_trash_list", response=ref("DriveItemList"))},
        "/drive/items/{item_id}/restore": {"post": op(
            "Take out of the trash", tag=TAG, operation_id="drive_restore", params=[iid],
            response=ref("DriveItem"), errors=CONFLICT)},
        "/drive/trash/{item_id}": {"delete": op(
            "Delete for good (from the trash only)", tag=TAG, operation_id="drive_purge", params=[iid],
            response=ref("DrivePurged"), errors=CONFLICT)},
        "/drive/search": {"get": op(
            "Find items by name and text", tag=TAG, operation_id="drive_search",
            description="Items the caller may read (rights applied in the query: the pages are exact) "
                        "with every typed word as a prefix of a word of the name or of the text of "
                        "txt, md, csv, odt/ods/odp, docx and pdf files, best match first.",
            params=[param("q", required=True, schema={"type": "string", "minLength": 1, "maxLength": 200}),
                    param("limit", schema={"type": "integer", "minimum": 1, "maximum": 50, "default": 50}),
                    param("offset", schema={"type": "integer", "minimum": 0, "default": 0})],
            response=ref("DriveSearchResults"))},
        "/drive/shared": {"get": op("Shared with me", tag=TAG, operation_id="drive_shared",
                                    response=ref("DriveItemList"))},
    }


def _sharing_paths() -> dict:
    iid = path_id("item_id")
    return {
        "/drive/items/{item_id}/rights": {
            "get": op("Rights set on the item itself", tag=TAG, operation_id="drive_rights", params=[iid],
                      response=ref("DriveRightList")),
            "put": op("Replace the item's rights (full; share may add or remove read and edit)", tag=TAG,
                      operation_id="drive_rights_save", params=[iid], response=ref("DriveRightList"),
                      body={"type": "array", "items": ref("DriveRight")}),
        },
        "/drive/items/{item_id}/links": {
            "get": op("Public links (share right)", tag=TAG, operation_id="drive_links", params=[iid],
                      response=ref("DriveLinkList")),
            "post": op("Make a public link (share right); the token is shown once", tag=TAG,
                       operation_id="drive_link_create", params=[iid], body=ref("DriveLinkCreate"),
                       response=ref("DriveLink"), status="201"),
        },
        "/drive/links/{link_id}": {"delete": op(
            "Revoke a public link", tag=TAG, operation_id="drive_link_revoke",
            params=[path_id("link_id")], response=ref("DriveLink"))},
        "/drive/settings": {
            "get": op("Quotas (administrators)", tag=TAG, operation_id="drive_settings",
                      response=ref("DriveSettings")),
            "put": op("Replace the quotas (administrators); bytes, null for no limit", tag=TAG,
                      operation_id="drive_settings_save", body=ref("DriveSettings"),
                      response=ref("DriveSettings")),
        },
    }


register_paths({**_item_paths(), **_content_paths(), **_other_paths(), **_sharing_paths()}, SCHEMAS)
