"""The render stage: runs a plan (executor, gates, poller, handoff, results, store, lockfile, progress).

Called, the package is the documented API `storyfilm.render(path, ...)` (storyfilm/__init__.py)."""

import sys
import types


class _CallablePackage(types.ModuleType):
    """`storyfilm.render(path, ...)` is the documented API function (storyfilm/__init__.py) and this
    package has the same name, so whichever the attribute holds, calling it renders the storyboard."""

    def __call__(self, path, **options):
        return sys.modules["storyfilm"]._render(path, **options)  # the parent package is always loaded first


sys.modules[__name__].__class__ = _CallablePackage
