import {
  Background,
  Controls,
  Handle,
  Position,
  ReactFlow,
  ReactFlowProvider,
  useEdgesState,
  useNodesState,
  useReactFlow,
  useStore,
  type NodeProps,
  type OnSelectionChangeParams,
} from "@xyflow/react";
import { memo, useCallback, useEffect, useMemo, useRef } from "react";

import { buildGraph, type ToolNode } from "../lib/graph";
import { ms } from "../lib/logs";
import type { RunResult, WorkflowSpec } from "../lib/types";

interface Props {
  spec: WorkflowSpec | null;
  lastRun: RunResult | null;
  selected: string | null;
  onSelect: (toolId: string | null) => void;
  placeholder: string;
}

/** The tool graph: tools as nodes in execution order, laid out by dagre, guards on the edges. */
export function Canvas(props: Props) {
  return (
    <section className="panel canvas" aria-label="Workflow graph">
      <ReactFlowProvider>
        <Graph {...props} />
      </ReactFlowProvider>
    </section>
  );
}

const nodeTypes = { tool: memo(ToolNodeView) };

function Graph({ spec, lastRun, selected, onSelect, placeholder }: Props) {
  const status = useMemo(() => {
    const out: Record<string, { status: string; durationMs?: number }> = {};
    for (const step of lastRun?.logs ?? []) out[step.id] = { status: step.status, durationMs: step.durationMs };
    return out;
  }, [lastRun]);
  const graph = useMemo(() => (spec ? buildGraph(spec, status) : { nodes: [], edges: [] }), [spec, status]);
  const [nodes, setNodes, onNodesChange] = useNodesState<ToolNode>(graph.nodes);
  const [edges, setEdges, onEdgesChange] = useEdgesState(graph.edges);
  const flow = useReactFlow();
  const shape = graph.nodes.map((n) => n.id).join(",");
  const size = useStore((state) => `${Math.round(state.width)}x${Math.round(state.height)}`);

  // React Flow owns the selection (clicks, Enter on a focused node) and reports it through
  // onSelectionChange; from outside, the selection is only ever cleared (the inspector closed).
  const selectedRef = useRef(selected);
  selectedRef.current = selected;
  useEffect(() => {
    setNodes(graph.nodes.map((n) => ({ ...n, selected: n.id === selectedRef.current })));
    setEdges(graph.edges);
  }, [graph, setNodes, setEdges]);
  useEffect(() => {
    if (selected === null) {
      setNodes((current) =>
        current.some((n) => n.selected) ? current.map((n) => (n.selected ? { ...n, selected: false } : n)) : current,
      );
    }
  }, [selected, setNodes]);

  useEffect(() => {
    // Refit when the set of tools changes (a new graph, a tool added or removed) or the pane
    // changes size (a banner appears, the window is resized).
    if (!shape) return;
    const frame = requestAnimationFrame(() => void flow.fitView({ padding: 0.12, maxZoom: 1.1, duration: 150 }));
    return () => cancelAnimationFrame(frame);
  }, [shape, size, flow]);

  const onSelectionChange = useCallback(
    ({ nodes: picked }: OnSelectionChangeParams) => {
      const id = picked[0]?.id ?? null;
      if (id !== selectedRef.current) onSelect(id);
    },
    [onSelect],
  );

  return (
    <>
      {graph.nodes.length === 0 ? <p className="canvas-empty">{placeholder}</p> : null}
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onSelectionChange={onSelectionChange}
        nodesDraggable={false}
        nodesConnectable={false}
        edgesFocusable={false}
        fitView
        fitViewOptions={{ padding: 0.15, maxZoom: 1.1 }}
        minZoom={0.3}
        maxZoom={2}
        proOptions={{ hideAttribution: true }}
        ariaLabelConfig={{ "node.a11yDescription.default": "Press Enter or Space to inspect this tool." }}
      >
        <Background gap={18} size={1} />
        <Controls showInteractive={false} position="bottom-right" />
      </ReactFlow>
    </>
  );
}

function ToolNodeView({ data, selected }: NodeProps<ToolNode>) {
  const { tool, step, status, durationMs } = data;
  return (
    <div
      className={`tool-node tool-${tool.type}${selected ? " is-selected" : ""}${status ? ` status-${status}` : ""}`}
      data-tool-id={tool.id}
      data-testid={`node-${tool.id}`}
    >
      <Handle type="target" position={Position.Top} isConnectable={false} />
      <div className="tool-node-head">
        <span className="tool-step" aria-hidden="true">
          {step}
        </span>
        <span className="tool-id">{tool.id}</span>
        {status ? (
          <span className={`tool-status status-${status}`} title={status}>
            {durationMs !== undefined ? ms(durationMs) : status}
          </span>
        ) : null}
      </div>
      <div className="tool-node-body">
        <span className="tool-type">{tool.type}</span>
        {tool.when ? (
          <span className="tool-when" title={`Runs when ${tool.when}`}>
            when {tool.when}
          </span>
        ) : null}
      </div>
      <Handle type="source" position={Position.Bottom} isConnectable={false} />
    </div>
  );
}
