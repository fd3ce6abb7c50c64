"""Errors the routing primitives raise for conditions the app must show to people."""


class RoutingError(Exception):
    """Base class, so the app can catch every routing failure in one place."""


class CalendarMissing(RoutingError):
    """A computation needed a year nobody has published a working calendar for.

    Raised instead of guessing, because a guessed holiday calendar silently produces wrong
    deadlines for every ticket; the message is bilingual because it is shown to administrators.
    """

    def __init__(self, year: int) -> None:
        self.year = year
        super().__init__(
            f"缺少 {year} 年的工作日历（法定节假日与调休），请管理员录入后再计算时限。"
            f" / No working calendar (public holidays and make-up workdays) is loaded for {year};"
            " an administrator must load it before deadlines can be computed."
        )
