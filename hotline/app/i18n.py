"""Which language a page is in: Chinese first, English when the reader chose it.

The choice lives in a long-lived cookie rather than the session, so it survives signing out and
the idle timeout, and the citizen pages (no session needed) share it with the staff pages.
`?lang=` on any page switches too (links in SMS texts and the tracking page use it).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Flask, g, redirect, request, url_for
from flask_babel import get_locale, gettext, refresh
from werkzeug.wrappers import Response

from hotline.app import settings
from hotline.app.urls import safe_target

LANGUAGES = {"zh_CN": "中文", "en": "English"}
DEFAULT = "zh_CN"
COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600

bp = Blueprint("i18n", __name__)


def _known(code: str | None) -> str | None:
    return code if code in LANGUAGES else None


def select_locale() -> str:
    """Flask-Babel's locale selector: `?lang=`, then the cookie, then Chinese."""
    asked = _known(request.args.get("lang"))
    if asked:
        g.lang_chosen = asked
    return asked or _known(request.cookies.get(COOKIE)) or DEFAULT


def current() -> str:
    """The language code of this request ("zh_CN" or "en"), as the selector chose it."""
    locale = get_locale()
    return "en" if locale is not None and locale.language == "en" else DEFAULT


def _remember(response: Response, code: str) -> None:
    response.set_cookie(COOKIE, code, max_age=COOKIE_MAX_AGE, httponly=True, samesite="Lax",
                        secure=settings.current().https)


@bp.route("/lang/<code>")
def switch(code: str) -> Any:
    """The header's language links: remember the choice and go back where the reader was."""
    chosen = _known(code)
    response = redirect(safe_target(request.args.get("next"), "web.index"))
    if chosen:
        _remember(response, chosen)
    return response


def _persist_query_choice(response: Response) -> Response:
    chosen = g.pop("lang_chosen", None)
    if chosen and request.cookies.get(COOKIE) != chosen:
        _remember(response, chosen)
    return response


class Labels(Mapping[Any, str]):
    """A label table (hotline.app.labels) as pages show it: each Chinese label in the reader's
    language. The table itself stays Chinese for the API, exports and reverse lookups."""

    def __init__(self, labels: Mapping[Any, str]) -> None:
        self._labels = labels

    def __getitem__(self, key: Any) -> str:
        return gettext(self._labels[key])

    def __iter__(self) -> Iterator[Any]:
        return iter(self._labels)

    def __len__(self) -> int:
        return len(self._labels)


def halves(message: str) -> tuple[str, str]:
    """(Chinese, English) of a `中文 / English` message; both the message itself when it is not
    such a pair."""
    chinese, sep, english = str(message).partition(" / ")
    if not sep or not _CJK.search(chinese):
        return str(message), str(message)
    return chinese, english


def one_language(message: str) -> str:
    """The reader's half of a `中文 / English` message.

    The domain and the services carry messages for people in both languages at once (they import
    no translation machinery, and the API hands both to its callers); a page shows only the half
    in the reader's language. A message without the pair is shown as it is."""
    chinese, english = halves(message)
    return english if current() == "en" else chinese


_CJK = re.compile(r"[\u3400-\u9fff]")


def html_lang(code: str) -> str:
    """BCP 47 tag for `lang=` attributes (screen readers pick their voice by it)."""
    return code.replace("_", "-")


def _here_without_lang() -> str:
    query = urlencode([(k, v) for k, v in request.args.items(multi=True) if k != "lang"])
    return f"{request.path}?{query}" if query else request.path


def _template_globals() -> dict[str, Any]:
    """`lang_links`: (code, name, switch URL or None for the current language) for the header."""
    lang = current()
    here = _here_without_lang()
    links = [(code, name, None if code == lang else url_for("i18n.switch", code=code, next=here))
             for code, name in LANGUAGES.items()]
    return {"current_lang": lang, "html_lang": html_lang(lang), "lang_links": links,
            "lang_tag": html_lang}


def register(app: Flask) -> None:
    app.register_blueprint(bp)
    # Flask-Babel caches the locale on the app context, which tests share across requests.
    app.before_request(refresh)
    app.after_request(_persist_query_choice)
    app.context_processor(_template_globals)
    app.add_template_filter(one_language)
