"""The drive: a 100 MB file up and down through the API against a plain file copy in the same
run; listing a folder of 10,000 files; the rights check at the bottom of a 20-level tree;
search over 20,000 files (the full-text index with rights in SQL, against the LIKE scan of the
first 500 matches checked in Python that it replaced).

    .venv/bin/python bench/drive.py --db sqlite
    .venv/bin/python bench/drive.py --db postgresql --size-mb 100 --files 10000 --depth 20

Builds a throw-away database, migrates it, makes two users; uploads with PUT .../content and
downloads with GET .../content (Flask's test client, so no network, the same code as a
request), lists through GET /drive/items (the first page, a page by cursor, every page), and
times drive.rights.level_of for a user whose right comes from an entry half-way down the chain.
Prints medians. Never part of the test run.
"""
from __future__ import annotations

import argparse
import io
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("FLOWDESK_INSTANCE", tempfile.mkdtemp(prefix="flowdesk-bench-"))

from bench._support import bench_app, make_database, p95


def _timed(fn: object, repeat: int) -> list[float]:
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()  # type: ignore[operator]
        runs.append((time.perf_counter() - started) * 1000)
    return runs


def _show(label: str, runs: list[float]) -> None:
    print(f"{label:<48} median {statistics.median(runs):9.1f} ms   p95 {p95(runs):9.1f} ms", flush=True)


def bench_transfer(client: object, headers: dict, root: int, size_mb: int) -> None:
    """A size_mb file: PUT and GET through the API, and shutil.copyfile of the same bytes."""
    body = os.urandom(1024 * 1024) * size_mb
    made = client.post("/api/v1/drive/items", headers=headers, content_type="multipart/form-data",
                       data={"parent": str(root), "file": [(io.BytesIO(b"0"), "big.bin")]}).json
    item = made["items"][0]["id"]
    _show(f"upload {size_mb} MB (PUT content, a new version)", _timed(
        lambda: client.put(f"/api/v1/drive/items/{item}/content", headers=headers, data=io.BytesIO(body)), 3))
    _show(f"download {size_mb} MB (GET content)", _timed(
        lambda: client.get(f"/api/v1/drive/items/{item}/content", headers=headers).get_data(), 3))
    folder = tempfile.mkdtemp(prefix="flowdesk-bench-copy-")
    source = Path(folder) / "source.bin"
    source.write_bytes(body)
    _show(f"plain file copy {size_mb} MB (shutil.copyfile)", _timed(
        lambda: shutil.copyfile(source, Path(folder) / "copy.bin"), 3))
    shutil.rmtree(folder, ignore_errors=True)


