"""What the refusals ark-api.md §10.2 documents ask of the user: what to do about each, and which
429 no wait clears. The service's own message says what happened; the advice here says what to do.
Codes are matched whole, then without their last `.Suffix` (`InvalidParameter.seed`)."""

from __future__ import annotations

from storyfilm.errors import ApiRefused

# a 429 that retries cannot clear: a limit the account holder set stays until they change it
LASTING = frozenset({"SetLimitExceeded"})

_BUSY = "the service stayed busy through every retry: run again later (finished shots are kept)"
_OVERDUE = "the account is overdue: top it up in the Ark console, then run again"
_MODERATED = "the service's moderation refused the shot's {}: {}"
ADVICE = {
    "MissingParameter": "the request lacks what the service needs: check the shot's fields against README.md",
    "InvalidParameter": "check the parameter it names in the shot (README.md lists what each model takes)",
    "InvalidEndpoint.ClosedEndpoint": "the endpoint is closed: open it in the Ark console, or name another "
                                      "`model`",
    "InputTextSensitiveContentDetected": _MODERATED.format("prompt", "reword it"),
    "InputImageSensitiveContentDetected": _MODERATED.format("image", "replace it (Seedance 2.x takes no real "
                                                                     "human faces)"),
    "InputVideoSensitiveContentDetected": _MODERATED.format("reference video", "replace it"),
    "InputAudioSensitiveContentDetected": _MODERATED.format("reference audio", "replace it"),
    "InvalidImageURL": "the service could not read an image of the shot: check the file or URL it names",
    "AuthenticationError": "check ARK_API_KEY: an API key from the Ark console of the region ARK_BASE_URL names",
    "InvalidAccountStatus": "the account cannot be used now: see its status in the Ark console",
    "AccountOverdueError": _OVERDUE,
    "OperationDenied.ServiceOverdue": _OVERDUE,
    "OperationDenied.ServiceNotOpen": "open the video generation service in the Ark console, then run again",
    "AccessDenied": "this API key may not use this model or endpoint: check its permissions in the Ark console",
    "InvalidEndpointOrModel.NotFound": "check the shot's `model`: no such model or endpoint, or this key has no "
                                       "access to it",
    "InvalidEndpointOrModel.ModelIDAccessDisabled": "this model is called through an endpoint: write its Endpoint "
                                                    "ID (ep-...) as the shot's `model`",
    "ModelNotOpen": "activate the model in the Ark console (Seedance 2.x needs a balance over 200 CNY), then run "
                    "again",
    "ModelAccountRpmRateLimitExceeded": _BUSY,
    "RateLimitExceeded": _BUSY,
    "APIAccountRpmRateLimitExceeded": _BUSY,
    "ServerOverloaded": _BUSY,
    "RequestBurstTooFast": _BUSY,
    "InflightBatchsizeExceeded": _BUSY,
    "AccountRateLimitExceeded": _BUSY,
    "QuotaExceeded": "too many tasks are queued, or the account's free quota is used up: run again when its queued "
                     "tasks end, or check the quota in the Ark console",
    "SetLimitExceeded": "the account's safe-experience limit is reached: raise or lift it in the Ark console, then "
                        "run again",
}  # InternalServiceError (500) has none: its own message says "Please retry later", as storyfilm did


def advice(code: str) -> str:
    """What to do about a refusal with this code; "" for a code §10.2 does not document."""
    while code:
        if code in ADVICE:
            return ADVICE[code]
        code = code.rpartition(".")[0]
    return ""


def lasting(status: int, code: str) -> bool:
    """A 429 that no wait clears: sending the request again only repeats the refusal."""
    return status == 429 and code in LASTING


def names_parameter(refused: ApiRefused, parameter: str) -> bool:
    """A 400 InvalidParameter of that request parameter, however the service names it (ark-api.md
    §10.1, §10.2): by `param`, by the code (`InvalidParameter.seed`), or, with neither, by its
    message ("The parameter `seed` specified in the request is not valid", backticks or not)."""
    kind, _, suffix = refused.code.partition(".")
    if refused.status != 400 or kind != "InvalidParameter":
        return False
    if refused.param or suffix:
        return parameter.lower() in (refused.param.lower(), suffix.lower())
    return f"parameter {parameter} " in refused.said.lower().replace("`", "")
