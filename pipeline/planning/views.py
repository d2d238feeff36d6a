"""The plan as people and programs read it: a table, JSON, or the dependency graph as Mermaid
or Graphviz dot. Pure functions from the graph (and, for the table and JSON, what `explain` says
this run will do with each shot) to text."""

from __future__ import annotations

import json
from typing import Any

import networkx as nx

from storyfilm import planning
from storyfilm.planning.explain import CACHED, ShotStatus, spend_is_upper_bound

MODE_NAMES = {"text": "text", "first_frame": "first frame", "first_last_frame": "first+last",
              "reference_images": "references", "multimodal": "multimodal"}


def rows(graph: nx.DiGraph) -> list[dict[str, Any]]:
    out = []
    for job in planning.jobs(graph):
        shot = job.shot
        out.append({
            "shot": job.id, "mode": job.mode, "model": shot.model_id, "model_name": job.model.name,
            "resolution": shot.resolution, "ratio": job.ratio, "width": job.width, "height": job.height,
            "seconds": shot.seconds, "model_chooses_duration": shot.frames is None and shot.duration == -1,
            "frames": job.frames, "after": list(graph.predecessors(job.id)), "take": shot.take,
            "tokens": job.tokens, "cost": round(job.cost, 4),
        })
    return out


def as_json(graph: nx.DiGraph, statuses: dict[str, ShotStatus] | None = None) -> str:
    """The plan as JSON; with `statuses`, each shot's state, its reasons as fields
    (`{"reason": "prompt_changed", "text": "prompt changed"}`) and what this run will spend."""
    shots = rows(graph)
    for row in shots:
        if statuses is not None:
            status = statuses[row["shot"]]
            row.update(state=status.state, reasons=status.structured(), will_spend=round(status.cost, 4))
    critical = planning.critical_path(graph)
    total = {"shots": len(shots), "seconds": sum(r["seconds"] for r in shots),
             "tokens": _tokens(graph), "cost": round(planning.total_cost(graph), 4), "currency": "CNY"}
    if statuses is not None:
        total["will_spend"] = round(_spend(statuses), 4)
    data = {"title": graph.graph.get("title"), "shots": shots, "total": total, "critical_path": critical}
    return json.dumps(data, indent=2, ensure_ascii=False)


def status_json(story: object, current: bool, film: object, lock: object, cost: float,
                statuses: dict[str, ShotStatus], stale: list[str], *, upper_bound: bool = False) -> str:
    """`storyfilm status --format json`: is the film current, and each shot's state and reasons as fields."""
    shots = [{"shot": n, "state": s.state, "reasons": s.structured(), "cost": round(s.cost, 4)}
             for n, s in statuses.items()]
    return json.dumps({"story": str(story), "current": current, "film": str(film) if film else None,
                       "lock": str(lock), "cost": round(cost, 4), "cost_is_upper_bound": upper_bound,
                       "currency": "CNY", "shots": shots,
                       "stale": stale}, indent=2, ensure_ascii=False)


def as_table(graph: nx.DiGraph, statuses: dict[str, ShotStatus] | None = None) -> str:
    """Aligned columns; with `statuses`, a column saying what this run does with each shot, and its total."""
    this_run = ["this run"] if statuses is not None else []
    header = ["shot", "mode", "model", "size", "seconds", "after", "tokens", "cost", *this_run]
    table = [header]
    for row in rows(graph):
        seconds = f"≤{row['seconds']:g}" if row["model_chooses_duration"] else f"{row['seconds']:g}"
        table.append([row["shot"], MODE_NAMES[row["mode"]], row["model_name"], f"{row['width']}x{row['height']}",
                      seconds, ", ".join(row["after"]) or "-", f"{row['tokens']:,}", f"{row['cost']:.2f}",
                      *([statuses[row["shot"]].describe()] if statuses is not None else [])])
    jobs = planning.jobs(graph)
    table.append(["total", "", f"{len(jobs)} shots", "", f"{sum(j.shot.seconds for j in jobs):g}", "",
                  f"{_tokens(graph):,}", f"{planning.total_cost(graph):.2f} CNY", *([""] * len(this_run))])
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in table]
    lines.insert(len(lines) - 1, "-" * len(lines[0]))
    lines.append(f"critical path: {' → '.join(planning.critical_path(graph))}")
    if statuses is not None:
        bound = spend_is_upper_bound(graph, statuses)
        lines.append(f"this run: {sum(s.state != CACHED for s in statuses.values())} of {len(statuses)} shots "
                     f"render, {'at most ' if bound else ''}{_spend(statuses):.2f} CNY")
    return "\n".join(lines)


def as_mermaid(graph: nx.DiGraph) -> str:
    lines = ["flowchart LR"]
    for job in planning.jobs(graph):
        lines.append(f'  {_node(job.id)}["{job.id}<br/>{MODE_NAMES[job.mode]}, {job.shot.seconds:g} s"]')
    for u, v in graph.edges:
        lines.append(f"  {_node(u)} -->|last frame| {_node(v)}")
    return "\n".join(lines)


def as_dot(graph: nx.DiGraph) -> str:
    lines = [f"digraph {json.dumps(graph.graph.get('story') or 'storyboard')} {{", "  rankdir=LR;",
             "  node [shape=box];"]
    for job in planning.jobs(graph):
        label = f"{job.id}\\n{MODE_NAMES[job.mode]}, {job.shot.seconds:g} s"
        lines.append(f'  {json.dumps(job.id)} [label="{label}"];')
    for u, v in graph.edges:
        lines.append(f'  {json.dumps(u)} -> {json.dumps(v)} [label="last frame"];')
    lines.append("}")
    return "\n".join(lines)


def _tokens(graph: nx.DiGraph) -> int:
    """Tokens billed for the whole plan: a shot that renders as an earlier one is made once."""
    twins = planning.same_render(graph)
    return sum(job.tokens for job in planning.jobs(graph) if job.id not in twins)


def _spend(statuses: dict[str, ShotStatus]) -> float:
    return sum(s.cost for s in statuses.values())


def _node(shot_id: str) -> str:
    """Mermaid node ids: letters, digits and underscores."""
    return "s_" + shot_id.replace("-", "_")
