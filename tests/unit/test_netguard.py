"""netguard: which addresses are fenced off, allow-list entries, and connecting to the checked address."""
from __future__ import annotations

import socket

import pytest

import netguard


@pytest.fixture(autouse=True)
def no_allowed(monkeypatch):
    monkeypatch.delenv(netguard.ENV_VAR, raising=False)
    monkeypatch.setattr(netguard, "_sources", [])


def answers(monkeypatch, *sequence: list[str]) -> list[str]:
    """Make getaddrinfo answer each call with the next list of addresses; returns the names asked."""
    asked: list[str] = []
    calls = iter(sequence)

    def fake(host, port, *args, **kwargs):
        asked.append(host)
        out = []
        for ip in next(calls):
            family = socket.AF_INET6 if ":" in ip else socket.AF_INET
            out.append((family, socket.SOCK_STREAM, 6, "", (ip, port)))
        return out

    monkeypatch.setattr(netguard.socket, "getaddrinfo", fake)
    return asked


@pytest.mark.parametrize("ip", ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254",
                                "224.0.0.1", "0.0.0.0", "100.64.0.1", "240.0.0.1", "::1", "fe80::1",
                                "fc00::1", "::ffff:127.0.0.1", "ff02::1"])
def test_loopback_private_link_local_multicast_and_reserved_are_refused(monkeypatch, ip):
    answers(monkeypatch, [ip])
    with pytest.raises(netguard.Refused, match="not allowed"):
        netguard.check_host("mail.example.com", 993)


def test_public_addresses_pass_and_a_name_with_any_usable_address_passes(monkeypatch):
    answers(monkeypatch, ["93.184.216.34"], ["127.0.0.1", "2606:2800:220:1::1"])
    assert netguard.check_host("example.com", 25) == "93.184.216.34"
    assert netguard.checked_addresses("mixed.example", 25) == [(socket.AF_INET6, "2606:2800:220:1::1")]


def test_the_environment_and_registered_sources_allow_hosts_addresses_and_networks(monkeypatch):
    answers(monkeypatch, ["10.0.0.5"], ["10.0.0.5"], ["192.168.7.7"], ["127.0.0.1"])
    monkeypatch.setenv(netguard.ENV_VAR, " Mail.Internal , 127.0.0.1")
    assert netguard.check_host("mail.internal", 143) == "10.0.0.5"
    with pytest.raises(netguard.Refused):
        netguard.check_host("other.internal", 143)
    netguard.add_allowed_source(lambda: ["192.168.0.0/16"])
    assert netguard.check_host("nas.internal", 143) == "192.168.7.7"
    assert netguard.check_host("localhost", 143) == "127.0.0.1"


def test_a_failing_source_counts_as_empty(monkeypatch):
    answers(monkeypatch, ["10.0.0.5"])

    def broken() -> list[str]:
        raise RuntimeError("no app context")

    netguard.add_allowed_source(broken)
    with pytest.raises(netguard.Refused):
        netguard.check_host("mail.internal", 143)


def test_entries_are_validated():
    assert netguard.entry_error("10.0.0.0/8") is None
    assert netguard.entry_error("mail.internal") is None
    assert netguard.entry_error("[::1]") is None
    assert netguard.entry_error("10.0.0.0/33")
    assert netguard.entry_error("not a host!")


def test_an_unresolvable_name_is_refused_without_details(monkeypatch):
    def fail(*args, **kwargs):
        raise socket.gaierror(-2, "Name or service not known")

    monkeypatch.setattr(netguard.socket, "getaddrinfo", fail)
    with pytest.raises(netguard.Refused, match="Cannot resolve the host name nowhere.test"):
        netguard.check_host("nowhere.test", 25)


def test_the_connection_goes_to_the_checked_address_not_a_second_lookup(monkeypatch):
    """DNS rebinding: the name is resolved once; a later answer pointing at loopback is never used."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    # the backlog completes the handshake: no accept() needed
    asked = answers(monkeypatch, ["127.0.0.1"], ["169.254.169.254"])
    monkeypatch.setenv(netguard.ENV_VAR, "127.0.0.1")
    sock = netguard.create_connection("rebind.example", port, timeout=5)
    try:
        assert sock.getpeername() == ("127.0.0.1", port)
    finally:
        sock.close()
        listener.close()
    assert asked == ["rebind.example"]  # one lookup only; its checked answer was connected to


def test_closed_and_refused_ports_give_one_message(monkeypatch):
    monkeypatch.setenv(netguard.ENV_VAR, "127.0.0.1")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(netguard.Refused) as closed:
        netguard.create_connection("127.0.0.1", port, timeout=2)
    assert str(closed.value) == f"Cannot connect to 127.0.0.1:{port}"
