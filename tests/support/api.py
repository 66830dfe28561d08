"""A JSON API client that logs in with a bearer token."""
from __future__ import annotations

from flask.testing import FlaskClient


class ApiClient:
    def __init__(self, client: FlaskClient, token: str | None = None) -> None:
        self.client = client
        self.token = token

    def _headers(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def call(self, method: str, path: str, json: object = None, **kw: object):
        url = path if path.startswith("/api/") else f"/api/v1{path}"
        headers = {**self._headers(), **kw.pop("headers", {})}  # type: ignore[dict-item]
        return self.client.open(url, method=method, json=json, headers=headers, **kw)

    def get(self, path: str, **kw: object):
        return self.call("GET", path, **kw)

    def post(self, path: str, json: object = None, **kw: object):
        return self.call("POST", path, json=json, **kw)

    def patch(self, path: str, json: object = None, **kw: object):
        return self.call("PATCH", path, json=json, **kw)

    def put(self, path: str, json: object = None, **kw: object):
        return self.call("PUT", path, json=json, **kw)

    def delete(self, path: str, **kw: object):
        return self.call("DELETE", path, **kw)
