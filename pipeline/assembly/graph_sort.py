"""ffmpeg-python's topological sort, in linear time.

ffmpeg-python (0.2) sorts a graph's nodes keeping the visited ones in lists, so compiling a graph
costs the square of its size: 15 s for the sound of a 200-shot film, longer than the join itself.
This is the same walk, in the same order (so the same argv), with sets beside the lists. It is
installed (`install()`, called where ffmpeg_graph is imported) in the one place ffmpeg-python compiles a graph (`ffmpeg._run`).
"""

from __future__ import annotations

import sys

import ffmpeg._run as ffmpeg_run


def topo_sort(downstream_nodes):
    marked, done = set(), set()
    sorted_nodes: list = []
    outgoing_edge_maps: dict = {}

    def visit(upstream_node, upstream_label, downstream_node, downstream_label, downstream_selector=None):
        if upstream_node in marked:
            raise RuntimeError("Graph is not a DAG")
        if downstream_node is not None:
            edge_map = outgoing_edge_maps.setdefault(upstream_node, {})
            edge_map.setdefault(upstream_label, []).append((downstream_node, downstream_label, downstream_selector))
        if upstream_node not in done:
            marked.add(upstream_node)
            for edge in upstream_node.incoming_edges:
                visit(edge.upstream_node, edge.upstream_label, edge.downstream_node, edge.downstream_label,
                      edge.upstream_selector)
            marked.discard(upstream_node)
            done.add(upstream_node)
            sorted_nodes.append(upstream_node)

    unmarked = [(node, None) for node in downstream_nodes]
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 20_000))  # a long chain of transitions is a deep graph
    try:
        while unmarked:
            node, label = unmarked.pop()
            visit(node, label, None, None)
    finally:
        sys.setrecursionlimit(limit)
    return sorted_nodes, outgoing_edge_maps



def install() -> None:
    """Compile every ffmpeg-python graph with this sort (idempotent)."""
    ffmpeg_run.topo_sort = topo_sort
