"""Reports over the whole store, kept until the store changes.

``weak-points`` judges every run: seconds at ten thousand runs, a minute at a hundred thousand. A
store only grows, so a report made as of its last record stays right until another is written;
the service keeps the last few and answers a page reload, or the page and its JSON twin, at once.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from provenance.stores import Store
from queries.context import AsOf, Moment, last_record, moment
from queries.scores import weak_points

__all__ = ["KeptReports"]


class KeptReports:
    """The last ``size`` weak-points reports, by rubric and the last record they saw."""

    def __init__(self, size: int = 8) -> None:
        self._size = size
        self._kept: OrderedDict[tuple[str, int, str | None], dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def weak_points(self, store: Store, rubric: str, as_of: AsOf = None) -> dict[str, Any]:
        """The report as :func:`queries.scores.weak_points` makes it, made once per state of the
        store: asked for now, it is made as of the last record, so a write that lands meanwhile
        waits for the next question. One report is made at a time; a second caller asking for
        the same one waits for it rather than making it again."""
        at = moment(store, as_of)
        if at.as_of is None:
            at = Moment(last_record(store))
        key = (rubric, at.as_of or 0, at.time)
        with self._lock:
            if key not in self._kept:
                self._kept[key] = weak_points(store, rubric=rubric, as_of=at)
                if len(self._kept) > self._size:
                    self._kept.popitem(last=False)
            self._kept.move_to_end(key)
            return self._kept[key]
