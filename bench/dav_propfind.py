"""WebDAV PROPFIND Depth: 1 of one large folder (what a desktop client sends on opening it):
wall time and SQL statements, for the drive's owner and for a reader holding a right on the folder.

    .venv/bin/python bench/dav_propfind.py --db sqlite --files 2000 --runs 5

Builds a throw-away database, a folder of `--files` files inserted in bulk (a tenth of them with
a right of their own, a few with a dead property), and sends PROPFIND through Flask's test
client: once for all properties (allprop, no body) and once for named ones as Finder and
Windows ask (live ones and a dead one). Prints medians. Never part of the test run.
"""
from __future__ import annotations

import argparse
import base64
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("FLOWDESK_INSTANCE", tempfile.mkdtemp(prefix="flowdesk-bench-"))

from bench._support import bench_app, make_database

NAMED = (b'<?xml version="1.0" encoding="utf-8"?><D:propfind xmlns:D="DAV:" '
         b'xmlns:Z="urn:schemas-microsoft-com:"><D:prop><D:resourcetype/><D:getcontentlength/>'
         b"<D:getlastmodified/><D:getetag/><D:creationdate/><Z:Win32FileAttributes/></D:prop></D:propfind>")


def build(app: object, count: int) -> tuple[dict, str]:
    """Owner and reader (with read on the folder), the folder of `count` files; headers by user."""
    from sqlalchemy import insert, select

    from drive.dav_props import DriveDavProp
    from drive.models import DriveItem, DriveRight
    from drive.services import items
    from extensions import db
    from org.services.tokens import issue_token
    from org.services.users import create_user

    with app.app_context():
        users = {n: create_user(f"{n}@example.com", "Quiet-bay-42", actor=None, first_name=n, last_name="B")
                 for n in ("owner", "reader")}
        owner = users["owner"]
        folder = items.create_folder(items.drive_root("user", owner.id, actor=owner).id, "many", actor=owner)
        rows = [{"drive_kind": "user", "drive_ref": owner.id, "parent_id": folder.id, "path": folder.path,
                 "name": f"file-{i:05d}.txt", "is_folder": False, "owner_id": owner.id,
                 "mime": "text/plain", "size": 1, "version_no": 1} for i in range(count)]
        db.session.execute(insert(DriveItem), rows)
        kids = list(db.session.scalars(select(DriveItem.id).where(DriveItem.parent_id == folder.id)))
        reader_id = users["reader"].id
        db.session.add(DriveRight(item_id=folder.id, subject="user", subject_id=reader_id, level="read"))
        db.session.add_all(DriveRight(item_id=k, subject="everyone", level="read") for k in kids[::10])
        db.session.add_all(DriveDavProp(item_id=k, name="{urn:schemas-microsoft-com:}Win32FileAttributes",
                                        value="<Z:Win32FileAttributes xmlns:Z=\"urn:schemas-microsoft-com:\">"
                                              "00000020</Z:Win32FileAttributes>") for k in kids[::50])
        headers = {}
        for name, user in users.items():
            token, _row = issue_token(user)
            basic = base64.b64encode(f"{user.email}:{token}".encode()).decode()
            headers[name] = {"Authorization": f"Basic {basic}", "Depth": "1"}
        db.session.commit()
        return headers, f"/dav/files/user-{owner.id}/many/"


def measure(app: object, client: object, url: str, headers: dict, body: bytes,
            count: int) -> tuple[float, int]:
    """One PROPFIND: (ms, statements); checks every file is in the answer."""
    from sqlalchemy import event

    from extensions import db

    seen = [0]

    def note(*_args: object) -> None:
        seen[0] += 1

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        started = time.perf_counter()
        resp = client.open(url, method="PROPFIND", headers=headers, data=body)
        text = resp.get_data()
        ms = (time.perf_counter() - started) * 1000
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert resp.status_code == 207, resp.status_code
    assert text.count(b"file-") >= count, text[:500]
    return ms, seen[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cases", default="owner-allprop,owner-named,reader-allprop,reader-named",
                        help="which of <owner|reader>-<allprop|named> to measure")
    args = parser.parse_args()
    url, drop = make_database(args.db)
    try:
        app = bench_app(url)
        headers, folder_url = build(app, args.files)
        client = app.test_client()
        for case in args.cases.split(","):
            who, _, label = case.partition("-")
            body = NAMED if label == "named" else b""
            runs = [measure(app, client, folder_url, headers[who], body, args.files)
                    for _ in range(args.runs)]
            ms = statistics.median(r[0] for r in runs)
            print(f"PROPFIND Depth 1, {args.files} files, {who}, {label}: median {ms:8.1f} ms, "
                  f"{runs[-1][1]} statements", flush=True)
    finally:
        drop()


if __name__ == "__main__":
    main()
