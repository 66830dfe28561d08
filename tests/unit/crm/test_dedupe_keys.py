"""Duplicate keys: e-mails, phones in any format (E.164), company names without legal forms."""
from __future__ import annotations

from crm.dedupe import keys_of, norm_email, norm_name, norm_phone


def test_phones_in_national_and_international_formats_share_one_key():
    same = ["+49 30 1234567", "030/1234567", "(030) 123-4567", "0049 30 1234567", "+49 (0)30 1234567"]
    assert {norm_phone(p, "DE") for p in same} == {"+49301234567"}
    assert norm_phone("(415) 555-0100", "US") == norm_phone("+1 415 555 0100", "DE") == "+14155550100"
    assert norm_phone("12", "DE") == "" and norm_phone("", "DE") == ""


def test_company_names_lose_case_punctuation_and_legal_forms():
    names = ("Acme GmbH", "ACME g.m.b.h.", "Acme, Inc.", "acme ltd", "Acme")
    assert {norm_name(n) for n in names} == {"acme"}
    assert norm_name("Müller & Söhne GmbH & Co. KG") == "muller & sohne"
    assert norm_name("AG") == "ag"  # a name that is only a legal form keeps it
    assert norm_name("Acme Steel") != norm_name("Acme")


def test_keys_of_each_entity():
    assert norm_email("  Ann@Example.COM ") == "ann@example.com" and norm_email("nope") == ""
    assert keys_of("company", {"title": "Acme GmbH", "phones": []}, ["A@x.org"]) == {
        ("name", "acme"), ("email", "a@x.org")}
    lead = {"title": "Acme GmbH", "phones": ["030 1234567"]}
    assert keys_of("lead", lead, []) == {("phone", "+49301234567")}
    assert keys_of("deal", {"title": "Renewal", "company_id": 7}, None) == {("title", "renewal|7")}
