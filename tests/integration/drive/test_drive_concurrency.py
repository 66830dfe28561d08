"""Two writers at once through a real server: one saves, the other gets 409, no version is lost."""
from __future__ import annotations

import threading

import httpx
import pytest
from werkzeug.serving import make_server

from tests.integration.drive.conftest import root_of, upload


@pytest.fixture(scope="module")
def server(_migrated_app):
    srv = make_server("127.0.0.1", 0, _migrated_app, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_port}/api/v1"
    srv.shutdown()
    thread.join()


def test_two_writers_of_the_same_version(server, ann_api, bob, api_for):
    iid = upload(ann_api, root_of(ann_api), ("shared.txt", b"v1")).json["items"][0]["id"]
    ann_api.put(f"/drive/items/{iid}/rights", [{"subject": "user", "id": bob.id, "level": "edit"}])
    tokens = [ann_api.token, api_for(bob).token]
    barrier, answers = threading.Barrier(2), {}

    def write(n: int) -> None:
        body = f"writer {n} ".encode() * 50_000  # large enough for the two requests to overlap
        barrier.wait()
        answers[n] = httpx.put(f"{server}/drive/items/{iid}/content", content=body, timeout=120,
                               headers={"Authorization": f"Bearer {tokens[n]}", "If-Match": "1"})

    threads = [threading.Thread(target=write, args=(n,)) for n in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    codes = sorted(a.status_code for a in answers.values())
    assert codes == [201, 409], [a.text for a in answers.values()]
    winner = next(n for n, a in answers.items() if a.status_code == 201)
    versions = ann_api.get(f"/drive/items/{iid}/versions").json["items"]
    assert [v["number"] for v in versions] == [2, 1]
    current = ann_api.get(f"/drive/items/{iid}/content").data
    assert current.startswith(f"writer {winner} ".encode())
    assert ann_api.get(f"/drive/items/{iid}/content?version=1").data == b"v1"
