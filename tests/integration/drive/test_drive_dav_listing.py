"""PROPFIND Depth: 1 of a folder: the readable children with their properties, in a fixed
number of statements whatever the folder's size (it was seven or eight a child)."""
from __future__ import annotations

import base64
import re

from sqlalchemy import insert, select

from tests.integration.drive.conftest import folder, root_of
from tests.support.statements import statements

NS = "urn:schemas-microsoft-com:"
NAMED = (f'<?xml version="1.0" encoding="utf-8"?><D:propfind xmlns:D="DAV:" xmlns:Z="{NS}"><D:prop>'
         "<D:resourcetype/><D:getcontentlength/><D:getetag/><Z:Win32FileAttributes/></D:prop></D:propfind>")


def headers_of(user) -> dict:
    from org.services.tokens import issue_token
    from transactions import unit_of_work

    with unit_of_work():
        token, _row = issue_token(user)
    basic = base64.b64encode(f"{user.email}:{token}".encode()).decode()
    return {"Authorization": f"Basic {basic}", "Depth": "1"}


def fill(folder_id: int, owner, count: int, start: int = 0) -> list[int]:
    """`count` files in the folder, inserted in bulk; their ids."""
    from drive.models import DriveItem
    from extensions import db
    from transactions import unit_of_work

    with unit_of_work():
        parent = db.session.get(DriveItem, folder_id)
        db.session.execute(insert(DriveItem), [
            {"drive_kind": "user", "drive_ref": owner.id, "parent_id": folder_id, "path": parent.path,
             "name": f"f{i:04d}.txt", "is_folder": False, "owner_id": owner.id, "mime": "text/plain",
             "size": 3, "version_no": 1} for i in range(start, start + count)])
    return list(db.session.scalars(select(DriveItem.id).where(DriveItem.parent_id == folder_id)
                                   .order_by(DriveItem.name)))


def listed(client, url: str, headers: dict, body: str = "") -> tuple[list[str], bytes, int]:
    """The child names answered (not the folder itself), the body, the statements sent."""
    with statements() as seen:
        resp = client.open(url, method="PROPFIND", headers=headers, data=body)
    assert resp.status_code == 207, resp.data[:300]
    hrefs = re.findall(rb"<D:href>([^<]*)</D:href>", resp.data, flags=re.I)
    names = sorted(h.decode().rstrip("/").rsplit("/", 1)[-1] for h in hrefs if not h.endswith(b"/docs/"))
    return names, resp.data, len(seen)


def test_depth_one_lists_what_the_user_may_read_in_fixed_statements(client, ann, bob, ann_api):
    from drive.dav_props import DriveDavProp
    from drive.models import DriveRight
    from extensions import db
    from transactions import unit_of_work

    docs = folder(ann_api, root_of(ann_api), "docs")
    url = f"/dav/files/user-{ann.id}/docs/"
    ids = fill(docs, ann, 5)
    with unit_of_work():
        db.session.add(DriveRight(item_id=docs, subject="user", subject_id=bob.id, level="read"))
        db.session.add(DriveRight(item_id=ids[1], subject="user", subject_id=bob.id, level="none"))
        value = f'<Z:Win32FileAttributes xmlns:Z="{NS}">00000020</Z:Win32FileAttributes>'
        db.session.add(DriveDavProp(item_id=ids[2], name=f"{{{NS}}}Win32FileAttributes", value=value))
    ann_h, bob_h = headers_of(ann), headers_of(bob)
    names, _body, _n = listed(client, url, ann_h)
    assert names == [f"f{i:04d}.txt" for i in range(5)]
    names, body, small = listed(client, url, bob_h, NAMED)
    assert names == ["f0000.txt", "f0002.txt", "f0003.txt", "f0004.txt"]  # none on f0001 takes it away
    assert body.count(b"00000020") == 1  # the dead property of f0002, read with the others
    fill(docs, ann, 60, start=5)
    names, body, large = listed(client, url, bob_h, NAMED)
    assert len(names) == 64 and body.count(b"00000020") == 1
    assert large == small <= 20, (small, large)
    _names, _body, allprop = listed(client, url, bob_h)
    assert allprop <= 20
