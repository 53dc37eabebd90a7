import type { JsonValue } from "../lib/types";

/** Expandable JSON: a <details> element, so it opens with the keyboard as well as the mouse. */
export function JsonView({ value, summary = "Details", open = false }: { value: unknown; summary?: string; open?: boolean }) {
  if (value === undefined) return null;
  return (
    <details className="json" open={open}>
      <summary>{summary}</summary>
      <pre>{format(value as JsonValue)}</pre>
    </details>
  );
}

export function format(value: JsonValue): string {
  return JSON.stringify(value, null, 2);
}
