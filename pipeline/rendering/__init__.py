"""The render stage: runs a plan (executor, gates, poller, handoff, results, store, lockfile, progress)."""
