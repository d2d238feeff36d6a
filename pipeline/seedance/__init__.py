"""PURE. What the Seedance service takes, as data and small functions: no I/O, no other storyfilm module.

    models    the model table: modes, sizes, durations, parameters, limits, prices; frame and
              token arithmetic
    media     the media a request carries (`Media`) and the service's limits on them
    commands  parameters as body fields or as text commands in the prompt (`--rs 720p --dur 5`):
              encode and decode
"""
