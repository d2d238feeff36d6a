"""The list call's query (ark-api.md §9.1): paging, filters, and which tasks they let through.

Read the way the document says the service reads them, so that a client leaning on more fails
here first: `filter.model` is the Endpoint ID a task was created through ("与返回参数不同，该字段为
任务使用的推理接入点 ID"), never the model name a task reports; `filter.service_tier` defaults to
`default`, so flex tasks are listed only when asked for.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from storyfilm.localark.answers import invalid
from storyfilm.localark.tasks import LocalTask

STATUSES = ("queued", "running", "cancelled", "succeeded", "failed", "expired")
TIERS = ("default", "flex")
PAGE_SIZE = 10  # when page_size is not given ([?] in §9.1; resellers' proxies assume 10-20)


@dataclass(frozen=True)
class ListQuery:
    page_num: int
    page_size: int
    status: str | None
    task_ids: frozenset[str]
    endpoint: str | None
    service_tier: str

    @classmethod
    def parse(cls, query: Any) -> "ListQuery":
        """From the request's query parameters (a starlette QueryParams); 400 for a value out of range."""
        status = query.get("filter.status") or None
        if status and status not in STATUSES:
            raise invalid("filter.status", f"must be one of {', '.join(STATUSES)}")
        tier = query.get("filter.service_tier") or "default"
        if tier not in TIERS:
            raise invalid("filter.service_tier", "must be default or flex")
        return cls(page_num=_page(query.get("page_num"), "page_num", 1),
                   page_size=_page(query.get("page_size"), "page_size", PAGE_SIZE), status=status,
                   task_ids=frozenset(query.getlist("filter.task_ids")), endpoint=query.get("filter.model") or None,
                   service_tier=tier)

    def lets_through(self, task: LocalTask) -> bool:
        return ((not self.task_ids or task.id in self.task_ids) and (not self.status or task.status == self.status)
                and (not self.endpoint or task.spec.endpoint == self.endpoint)
                and task.spec.service_tier == self.service_tier)

    def page(self, found: list[LocalTask]) -> list[LocalTask]:
        """This query's page of `found` (newest first)."""
        ordered = sorted(found, key=lambda t: (t.created_at, t.order), reverse=True)
        return ordered[(self.page_num - 1) * self.page_size: self.page_num * self.page_size]


def _page(value: str | None, name: str, default: int) -> int:
    if value is None or value == "":
        return default
    if not value.isdigit() or not 1 <= int(value) <= 500:
        raise invalid(name, "must be an integer within [1, 500]")
    return int(value)
