"""The Seedance / Ark video-generation tasks API: client, typed results, and the local server.

    client.py     ArkClient: create/get/list/delete/wait/download, retries, lost-create lookup
    types.py      Task, TaskList: typed results, read leniently
    wire.py       encode/decode: body fields ⇄ legacy text commands (--rs --rt --dur ...)
    local.py      LocalServer: the local server in a thread (tests, the embedded backend)
    server.py     LocalArk: the local server's state and HTTP handlers
    validate.py   create body → TaskSpec, refusing like the service; media.py fetches images/audio
    board.py      queue, per-model concurrency, RPM, flex, expiry, retention
    tasks.py      LocalTask and its JSON; callbacks.py: callback_url deliveries
    render.py     the preview clip (FFmpeg); faults.py + faultgate.py: faults on demand
    answers.py    the service's error bodies
"""
