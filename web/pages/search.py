"""The top bar's search box: full-text search over records as you type, and a results page."""
from __future__ import annotations

from flask import render_template, request

from crm.entities import REGISTRY
from crm.search.query import search_records
from crm.search.text import highlight
from drive.services.search import search_files
from web.pages import pages
from web.pages.common import me
from web.search_results import file_items, merged, result_groups, result_items

ICONS = {**{n: e.icon for n, e in REGISTRY.items()}, "file": "bi-file-earmark"}
PAGE_LIMIT, SUGGEST_LIMIT, MAX_QUERY = 50, 8, 200


def _results(limit: int) -> tuple[str, list[str], list[dict]]:
    q = request.args.get("q", "").strip()[:MAX_QUERY]
    if not q:
        return q, [], []
    result = search_records(q, actor=me(), limit=limit)
    items = merged(result_items(result), file_items(search_files(q, actor=me(), limit=limit)), limit)
    for item in items:
        item["icon"] = ICONS[item["entity"]]
        item["title_html"] = highlight(item["title"], result.terms)
        item["snippet_html"] = highlight(item["snippet"], result.terms)
    return q, result.terms, items


@pages.get("/search")
def search():
    q, _terms, items = _results(PAGE_LIMIT)
    return render_template("search.html", q=q, groups=result_groups(items), count=len(items))


@pages.get("/search/suggest")
def search_suggest():
    """The dropdown under the box (htmx): the best few hits, grouped by type."""
    q, _terms, items = _results(SUGGEST_LIMIT)
    return render_template("search/_suggest.html", q=q, groups=result_groups(items), count=len(items))
