"""Redirect targets taken from a request (`?next=`), kept on this site."""

from __future__ import annotations

import unicodedata
from urllib.parse import quote, urlsplit, urlunsplit

from flask import url_for

# Kept as they are when a target is rebuilt: URL syntax and escapes already there.
_URL_SAFE = "/?=&%:@!$'()*+,;~-._"


def safe_target(target: str | None, fallback: str = "web.home") -> str:
    """`target` rebuilt as a path on this site, else `fallback`'s URL: an open redirect would let
    a link send staff (or citizens switching language) elsewhere.

    Browsers drop TAB, CR and LF inside a URL and read a backslash as a slash, so `/<TAB>/evil`
    and `/<backslash>evil` mean `//evil`, another host: any whitespace, control or format
    character and any backslash is refused outright rather than cleaned (a LF would also break
    the Location header). What is left must start with a single slash and parse with no scheme
    and no host; it is then re-assembled from its path and query with everything non-ASCII
    percent-encoded, so no look-alike slash (`／`, `∕`) reaches the Location header as such.
    """
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target \
            or any(c.isspace() or unicodedata.category(c).startswith("C") for c in target):
        return url_for(fallback)
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return url_for(fallback)
    return urlunsplit(("", "", quote(parts.path, safe=_URL_SAFE),
                       quote(parts.query, safe=_URL_SAFE), ""))
