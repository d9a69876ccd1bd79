"""Paging through a list that is already in memory."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

__all__ = ["SlicePage"]

T = TypeVar("T")


@dataclass(frozen=True)
class SlicePage(Generic[T]):
    """One page of a list held in memory (findings grouped by record, a map's connections), with
    what the pagination macro reads."""

    items: Sequence[T]
    page: int
    pages: int
    total: int
    per_page: int

    @classmethod
    def of(cls, items: Sequence[T], page: int, per_page: int) -> SlicePage[T]:
        pages = max(1, -(-len(items) // per_page))
        page = min(max(page, 1), pages)
        return cls(items[(page - 1) * per_page : page * per_page], page, pages, len(items), per_page)

    @property
    def first(self) -> int:
        """The position of the first item shown, counting from 1 (0 when there are none)."""
        return (self.page - 1) * self.per_page + 1 if self.items else 0

    @property
    def last(self) -> int:
        """The position of the last item shown."""
        return (self.page - 1) * self.per_page + len(self.items)

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1

    def iter_pages(
        self, left_edge: int = 2, left_current: int = 2, right_current: int = 4, right_edge: int = 2
    ) -> Iterator[int | None]:
        """Page numbers with ``None`` for the gaps, as Flask-SQLAlchemy's Pagination gives them."""
        last = 0
        for number in range(1, self.pages + 1):
            if (
                number <= left_edge
                or self.page - left_current - 1 < number < self.page + right_current
                or number > self.pages - right_edge
            ):
                if last + 1 != number:
                    yield None
                yield number
                last = number
