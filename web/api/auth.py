"""POST /auth/token: trade e-mail and password (and a code, with two-factor sign-in) for a bearer token."""
from __future__ import annotations

from flask import jsonify, request

from errors import Unauthorized, ValidationError
from org.services.tokens import issue_token
from org.services.two_factor import verify_second_factor
from org.services.users import authenticate
from web.api import api, json_body

NEEDS_OTP = "This account uses two-factor sign-in: send the current code (or a recovery code) as otp"


@api.post("/auth/token", endpoint="issue_token")
def issue_token_view():
    data = json_body()
    missing = {k: "This field is required" for k in ("email", "password") if not data.get(k)}
    if missing:
        raise ValidationError.from_fields(missing)
    user = authenticate(str(data["email"]), str(data["password"]), address=request.remote_addr)
    if user.has_two_factor:
        if not data.get("otp"):
            raise Unauthorized(NEEDS_OTP, {"otp": "This field is required"})
        verify_second_factor(user, str(data["otp"]), address=request.remote_addr)
    token, _row = issue_token(user, name=str(data.get("name") or "API"))
    return jsonify({"token": token, "user_id": user.id}), 201
