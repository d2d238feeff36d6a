"""Error answers in the service's shape (ark-api.md §10.1) and its request ids."""

from __future__ import annotations

import secrets
import time
from typing import Any

from starlette.responses import JSONResponse

from storyfilm.errors import Refusal

REASONS = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 405: "MethodNotAllowed",
           413: "BadRequest",
           429: "TooManyRequests", 500: "InternalServerError", 502: "BadGateway", 503: "ServiceUnavailable",
           504: "GatewayTimeout"}


def refusal_body(refusal: Refusal, request_id: str) -> dict[str, Any]:
    return error_body(refusal.status, refusal.code, refusal.message, request_id, refusal.param)


def invalid(param: str, reason: str, code: str = "InvalidParameter") -> Refusal:
    return Refusal(400, code, f"The parameter `{param}` specified in the request is not valid: {reason}.", param)


def missing(param: str) -> Refusal:
    return Refusal(400, "MissingParameter",
                   f"The request failed because it is missing one or multiple required parameters: `{param}`.",
                   param)


def not_found(task_id: str) -> Refusal:
    return Refusal(404, "NotFound.TaskId", f"The specified task {task_id} is not found.", "id")


def request_id() -> str:
    """`"02"` + 13-digit ms epoch + hex, like the service's (ark-api.md §1)."""
    return "02" + str(int(time.time() * 1000)) + secrets.token_hex(19)


def error_body(status: int, code: str, message: str, req_id: str, param: str = "") -> dict[str, Any]:
    return {"error": {"code": code, "message": f"{message} Request id: {req_id}", "param": param,
                      "type": REASONS.get(status, "BadRequest")}}


async def no_such_route(request: Any, exc: Any) -> Any:
    """A path or method the API does not have: the service's error body and request id, as for every
    answer (ark-api.md §13), not the web framework's plain text."""
    rid = request_id()
    status = getattr(exc, "status_code", 404)
    code = "MethodNotAllowed" if status == 405 else "NotFound"
    what = f"{request.method} {request.url.path}"
    message = f"The request {what} is not allowed." if status == 405 else f"The path of the request {what} is not found."
    return JSONResponse(error_body(status, code, message, rid), status_code=status,
                        headers={"X-Request-Id": rid, **dict(getattr(exc, "headers", None) or {})})

