"""HTML bodies of received mail: sanitised with nh3 when stored, remote images blocked when shown.

Stored HTML keeps formatting tags only (no scripts, forms, event handlers, styles beyond a
few text properties). When shown, `cid:` images point at the stored attachment and remote
images are dropped unless the reader asked for them; the page also serves the body in a
sandboxed frame with a Content-Security-Policy that allows remote images only then.
"""
from __future__ import annotations

import nh3

TAGS = set(nh3.ALLOWED_TAGS) | {"font"}
ATTRIBUTES = {**{k: set(v) for k, v in nh3.ALLOWED_ATTRIBUTES.items()},
              "*": {"style", "title", "dir", "lang"}, "font": {"color", "face", "size"},
              "td": set(nh3.ALLOWED_ATTRIBUTES.get("td", ())) | {"width", "valign", "bgcolor"},
              "table": set(nh3.ALLOWED_ATTRIBUTES.get("table", ())) | {"width", "cellpadding", "cellspacing",
                                                                       "border", "bgcolor"}}
STYLE_PROPERTIES = {"color", "background-color", "font-weight", "font-style", "font-size", "font-family",
                    "text-align", "text-decoration", "margin", "padding", "border", "width", "height",
                    "line-height", "vertical-align", "white-space"}
SCHEMES = {"http", "https", "mailto", "tel", "cid"}


def sanitize(html: str) -> str:
    """The HTML to store: formatting only, links made safe (rel=noopener noreferrer)."""
    if not html.strip():
        return ""
    return nh3.clean(html, tags=TAGS, attributes=ATTRIBUTES, url_schemes=SCHEMES,
                     filter_style_properties=STYLE_PROPERTIES, clean_content_tags={"script", "style"})


def for_display(html: str, images: dict[str, str], *, allow_remote: bool) -> tuple[str, int]:
    """(HTML to show, number of remote images blocked); `images` maps Content-IDs to URLs."""
    blocked = 0

    def attribute(tag: str, name: str, value: str) -> str | None:
        nonlocal blocked
        if tag == "img" and name == "src":
            if value.lower().startswith("cid:"):
                return images.get(value[4:].strip("<>"))
            if not allow_remote:
                blocked += 1
                return None
        return value

    shown = nh3.clean(html, tags=TAGS, attributes=ATTRIBUTES, url_schemes=SCHEMES,
                      filter_style_properties=STYLE_PROPERTIES, attribute_filter=attribute,
                      clean_content_tags={"script", "style"})
    return shown, blocked


def frame_policy(*, allow_remote: bool) -> str:
    """The Content-Security-Policy of the frame showing a body."""
    images = "'self' data: https: http:" if allow_remote else "'self' data:"
    return (f"default-src 'none'; img-src {images}; style-src 'unsafe-inline'; base-uri 'none'; "
            "form-action 'none'")
