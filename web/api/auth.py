"""POST /auth/token: trade e-mail and password for a bearer token."""
from __future__ import annotations

from flask import jsonify, request

from errors import ValidationError
from org.services.tokens import issue_token
from org.services.users import authenticate
from web.api import api, json_body


@api.post("/auth/token", endpoint="issue_token")
def issue_token_view():
    data = json_body()
    missing = {k: "This field is required" for k in ("email", "password") if not data.get(k)}
    if missing:
        raise ValidationError.from_fields(missing)
    user = authenticate(str(data["email"]), str(data["password"]), address=request.remote_addr)
    token, _row = issue_token(user, name=str(data.get("name") or "API"))
    return jsonify({"token": token, "user_id": user.id}), 201

