"""Transports put in front of the in-process service: creates whose answers are lost and that land
late, and a service whose clock or time units differ from ours."""

from __future__ import annotations

import httpx

from .service import TASKS


class LandsLate(httpx.AsyncBaseTransport):
    """A transport in front of the service: the first `lose` creates get no answer (ReadTimeout)
    and are held back; each reaches the service only after the next list has been answered, so
    a create lands a moment after the first look for it (with land=False, never: it was lost on
    its way). `held` may be filled by a test with a create that a killed process sent; `landed`
    is the ids the held creates made."""

    def __init__(self, inner, *, lose: int = 1, land: bool = True):
        self.inner, self.lose, self.land = inner, lose, land
        self.held: list = []
        self.landed: list[str] = []

    async def handle_async_request(self, request):
        import json

        if request.method == "POST" and self.lose > 0:
            self.lose -= 1
            await request.aread()
            if self.land:
                self.held.append(request)
            raise httpx.ReadTimeout("the answer was lost", request=request)
        response = await self.inner.handle_async_request(request)
        if request.method == "GET" and request.url.path.endswith(TASKS) and self.held:
            for held in self.held:  # the list was answered without them: now they land
                answer = await self.inner.handle_async_request(held)
                self.landed.append(json.loads(b"".join([part async for part in answer.stream]))["id"])
            self.held.clear()
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


class LandsAfter(LandsLate):
    """LandsLate whose held creates land only after the `lists`-th list answer: later than every
    look of the resolver, once the shot's task was created again."""

    def __init__(self, inner, *, lists: int):
        super().__init__(inner, lose=0)
        self.lists = lists

    async def handle_async_request(self, request):
        if request.method == "GET" and request.url.path.endswith(TASKS):
            self.lists -= 1
            if self.lists > 0:
                return await self.inner.handle_async_request(request)
        return await super().handle_async_request(request)


class OtherTimes(httpx.AsyncBaseTransport):
    """The service answering every task's created_at / updated_at as `times` makes it (a clock
    `date_shift` seconds from ours also moves its Date header): a service whose clock or units
    differ from ours."""

    def __init__(self, inner, times, *, date_shift: float | None = None):
        self.inner, self.times, self.date_shift = inner, times, date_shift

    async def handle_async_request(self, request):
        import email.utils
        import json
        import time

        answer = await self.inner.handle_async_request(request)
        body = await answer.aread()
        try:
            data = json.loads(body)
        except ValueError:
            data = None
        for task in (data.get("items") or [data]) if isinstance(data, dict) else []:
            for name in ("created_at", "updated_at"):
                if isinstance(task, dict) and isinstance(task.get(name), int):
                    task[name] = self.times(task[name])
        dropped = ("content-length", "date") if self.date_shift is not None else ("content-length",)
        headers = {k: v for k, v in answer.headers.items() if k.lower() not in dropped}
        if self.date_shift is not None:
            headers["date"] = email.utils.formatdate(time.time() + self.date_shift, usegmt=True)
        content = json.dumps(data).encode() if data is not None else body
        return httpx.Response(answer.status_code, headers=headers, content=content, request=request)

    async def aclose(self) -> None:
        await self.inner.aclose()