def bench_listing(app: object, client: object, headers: dict, root: int, owner_id: int, count: int) -> None:
    """A folder of `count` files (inserted in bulk), listed through the API."""
    from sqlalchemy import insert, select

    from drive.models import DriveItem
    from extensions import db

    with app.app_context():
        parent = db.session.get(DriveItem, root)
        folder = DriveItem(drive_kind="user", drive_ref=owner_id, parent_id=root, name="many", is_folder=True,
                           owner_id=owner_id, path=parent.path)
        db.session.add(folder)
        db.session.flush()
        folder.path = f"{parent.path}{folder.id}/"
        rows = [{"drive_kind": "user", "drive_ref": owner_id, "parent_id": folder.id,
                 "name": f"file-{i:05d}.txt", "is_folder": False, "owner_id": owner_id, "path": folder.path,
                 "mime": "text/plain", "size": 1, "version_no": 1} for i in range(count)]
        db.session.execute(insert(DriveItem), rows)
        db.session.commit()
        folder_id = folder.id
        assert db.session.scalar(select(db.func.count()).where(DriveItem.parent_id == folder_id)) == count
    url = f"/api/v1/drive/items?parent={folder_id}"
    _show(f"first page (100) of a folder of {count} files (GET /drive/items)", _timed(
        lambda: client.get(url, headers=headers).json, 5))
    middle = _cursor_at(client, headers, url, count // 2)
    _show("a page in the middle (keyset cursor)", _timed(
        lambda: client.get(f"{url}&cursor={middle}", headers=headers).json, 5))
    _show(f"all {count} files, pages of 500", _timed(lambda: _every_page(client, headers, url), 3))


def _cursor_at(client: object, headers: dict, url: str, n: int) -> str | None:
    """The cursor after the first n rows (one listing with ?limit=n, capped at 500 a page)."""
    cursor = None
    while n > 0:
        page = client.get(f"{url}&limit={min(n, 500)}" + (f"&cursor={cursor}" if cursor else ""),
                          headers=headers).json
        cursor, n = page["next"], n - len(page["items"])
    return cursor


def _every_page(client: object, headers: dict, url: str) -> int:
    seen, cursor = 0, None
    while True:
        page = client.get(f"{url}&limit=500" + (f"&cursor={cursor}" if cursor else ""), headers=headers).json
        seen += len(page["items"])
        if not (cursor := page["next"]):
            return seen


def bench_deep_rights(app: object, owner_id: int, reader_id: int, depth: int) -> None:
    """level_of at the bottom of a `depth`-level chain, the right set half-way down."""
    from drive import rights
    from drive.models import DriveRight
    from drive.services import items
    from extensions import db
    from org.models import User

    with app.app_context():
        owner = db.session.get(User, owner_id)
        current = items.drive_root("user", owner.id, actor=owner)
        for level in range(depth):
            current = items.create_folder(current.id, f"level-{level}", actor=owner)
            if level == depth // 2:
                db.session.add(DriveRight(item_id=current.id, subject="user", subject_id=reader_id,
                                          level="edit"))
        db.session.commit()
        bottom, reader_row = current, db.session.get(User, reader_id)
        who = rights.who_is(reader_row)
        assert rights.level_of(who, bottom) == rights.EDIT
        _show(f"rights check at depth {depth} (level_of, one query)", _timed(
            lambda: rights.level_of(who, bottom), 200))
        _show("rights check including the user's subjects (who_is)", _timed(
            lambda: rights.level_of(rights.who_is(reader_row), bottom), 200))


def _like_scan(text: str, who: object, limit: int = 50) -> list:
    """The search before 0025_drivesearch: LIKE over names and texts, 500 candidates, rights in Python."""
    from sqlalchemy import func, or_, select

    from drive import rights
    from drive.models import DriveItem
    from extensions import db

    candidates = db.session.scalars(select(DriveItem).where(
        DriveItem.parent_id.is_not(None), DriveItem.trashed_at.is_(None),
        or_(func.lower(DriveItem.name).contains(text), func.lower(DriveItem.text).contains(text)))
        .order_by(DriveItem.id.desc()).limit(500))
    return [i for i in candidates if rights.level_of(who, i) >= rights.READ][:limit]


def bench_search(app: object, owner_id: int, reader_id: int, count: int) -> None:
    """`count` files the reader may not read and 5 in a folder shared with them, all matching."""
    from sqlalchemy import insert

    from drive import rights
    from drive.models import DriveItem, DriveRight
    from drive.services import items
    from drive.services.search import search_files
    from extensions import db
    from org.models import User

    with app.app_context():
        owner, reader = db.session.get(User, owner_id), db.session.get(User, reader_id)
        root = items.drive_root("user", owner_id, actor=owner)
        corpus, shared = (items.create_folder(root.id, n, actor=owner) for n in ("corpus", "shared"))
        db.session.add(DriveRight(item_id=shared.id, subject="user", subject_id=reader_id, level="read"))
        rows = [{"drive_kind": "user", "drive_ref": owner_id, "parent_id": parent.id, "path": parent.path,
                 "name": f"report {i}.txt", "owner_id": owner_id, "mime": "text/plain", "version_no": 1,
                 "text": f"quarterly figures {i} for the board, region {i % 97}"}
                for parent, n in ((shared, 5), (corpus, count)) for i in range(n)]
        db.session.execute(insert(DriveItem), rows)
        db.session.commit()
        who = rights.who_is(reader)
        print(f"  reader finds {len(search_files('quarterly', actor=reader).hits)} of 5 (index), "
              f"{len(_like_scan('quarterly', who))} of 5 (LIKE scan)", flush=True)
        _show(f"search {count} files, owner, common word (index)", _timed(
            lambda: search_files("quarterly", actor=owner), 20))
        _show(f"search {count} files, owner, rare word (index)", _timed(
            lambda: search_files("figures 12345", actor=owner), 20))
        _show(f"search {count} files, reader sees 5 (index)", _timed(
            lambda: search_files("quarterly", actor=reader), 20))
        _show(f"search {count} files, reader sees 5 (LIKE scan, before)", _timed(
            lambda: _like_scan("quarterly", who), 5))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--size-mb", type=int, default=100)
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--depth", type=int, default=20)
    parser.add_argument("--search-files", type=int, default=20_000)
    args = parser.parse_args()
    url, drop = make_database(args.db)
    try:
        app = bench_app(url)
        app.config["DRIVE_MAX_FILE"] = app.config["DRIVE_MAX_UPLOAD"] = (args.size_mb + 1) * 1024 * 1024
        from org.services.tokens import issue_token
        from org.services.users import create_user
        from transactions import unit_of_work

        with app.app_context(), unit_of_work():
            owner = create_user("owner@example.com", "Quiet-bay-42", actor=None, first_name="O",
                                last_name="N")
            reader = create_user("reader@example.com", "Quiet-bay-42", actor=None, first_name="R",
                                 last_name="D")
            token, _row = issue_token(owner)
            owner_id, reader_id = owner.id, reader.id
        client, headers = app.test_client(), {"Authorization": f"Bearer {token}"}
        root = client.get("/api/v1/drive/items", headers=headers).json["folder"]["id"]
        bench_transfer(client, headers, root, args.size_mb)
        bench_listing(app, client, headers, root, owner_id, args.files)
        bench_deep_rights(app, owner_id, reader_id, args.depth)
        bench_search(app, owner_id, reader_id, args.search_files)
    finally:
        drop()


if __name__ == "__main__":
    main()
