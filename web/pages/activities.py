"""The activity reference: what each service-task topic takes and returns (from the registry)."""
from __future__ import annotations

from flask import render_template

from engine.activities import topic_docs
from web.pages import pages


@pages.get("/processes/activities")
def activity_docs():
    return render_template("processes/activities.html", topics=topic_docs())
