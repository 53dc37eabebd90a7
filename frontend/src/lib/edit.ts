// Edits of the draft made on the canvas: add a tool, remove it, move it in the execution order,
// connect two tools, rename one. Each takes a spec and answers a new one (the draft's history
// keeps the old). The order is the graph: connecting A to B puts B right after A.

import { defaultsOf } from "./schema";
import type { JsonObject, ToolSpec, ToolType, WorkflowSpec } from "./types";

export function emptySpec(name = "Untitled API"): WorkflowSpec {
  return {
    apiVersion: "orchestrix/v1",
    name,
    inputSchema: { type: "object", required: [], properties: {} },
    tools: [],
    executionOrder: [],
  };
}

function order(spec: WorkflowSpec): string[] {
  return spec.executionOrder?.length ? [...spec.executionOrder] : spec.tools.map((t) => t.id);
}

export function freeId(spec: WorkflowSpec, base: string): string {
  const taken = new Set(spec.tools.map((t) => t.id));
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) if (!taken.has(`${base}${n}`)) return `${base}${n}`;
}

/** A new tool of `type` at `index` in the order (default: the end), its config's defaults set. */
export function addTool(spec: WorkflowSpec, type: ToolType, index?: number): { spec: WorkflowSpec; id: string } {
  const id = freeId(spec, type.type);
  const config = defaultsOf(type.configSchema);
  const tool: ToolSpec = Object.keys(config).length ? { id, type: type.type, config } : { id, type: type.type };
  const ids = order(spec);
  const at = index === undefined ? ids.length : Math.max(0, Math.min(ids.length, index));
  ids.splice(at, 0, id);
  return { spec: { ...spec, tools: [...spec.tools, tool], executionOrder: ids }, id };
}

export function removeTools(spec: WorkflowSpec, ids: string[]): WorkflowSpec {
  const gone = new Set(ids);
  return {
    ...spec,
    tools: spec.tools.filter((t) => !gone.has(t.id)),
    executionOrder: order(spec).filter((id) => !gone.has(id)),
  };
}

export function moveTool(spec: WorkflowSpec, id: string, to: number): WorkflowSpec {
  const ids = order(spec).filter((x) => x !== id);
  ids.splice(Math.max(0, Math.min(ids.length, to)), 0, id);
  return { ...spec, executionOrder: ids };
}

/** Connect `source` → `target`: `target` runs right after `source`. */
export function connect(spec: WorkflowSpec, source: string, target: string): WorkflowSpec {
  if (source === target) return spec;
  const ids = order(spec).filter((x) => x !== target);
  const at = ids.indexOf(source);
  if (at < 0) return spec;
  ids.splice(at + 1, 0, target);
  return { ...spec, executionOrder: ids };
}

/** The order the nodes have from top to bottom (after a node was dragged). */
export function orderByPosition(spec: WorkflowSpec, y: Record<string, number>): WorkflowSpec {
  const ids = order(spec);
  const sorted = [...ids].sort((a, b) => (y[a] ?? 0) - (y[b] ?? 0) || ids.indexOf(a) - ids.indexOf(b));
  return sorted.join() === ids.join() ? spec : { ...spec, executionOrder: sorted };
}

export function updateTool(spec: WorkflowSpec, id: string, next: ToolSpec): WorkflowSpec {
  let out: WorkflowSpec = { ...spec, tools: spec.tools.map((t) => (t.id === id ? next : t)) };
  if (next.id !== id) out = renameReferences({ ...out, executionOrder: order(spec).map((x) => (x === id ? next.id : x)) }, id, next.id);
  return out;
}

/** `steps.old.x` becomes `steps.new.x` in every config and guard. */
function renameReferences(spec: WorkflowSpec, from: string, to: string): WorkflowSpec {
  const pattern = new RegExp(`\\bsteps\\.${from.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\b`, "g");
  const fix = (text: string) => text.replace(pattern, `steps.${to}`);
  return {
    ...spec,
    tools: spec.tools.map((t) => ({
      ...t,
      ...(t.config ? { config: JSON.parse(fix(JSON.stringify(t.config))) as JsonObject } : {}),
      ...(t.when ? { when: fix(t.when) } : {}),
    })),
  };
}
