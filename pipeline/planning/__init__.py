"""PURE. Storyboard → networkx graph of shot jobs, and what a render of it would do.

    jobs     the graph: one ShotJob per shot (request body, content key, tokens, cost), an edge
             where a shot starts on another's last frame; total cost, critical path; the
             shots a partial render (--only, --until) needs
    explain  per shot, against the render journal: cached, resume or render, why, and its cost
    views    the plan as text: table, JSON, Mermaid, Graphviz dot
"""

from storyfilm.planning.jobs import ShotJob, compile_plan, critical_path, jobs, same_render, select, total_cost

__all__ = ["ShotJob", "compile_plan", "critical_path", "jobs", "same_render", "select", "total_cost"]
