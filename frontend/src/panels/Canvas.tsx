import {
  Background,
  Controls,
  Handle,
  Panel,
  Position,
  ReactFlow,
  ReactFlowProvider,
  useReactFlow,
  useStore,
  type Connection,
  type NodeChange,
  type NodeProps,
} from "@xyflow/react";
import { memo, useCallback, useEffect, useMemo, useState, type DragEvent } from "react";

import { ToolIcon } from "../components/ToolIcon";
import { ms } from "../editor/actions";
import { addTool, connect, orderByPosition, removeTools } from "../lib/edit";
import { buildGraph, NODE_HEIGHT, type StepStatus, type ToolNode } from "../lib/graph";
import type { RunResult, SpecProblem, ToolType, WorkflowSpec } from "../lib/types";
import { DRAG_TYPE, oneLine } from "./Palette";

export interface CanvasProps {
  spec: WorkflowSpec | null;
  catalog: ToolType[] | undefined;
  lastRun: RunResult | null;
  problems: SpecProblem[];
  selected: string | null;
  canUndo: boolean;
  canRedo: boolean;
  placeholder: string;
  onSelect: (toolId: string | null) => void;
  onEdit: (next: WorkflowSpec) => void;
  onUndo: () => void;
  onRedo: () => void;
}

/** The tool graph, React Flow controlled: nodes and edges come from the draft spec, and every
 * change (select, drag to reorder, connect, delete, drop a tool) becomes an edit of the spec. */
export function Canvas(props: CanvasProps) {
  return (
    <section className="panel canvas" aria-label="Workflow graph">
      <ReactFlowProvider>
        <Graph {...props} />
      </ReactFlowProvider>
    </section>
  );
}

const nodeTypes = { tool: memo(ToolNodeView) };

type Measured = Record<string, { width: number; height: number }>;

