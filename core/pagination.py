"""Pages of a long list that cost the same whatever the table's size (issue 13).

Django's ``Paginator`` counts every matching row (``SELECT COUNT(*)`` over the whole
filtered table) to number the pages. :class:`BoundedPaginator` counts at most ``bound``
+ 1 rows (a count over a ``LIMIT``ed subquery: the database stops there), so a list of
500,000 rows costs what one of 501 does. Up to ``bound`` rows it behaves as Django's; past
it, ``capped`` is true: the page says "more than 500", numbers pages without a last one
("Page 12"), and knows whether there is a next page by reading one row more than it shows.
The pages stay plain links (``?page=12``), so they work without JavaScript.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property

COUNT_BOUND = 500
# A page number past this is not a page (it would only ask the database to skip rows).
MAX_PAGE = 100_000


class BoundedPage(Page):
    """A page that, past the bound, knows whether another follows by the extra row read."""

    more: bool | None = None

    def has_next(self) -> bool:
        if self.more is not None:
            return self.more
        return super().has_next()


class BoundedPaginator(Paginator):
    """A ``Paginator`` whose count stops at ``bound`` + 1 rows (see the module)."""

    def __init__(self, object_list: Any, per_page: int, bound: int | None = None) -> None:
        super().__init__(object_list, per_page)
        self.bound = COUNT_BOUND if bound is None else bound

    @cached_property
    def count(self) -> int:
        """The rows, counted up to ``bound`` + 1: one query, however many there are."""
        qs: Any = self.object_list
        if isinstance(qs, QuerySet):
            return int(qs.order_by().values("pk")[: self.bound + 1].count())
        return min(len(qs), self.bound + 1)

    @property
    def capped(self) -> bool:
        """More rows than ``bound``: the count is "more than ``bound``"."""
        return self.count > self.bound

    def validate_number(self, number: Any) -> int:
        if not self.capped:
            return int(super().validate_number(number))
        try:
            if isinstance(number, float) and not number.is_integer():
                raise ValueError
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger("That page number is not an integer") from None
        if number < 1:
            raise EmptyPage("That page number is less than 1")
        if number > MAX_PAGE:
            raise EmptyPage("That page contains no results")
        return number

    def get_page(self, number: Any) -> Page:
        """As Django's; past the bound, a page beyond the last row is the last counted."""
        try:
            return super().get_page(number)
        except EmptyPage:
            return self.page(self.num_pages)

    def page(self, number: Any) -> Page:
        if not self.capped:
            return super().page(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
        if not rows and number > 1:
            raise EmptyPage("That page contains no results")
        page = self._get_page(rows[: self.per_page], number, self)
        page.more = len(rows) > self.per_page
        return page

    def _get_page(self, *args: Any, **kwargs: Any) -> BoundedPage:
        return BoundedPage(*args, **kwargs)
