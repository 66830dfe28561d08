"""The system page (administrators): versions, workers and beat, backlogs, failed jobs, disk."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for

from ops import status
from org.zones import company_zone
from web.pages import pages
from web.pages.common import me


@pages.get("/settings/system")
def system_page():
    return render_template("settings/system.html", status=status.status_for(me()),
                           company_zone=company_zone())


@pages.post("/settings/system/retry/<any(event,mail):kind>/<int:job_id>")
def system_retry(kind: str, job_id: int):
    retry = status.retry_failed_event if kind == "event" else status.retry_failed_mail
    done = retry(job_id, actor=me())
    flash("Queued to run again." if done else "Nothing to retry: it has already gone through.",
          "success" if done else "warning")
    return redirect(url_for("pages.system_page"))