function Graph({ spec, catalog, lastRun, problems, selected, canUndo, canRedo, placeholder, onSelect, onEdit, onUndo, onRedo }: CanvasProps) {
  const status = useMemo(() => {
    const out: Record<string, StepStatus> = {};
    for (const step of lastRun?.logs ?? []) out[step.id] = { status: step.status, durationMs: step.durationMs };
    return out;
  }, [lastRun]);
  const summaries = useMemo(() => Object.fromEntries((catalog ?? []).map((t) => [t.type, oneLine(t.summary)])), [catalog]);
  const problemCount = useMemo(() => {
    const out: Record<string, number> = {};
    for (const p of problems) if (p.toolId) out[p.toolId] = (out[p.toolId] ?? 0) + 1;
    return out;
  }, [problems]);
  const graph = useMemo(
    () => (spec ? buildGraph(spec, status, { summaries, problems: problemCount }) : { nodes: [], edges: [] }),
    [spec, status, summaries, problemCount],
  );
  const [drag, setDrag] = useState<{ id: string; x: number; y: number } | null>(null);
  const [measured, setMeasured] = useState<Measured>({});
  const nodes = useMemo(
    () =>
      graph.nodes.map((n) => ({
        ...n,
        selected: n.id === selected,
        position: drag?.id === n.id ? { x: drag.x, y: drag.y } : n.position,
        ...(measured[n.id] ? { measured: measured[n.id] } : {}),
      })),
    [graph.nodes, selected, drag, measured],
  );
  const flow = useReactFlow();
  const shape = graph.nodes.map((n) => `${n.id}@${Math.round(n.position.x)},${Math.round(n.position.y)}`).join(";");
  const size = useStore((state) => `${Math.round(state.width)}x${Math.round(state.height)}`);

  useEffect(() => {
    // Refit when the graph's shape changes (a tool added, removed, moved) or the pane resizes.
    if (!graph.nodes.length) return;
    const frame = requestAnimationFrame(() => void flow.fitView({ padding: 0.14, maxZoom: 1, minZoom: 0.55, duration: 150 }));
    return () => cancelAnimationFrame(frame);
  }, [shape, size, flow, graph.nodes.length]);

  const onNodesChange = useCallback(
    (changes: NodeChange<ToolNode>[]) => {
      const removed: string[] = [];
      let picked: string | null | undefined; // undefined: the selection did not change
      for (const change of changes) {
        if (change.type === "select") {
          if (change.selected) picked = change.id;
          else if (change.id === selected && picked === undefined) picked = null;
        } else if (change.type === "position" && change.position && change.dragging) {
          setDrag({ id: change.id, x: change.position.x, y: change.position.y });
        } else if (change.type === "dimensions" && change.dimensions) {
          const { width, height } = change.dimensions;
          setMeasured((m) => (m[change.id]?.width === width && m[change.id]?.height === height ? m : { ...m, [change.id]: { width, height } }));
        } else if (change.type === "remove") {
          removed.push(change.id);
        }
      }
      if (picked !== undefined) onSelect(picked);
      if (removed.length && spec) {
        onEdit(removeTools(spec, removed));
        if (selected && removed.includes(selected)) onSelect(null);
      }
    },
    [onSelect, onEdit, selected, spec],
  );

  const onNodeDragStop = useCallback(
    (_: unknown, node: ToolNode) => {
      setDrag(null);
      if (!spec) return;
      // Dropping a node between two others runs it between them.
      const y: Record<string, number> = {};
      for (const n of graph.nodes) y[n.id] = n.position.y;
      y[node.id] = node.position.y;
      onEdit(orderByPosition(spec, y));
    },
    [spec, graph.nodes, onEdit],
  );

  const onConnect = useCallback(
    (c: Connection) => {
      if (spec && c.source && c.target) onEdit(connect(spec, c.source, c.target));
    },
    [spec, onEdit],
  );

  const onDragOver = useCallback((event: DragEvent) => {
    if (!event.dataTransfer.types.includes(DRAG_TYPE)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "copy";
  }, []);

  const onDrop = useCallback(
    (event: DragEvent) => {
      const typeName = event.dataTransfer.getData(DRAG_TYPE);
      const type = catalog?.find((t) => t.type === typeName);
      if (!type || !spec) return;
      event.preventDefault();
      const at = flow.screenToFlowPosition({ x: event.clientX, y: event.clientY });
      // The new tool runs where it was dropped: after every tool drawn above that point.
      const index = graph.nodes.filter((n) => n.position.y + NODE_HEIGHT / 2 < at.y).length;
      const { spec: next, id } = addTool(spec, type, index);
      onEdit(next);
      onSelect(id);
    },
    [catalog, spec, flow, graph.nodes, onEdit, onSelect],
  );

  return (
    <div className="canvas-drop" onDragOver={onDragOver} onDrop={onDrop} data-testid="canvas-drop">
      {graph.nodes.length === 0 ? <p className="canvas-empty">{placeholder}</p> : null}
      <ReactFlow
        nodes={nodes}
        edges={graph.edges}
        nodeTypes={nodeTypes}
        onNodesChange={onNodesChange}
        onNodeDragStop={onNodeDragStop}
        onConnect={onConnect}
        deleteKeyCode={["Delete", "Backspace"]}
        edgesFocusable={false}
        nodesConnectable
        nodesDraggable
        fitView
        fitViewOptions={{ padding: 0.14, maxZoom: 1, minZoom: 0.55 }}
        minZoom={0.3}
        maxZoom={2}
        proOptions={{ hideAttribution: true }}
        ariaLabelConfig={{ "node.a11yDescription.default": "Press Enter or Space to inspect this tool, Delete to remove it." }}
      >
        <Background gap={18} size={1} />
        <Controls showInteractive={false} position="bottom-right" />
        <Panel position="top-right" className="canvas-toolbar">
          <button type="button" className="btn btn-secondary btn-small" onClick={onUndo} disabled={!canUndo} title="Undo (Ctrl+Z)">
            Undo
          </button>
          <button type="button" className="btn btn-secondary btn-small" onClick={onRedo} disabled={!canRedo} title="Redo (Ctrl+Shift+Z)">
            Redo
          </button>
        </Panel>
      </ReactFlow>
    </div>
  );
}

function ToolNodeView({ data, selected }: NodeProps<ToolNode>) {
  const { tool, step, status, durationMs, summary, problems } = data;
  return (
    <div
      className={`tool-node tool-${tool.type}${selected ? " is-selected" : ""}${status ? ` status-${status}` : ""}${problems ? " has-problems" : ""}`}
      data-tool-id={tool.id}
      data-testid={`node-${tool.id}`}
    >
      <Handle type="target" position={Position.Top} />
      <div className="tool-node-head">
        <span className="tool-step" aria-hidden="true">
          {step}
        </span>
        <span className={`tool-node-icon tool-kind-${tool.type}`}>
          <ToolIcon type={tool.type} size={15} />
        </span>
        <span className="tool-id">{tool.id}</span>
        {problems ? (
          <span className="tool-problems" title={`${problems} problem${problems === 1 ? "" : "s"}`}>
            {problems}!
          </span>
        ) : null}
        {status ? (
          <span className={`tool-status status-${status}`} title={status}>
            {durationMs !== undefined ? ms(durationMs) : status}
          </span>
        ) : null}
      </div>
      <div className="tool-node-body">
        {tool.id !== tool.type ? <span className="tool-type">{tool.type}</span> : null}
        {tool.when ? (
          <span className="tool-when" title={`Runs when ${tool.when}`}>
            when {tool.when}
          </span>
        ) : summary ? (
          <span className="tool-summary">{summary}</span>
        ) : null}
      </div>
      <Handle type="source" position={Position.Bottom} />
    </div>
  );
}
