"""What an interrupted render (Ctrl-C, SIGTERM) tells the user: the tasks it leaves on the service,
paid for, and the creates on their way. The journal holds all of them for the next run."""

from __future__ import annotations

from storyfilm.errors import Interrupted


def told(paid: dict[str, tuple[str, str]], sending: list[str]) -> Interrupted:
    """`paid`: shot → (task id, "running" | "downloading"), not yet stored; `sending`: the shots
    whose create was sent and not answered."""
    running = [f"{shot} (task {task})" for shot, (task, state) in paid.items() if state == "running"]
    fetched = [f"{shot} (task {task})" for shot, (task, state) in paid.items() if state != "running"]
    lines = ["interrupted."]
    if running:
        lines.append("Still running on the service, and paid for: " + ", ".join(running) + ".")
    if fetched:
        lines.append("Finished on the service, not yet downloaded: " + ", ".join(fetched) + ".")
    if sending:
        lines.append("A create was on its way for: " + ", ".join(sending) + " (the next run looks for its task "
                     "before creating one).")
    if not (running or fetched or sending):
        lines.append("No task was running on the service.")
    lines.append("Run `storyfilm film` again with the same storyboard to pick them up; nothing is paid twice.")
    return Interrupted("\n".join(lines), tuple(task for task, _ in paid.values()))
