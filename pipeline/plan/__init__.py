"""PURE. Storyboard → networkx graph of shot jobs: requests, content keys, cost, critical path,
why a shot renders, and views of the plan (table, JSON, Mermaid, dot)."""

from storyfilm.plan.jobs import ShotJob, compile_plan, critical_path, jobs, total_cost

__all__ = ["ShotJob", "compile_plan", "critical_path", "jobs", "total_cost"]
