// From a workflow spec to canvas nodes and edges, laid out top-down by dagre.
//
// Tools run in `executionOrder`. Consecutive tools are joined by an edge. A tool with a `when`
// guard gets a dashed edge labelled with the guard; a guarded `response` ends the run when its
// guard holds, so it is drawn as a branch off the main line, and the line goes on labelled
// "otherwise". Dagre reserves room for each label, so branches and labels stay apart.

import dagre from "@dagrejs/dagre";
import type { Edge, Node } from "@xyflow/react";
import { MarkerType } from "@xyflow/react";

import type { ToolSpec, WorkflowSpec } from "./types";

export const NODE_WIDTH = 220;
export const NODE_HEIGHT = 62;

export type ToolNodeData = {
  tool: ToolSpec;
  step: number;
  summary?: string;
  status?: string;
  durationMs?: number;
  problems?: number;
};

export type ToolNode = Node<ToolNodeData, "tool">;

export interface StepStatus {
  status: string;
  durationMs?: number;
}

export function orderedTools(spec: WorkflowSpec): ToolSpec[] {
  const byId = new Map(spec.tools.map((t) => [t.id, t]));
  const order = spec.executionOrder?.length ? spec.executionOrder : spec.tools.map((t) => t.id);
  const listed = order.map((id) => byId.get(id)).filter((t): t is ToolSpec => t !== undefined);
  // Tools the order forgets still appear (at the end), so they can be seen and fixed.
  const seen = new Set(listed.map((t) => t.id));
  return [...listed, ...spec.tools.filter((t) => !seen.has(t.id))];
}

export function isBranch(tool: ToolSpec): boolean {
  return tool.type === "response" && Boolean(tool.when);
}

export function buildEdges(tools: ToolSpec[]): Edge[] {
  const edges: Edge[] = [];
  let previous: ToolSpec | undefined;
  let branchSource: string | null = null; // the main-line tool the latest branch leaves from
  for (const tool of tools) {
    if (previous) {
      const guarded = Boolean(tool.when);
      const otherwise = !guarded && branchSource === previous.id;
      edges.push({
        id: `${previous.id}->${tool.id}`,
        source: previous.id,
        target: tool.id,
        label: guarded ? `when ${tool.when}` : otherwise ? "otherwise" : undefined,
        style: guarded ? { strokeDasharray: "6 4" } : undefined,
        markerEnd: { type: MarkerType.ArrowClosed, width: 16, height: 16 },
        labelBgPadding: [6, 3],
        labelBgBorderRadius: 4,
        className: guarded ? "edge-guarded" : otherwise ? "edge-otherwise" : undefined,
        deletable: false,
      });
    }
    if (isBranch(tool)) branchSource = previous?.id ?? null;
    else previous = tool;
  }
  return edges;
}

export function buildGraph(
  spec: WorkflowSpec,
  stepStatus: Record<string, StepStatus> = {},
  extra: { summaries?: Record<string, string>; problems?: Record<string, number> } = {},
): { nodes: ToolNode[]; edges: Edge[] } {
  const tools = orderedTools(spec);
  const nodes: ToolNode[] = tools.map((tool, index) => ({
    id: tool.id,
    type: "tool",
    position: { x: 0, y: 0 },
    data: {
      tool,
      step: index + 1,
      summary: extra.summaries?.[tool.type],
      status: stepStatus[tool.id]?.status,
      durationMs: stepStatus[tool.id]?.durationMs,
      problems: extra.problems?.[tool.id],
    },
    ariaLabel: `Tool ${tool.id} (${tool.type})${tool.when ? `, runs when ${tool.when}` : ""}`,
  }));
  const edges = buildEdges(tools);
  return { nodes: layout(nodes, edges), edges };
}

/** Top-down positions: the main line in one column, branches beside it. */
export function layout<N extends Node>(nodes: N[], edges: Edge[]): N[] {
  const g = new dagre.graphlib.Graph({ multigraph: false });
  g.setGraph({ rankdir: "TB", nodesep: 56, ranksep: 34, edgesep: 20, marginx: 20, marginy: 20 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const node of nodes) g.setNode(node.id, { width: NODE_WIDTH, height: NODE_HEIGHT });
  for (const edge of edges) {
    const label = typeof edge.label === "string" ? edge.label : "";
    // A labelled edge reserves room for its label, so two labels never sit on each other.
    g.setEdge(edge.source, edge.target, label ? { width: Math.min(260, label.length * 6.5 + 16), height: 20, labelpos: "c" } : {});
  }
  dagre.layout(g);
  return nodes.map((node) => {
    const { x, y } = g.node(node.id);
    return { ...node, position: { x: x - NODE_WIDTH / 2, y: y - NODE_HEIGHT / 2 } };
  });
}
