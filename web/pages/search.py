"""The top bar's search box: records whose name matches, per type (full-text search comes later)."""
from __future__ import annotations

from flask import render_template, request

from crm.entities import ENTITIES, record_title
from crm.services.records import list_records
from web.pages import pages
from web.pages.common import me
from web.pages.display import record_url
from web.pages.lookups import status_info
from web.pages.records import ICONS

PER_TYPE = 8


@pages.get("/search")
def search():  # noqa: ANN201
    q = request.args.get("q", "").strip()
    groups = []
    if q:
        for spec in ENTITIES.values():
            page = list_records(spec.name, actor=me(), filters={"q": q}, limit=PER_TYPE)
            items = [{"title": record_title(r), "url": record_url(spec.name, r.id),
                      "status": status_info(spec.name, getattr(r, spec.status_field))
                      if spec.status_field else None, "record": r} for r in page.items]
            groups.append({"spec": spec, "icon": ICONS[spec.name], "records": items, "more": page.next})
    return render_template("search.html", q=q, groups=groups)
