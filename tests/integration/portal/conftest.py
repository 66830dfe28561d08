"""Portal fixtures: mail delivered to a real aiosmtpd server, people and their API clients."""
from __future__ import annotations

import pytest


@pytest.fixture
def smtp(smtp_server, admin):
    """Flowdesk's SMTP settings point at an aiosmtpd server in this process."""
    from mail.services.settings import save_smtp

    save_smtp({"host": smtp_server.host, "port": smtp_server.port, "security": "none",
               "from_address": "flowdesk@example.com", "from_name": "Flowdesk"}, actor=admin)
    return smtp_server


@pytest.fixture
def member(make_user):
    return make_user("mia@example.com", first_name="Mia", last_name="Member")


@pytest.fixture
def other(make_user):
    return make_user("olaf@example.com", first_name="Olaf", last_name="Other")


@pytest.fixture
def member_api(member, api_for):
    return api_for(member)


@pytest.fixture
def other_api(other, api_for):
    return api_for(other)


@pytest.fixture
def plain_admin_api(admin, api_for):
    """The administrator's token with admin mode off: an ordinary user."""
    return api_for(admin, admin_mode=False)
