"""The local Ark-compatible server (the simulator): the tasks API of ark-api.md over real HTTP,
each task rendered as a preview clip with FFmpeg. It never imports the client (`storyfilm.ark`)
or the pipeline stages; what it shares with them is the Seedance model table and media limits
(`storyfilm.seedance`), the error tree and the ffmpeg runner.

    app.py        LocalArk: the server's state (stats, limits, faults, clock) and its HTTP handlers, on
                  the paths and with the answer shapes of a gateway profile (seedance/gateways.py)
    embedded.py   LocalServer: the app under uvicorn in a background thread (the default backend, tests)
    checks.py     create body → TaskSpec: content items, mode, images, ratio and size
    params.py     the table of body parameters, validated like the service; text commands weakly
    fetch.py      the images and audio a create body names (data URLs, http(s), asset://)
    assets.py     the asset library (`serve --assets DIR`): asset://NAME → a file
    files.py      the result files, served under unguessable URLs
    queue.py      TaskQueue: admission (RPM, quotas), per-model concurrency, priority, flex, a task's
                  life, expiry and retention
    tasks.py      LocalTask and its JSON, field for field
    callbacks.py  callback_url deliveries
    answers.py    the service's error bodies and request ids
    preview.py    the preview clip (byte-identical for the same request and seed)
    faults.py     the fault spec (`--faults`, STORYFILM_FAULTS) and its dice
    faultgate.py  the ASGI layer that counts requests and injects faults on the wire
"""
