// From a workflow spec to canvas nodes and edges, laid out by dagre.
//
// Tools run in `executionOrder`. Consecutive tools are joined by an edge; a tool with a `when`
// guard gets a dashed edge labelled with the guard. A guarded `response` ends the run when its
// guard holds, so it is drawn as a branch off the main line rather than a step on it.

import dagre from "@dagrejs/dagre";
import type { Edge, Node } from "@xyflow/react";
import { MarkerType } from "@xyflow/react";

import type { ToolSpec, WorkflowSpec } from "./types";

export const NODE_WIDTH = 210;
export const NODE_HEIGHT = 64;

export type ToolNodeData = {
  tool: ToolSpec;
  step: number;
  status?: string;
  durationMs?: number;
};

export type ToolNode = Node<ToolNodeData, "tool">;

export function orderedTools(spec: WorkflowSpec): ToolSpec[] {
  const byId = new Map(spec.tools.map((t) => [t.id, t]));
  const order = spec.executionOrder?.length ? spec.executionOrder : spec.tools.map((t) => t.id);
  return order.map((id) => byId.get(id)).filter((t): t is ToolSpec => t !== undefined);
}

export function buildGraph(
  spec: WorkflowSpec,
  stepStatus: Record<string, { status: string; durationMs?: number }> = {},
): { nodes: ToolNode[]; edges: Edge[] } {
  const tools = orderedTools(spec);
  const nodes: ToolNode[] = tools.map((tool, index) => ({
    id: tool.id,
    type: "tool",
    position: { x: 0, y: 0 },
    data: {
      tool,
      step: index + 1,
      status: stepStatus[tool.id]?.status,
      durationMs: stepStatus[tool.id]?.durationMs,
    },
    ariaLabel: `Tool ${tool.id} (${tool.type})${tool.when ? `, runs when ${tool.when}` : ""}`,
  }));

  const edges: Edge[] = [];
  let previous: ToolSpec | undefined;
  for (const tool of tools) {
    if (previous) {
      const guarded = Boolean(tool.when);
      edges.push({
        id: `${previous.id}->${tool.id}`,
        source: previous.id,
        target: tool.id,
        label: guarded ? `when ${tool.when}` : undefined,
        animated: false,
        style: guarded ? { strokeDasharray: "6 4" } : undefined,
        markerEnd: { type: MarkerType.ArrowClosed, width: 16, height: 16 },
        labelBgPadding: [6, 3],
        labelBgBorderRadius: 4,
        className: guarded ? "edge-guarded" : undefined,
      });
    }
    const isBranch = tool.type === "response" && Boolean(tool.when);
    if (!isBranch) previous = tool;
  }
  return { nodes: layout(nodes, edges), edges };
}

function layout(nodes: ToolNode[], edges: Edge[]): ToolNode[] {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: "TB", nodesep: 40, ranksep: 46, marginx: 20, marginy: 20 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const node of nodes) g.setNode(node.id, { width: NODE_WIDTH, height: NODE_HEIGHT });
  for (const edge of edges) g.setEdge(edge.source, edge.target);
  dagre.layout(g);
  return nodes.map((node) => {
    const { x, y } = g.node(node.id);
    return { ...node, position: { x: x - NODE_WIDTH / 2, y: y - NODE_HEIGHT / 2 } };
  });
}
