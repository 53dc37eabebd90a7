import { useEffect, useMemo, useRef, useState } from "react";

import { JsonView } from "../components/JsonView";
import { ms } from "../editor/actions";
import type { SessionLog } from "../editor/store";
import type { ExecutionInfo } from "../lib/types";

interface Props {
  entries: SessionLog[];
  /** The stored runs (newest first, from the API): the log survives a reload. */
  executions: ExecutionInfo[];
  onShowRun: (execution: ExecutionInfo) => void;
}

type Row =
  | { key: string; time: Date; kind: "session"; entry: SessionLog }
  | { key: string; time: Date; kind: "stored"; execution: ExecutionInfo };

/** Timestamp, type (info/success/error), message and expandable JSON details, newest last (and
 * kept in view). Runs stored before this page was opened come first, from the API. */
export function LogsPanel({ entries, executions, onShowRun }: Props) {
  const [clearedAt, setClearedAt] = useState<number>(0);
  const rows = useMemo(() => {
    const seen = new Set(entries.map((e) => (e.details as { executionId?: number } | undefined)?.executionId).filter((x) => x !== undefined));
    const out: Row[] = [];
    for (const x of executions) {
      if (seen.has(x.id)) continue;
      out.push({ key: `x${x.id}`, time: new Date(x.createdAt), kind: "stored", execution: x });
    }
    for (const e of entries) out.push({ key: `s${e.id}`, time: e.time, kind: "session", entry: e });
    return out.filter((r) => r.time.getTime() >= clearedAt).sort((a, b) => a.time.getTime() - b.time.getTime());
  }, [entries, executions, clearedAt]);
  const listRef = useRef<HTMLOListElement>(null);
  const last = rows.at(-1)?.key ?? "";
  useEffect(() => {
    const scroller = listRef.current?.closest(".tabpanel");
    if (scroller) scroller.scrollTop = scroller.scrollHeight;
  }, [last]);
  return (
    <div className="logs">
      <div className="logs-toolbar">
        <span className="muted">{rows.length} entries</span>
        <button type="button" className="btn btn-ghost btn-small" onClick={() => setClearedAt(Date.now())} disabled={!rows.length}>
          Clear logs
        </button>
      </div>
      <ol className="log-list" ref={listRef} role="log" aria-label="Execution logs" aria-live="polite">
        {rows.length === 0 ? <li className="muted log-empty">Runs, saves and deployments are logged here.</li> : null}
        {rows.map((row) => {
          if (row.kind === "session") {
            const entry = row.entry;
            return (
              <li key={row.key} className={`log-entry log-${entry.type}`} data-log-type={entry.type}>
                <time dateTime={entry.time.toISOString()}>{entry.time.toLocaleTimeString()}</time>
                <span className={`log-type log-type-${entry.type}`}>{entry.type}</span>
                <div className="log-message">
                  <span>{entry.message}</span>
                  {entry.details !== undefined ? <JsonView value={entry.details} /> : null}
                </div>
              </li>
            );
          }
          const x = row.execution;
          const type = x.status < 400 ? "success" : "error";
          return (
            <li key={row.key} className={`log-entry log-${type} log-stored`} data-log-type={type}>
              <time dateTime={row.time.toISOString()}>{row.time.toLocaleTimeString()}</time>
              <span className={`log-type log-type-${type}`}>{type}</span>
              <div className="log-message">
                <span>
                  Run #{x.id} ({x.source}, v{x.version}) finished with status {x.status} in {ms(x.durationMs)}{" "}
                  <button type="button" className="link-button" onClick={() => onShowRun(x)}>
                    show on the canvas
                  </button>
                </span>
                <JsonView value={{ input: x.input, body: x.body, steps: x.logs }} />
              </div>
            </li>
          );
        })}
      </ol>
    </div>
  );
}
