import { useEffect, useRef } from "react";

import { JsonView } from "../components/JsonView";
import type { LogEntry } from "../lib/logs";

/** Timestamp, type (info/success/error), message and expandable JSON details, newest last (and kept in view). */
export function LogsPanel({ entries, onClear }: { entries: LogEntry[]; onClear: () => void }) {
  // New entries arrive at the bottom: keep the newest in view, as a terminal does.
  const listRef = useRef<HTMLOListElement>(null);
  const last = entries.at(-1)?.id ?? 0;
  useEffect(() => {
    const scroller = listRef.current?.closest(".tabpanel");
    if (scroller) scroller.scrollTop = scroller.scrollHeight;
  }, [last]);
  return (
    <div className="logs">
      <div className="logs-toolbar">
        <span className="muted">{entries.length} entries</span>
        <button type="button" className="btn btn-ghost btn-small" onClick={onClear} disabled={!entries.length}>
          Clear logs
        </button>
      </div>
      <ol className="log-list" ref={listRef} role="log" aria-label="Execution logs" aria-live="polite">
        {entries.length === 0 ? <li className="muted log-empty">Runs, saves and deployments are logged here.</li> : null}
        {entries.map((entry) => (
          <li key={entry.id} className={`log-entry log-${entry.type}`} data-log-type={entry.type}>
            <time dateTime={entry.time.toISOString()}>{entry.time.toLocaleTimeString()}</time>
            <span className={`log-type log-type-${entry.type}`}>{entry.type}</span>
            <div className="log-message">
              <span>{entry.message}</span>
              {entry.details !== undefined ? <JsonView value={entry.details} /> : null}
            </div>
          </li>
        ))}
      </ol>
    </div>
  );
}
