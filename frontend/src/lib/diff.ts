// What a hand edit changed, in the words of a chat change's diff: tools added, removed or
// changed (and how), input fields added, removed or changed, the order of the steps.

import type { DiffChange, WorkflowSpec } from "./types";

export function specDiff(before: WorkflowSpec, after: WorkflowSpec): DiffChange[] {
  const changes: DiffChange[] = [];
  const old = new Map(before.tools.map((t) => [t.id, t]));
  const now = new Map(after.tools.map((t) => [t.id, t]));
  for (const [id, tool] of now) {
    const was = old.get(id);
    if (!was) changes.push({ kind: "tool", action: "added", name: id, detail: tool.type });
    else if (JSON.stringify(was) !== JSON.stringify(tool)) {
      const what = (["config", "when", "description", "type"] as const).filter(
        (k) => JSON.stringify(was[k] ?? null) !== JSON.stringify(tool[k] ?? null),
      );
      changes.push({ kind: "tool", action: "changed", name: id, detail: what.join(", ") });
    }
  }
  for (const id of old.keys()) if (!now.has(id)) changes.push({ kind: "tool", action: "removed", name: id });
  const oldFields = before.inputSchema?.properties ?? {};
  const newFields = after.inputSchema?.properties ?? {};
  for (const [name, schema] of Object.entries(newFields)) {
    const was = oldFields[name];
    if (!was) changes.push({ kind: "field", action: "added", name, detail: String(schema.type ?? "") });
    else if (JSON.stringify(was) !== JSON.stringify(schema)) changes.push({ kind: "field", action: "changed", name });
  }
  for (const name of Object.keys(oldFields)) if (!(name in newFields)) changes.push({ kind: "field", action: "removed", name });
  const sameTools = before.tools.length === after.tools.length && changes.every((c) => c.action === "changed" || c.kind === "field");
  if (sameTools && (before.executionOrder ?? []).join() !== (after.executionOrder ?? []).join()) {
    changes.push({ kind: "order", action: "changed", name: "executionOrder", detail: (after.executionOrder ?? []).join(" → ") });
  }
  if (before.name !== after.name) changes.push({ kind: "name", action: "changed", name: after.name });
  return changes;
}
