import { useMemo, useState } from "react";

import { Spinner } from "../components/Spinner";
import { ToolIcon } from "../components/ToolIcon";
import { errorMessage } from "../lib/api";
import type { ToolType } from "../lib/types";

export const DRAG_TYPE = "application/x-orchestrix-tool";

interface Props {
  catalog: ToolType[] | undefined;
  error?: unknown;
  onAdd: (type: ToolType) => void;
}

/** The first sentence of a summary: one line on the card, the rest in its tooltip. */
export function oneLine(summary: string): string {
  const end = summary.search(/[.;](\s|$)/);
  return end > 0 ? summary.slice(0, end) : summary;
}

export function filterCatalog(catalog: ToolType[], query: string): ToolType[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (!words.length) return catalog;
  return catalog.filter((t) => {
    const text = `${t.type} ${t.summary}`.toLowerCase();
    return words.every((w) => text.includes(w));
  });
}

/** The tool catalog: drag a tool onto the canvas, or press Add to put it at the end. */
export function Palette({ catalog, error, onAdd }: Props) {
  const [query, setQuery] = useState("");
  const shown = useMemo(() => filterCatalog(catalog ?? [], query), [catalog, query]);
  return (
    <section className="palette" aria-label="Tool palette">
      <label htmlFor="palette-search" className="visually-hidden">
        Search tools
      </label>
      <input
        id="palette-search"
        type="search"
        placeholder="Search tools…"
        value={query}
        onChange={(e) => setQuery(e.target.value)}
        autoComplete="off"
      />
      {error ? <p className="field-error">Could not load the tools: {errorMessage(error)}</p> : null}
      {!catalog && !error ? (
        <p className="muted">
          <Spinner label="Loading tools" /> Loading tools…
        </p>
      ) : null}
      {catalog && shown.length === 0 ? <p className="muted">No tool matches “{query}”.</p> : null}
      <ul className="palette-list" aria-label="Tools">
        {shown.map((tool) => (
          <li
            key={tool.type}
            className="palette-item"
            draggable
            data-tool-type={tool.type}
            title={tool.summary}
            onDragStart={(e) => {
              e.dataTransfer.setData(DRAG_TYPE, tool.type);
              e.dataTransfer.setData("text/plain", tool.type);
              e.dataTransfer.effectAllowed = "copy";
            }}
          >
            <span className={`palette-icon tool-kind-${tool.type}`}>
              <ToolIcon type={tool.type} />
            </span>
            <span className="palette-text">
              <span className="palette-name">{tool.type}</span>
              <span className="palette-summary">{oneLine(tool.summary)}</span>
            </span>
            <button type="button" className="btn btn-ghost btn-small" onClick={() => onAdd(tool)} aria-label={`Add ${tool.type}`}>
              +
            </button>
          </li>
        ))}
      </ul>
      <p className="muted palette-hint">Drag a tool onto the canvas, where it should run; connect two tools to run one right after the other.</p>
    </section>
  );
}
