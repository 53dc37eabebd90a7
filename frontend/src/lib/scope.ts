// What an expression at a step may name: `input.*` (the input schema's fields), `steps.<id>.*`
// of the tools that ran before it (their output's fields), and `headers.*`.

import { orderedTools } from "./graph";
import type { ToolType, WorkflowSpec } from "./types";

const DOCUMENT_FIELDS = ["id", "createdAt", "updatedAt"];
const COMMON_HEADERS = ["authorization", "content-type", "user-agent", "x-forwarded-for"];

export function scopeAt(spec: WorkflowSpec, toolId: string, catalog: ToolType[]): string[] {
  const byType = new Map(catalog.map((t) => [t.type, t]));
  const out = ["input", ...Object.keys(spec.inputSchema?.properties ?? {}).map((f) => `input.${f}`)];
  for (const tool of orderedTools(spec)) {
    if (tool.id === toolId) break;
    out.push(`steps.${tool.id}`);
    for (const field of outputFields(tool.type, tool.config, byType.get(tool.type), spec)) {
      out.push(`steps.${tool.id}.${field}`);
    }
  }
  out.push("headers", ...COMMON_HEADERS.map((h) => (h.includes("-") ? `headers['${h}']` : `headers.${h}`)));
  return out;
}

function outputFields(
  type: string,
  config: WorkflowSpec["tools"][number]["config"],
  info: ToolType | undefined,
  spec: WorkflowSpec,
): string[] {
  const props = Object.keys(info?.outputSchema?.properties ?? {});
  if (props.length) return props;
  if (type === "dbInsert" || type === "dbUpdate") {
    const doc = (type === "dbInsert" ? config?.document : config?.set) ?? {};
    const keys = doc && typeof doc === "object" && !Array.isArray(doc) ? Object.keys(doc) : [];
    return [...DOCUMENT_FIELDS, ...keys];
  }
  if (type === "dbFind") return [...DOCUMENT_FIELDS, ...Object.keys(spec.inputSchema?.properties ?? {})];
  return [];
}

/** The dotted name being typed at `caret` (after `{{ ` or at the start of a guard), or null. */
export function tokenAt(text: string, caret: number): { start: number; word: string } | null {
  const before = text.slice(0, caret);
  const match = /([A-Za-z_][\w]*(?:\.[\w]*|\['[^']*'?\]?)*)$/.exec(before);
  if (!match) return null;
  const start = caret - match[1]!.length;
  return { start, word: match[1]! };
}

export function complete(candidates: string[], word: string, limit = 8): string[] {
  if (!word) return [];
  const lower = word.toLowerCase();
  return candidates.filter((c) => c.toLowerCase().startsWith(lower) && c !== word).slice(0, limit);
}
