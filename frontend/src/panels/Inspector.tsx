import { useEffect, useState } from "react";

import { ExpressionInput } from "../components/ExpressionInput";
import { JsonView } from "../components/JsonView";
import { ToolIcon } from "../components/ToolIcon";
import { ms } from "../editor/actions";
import type { JsonObject, StepLog, ToolSpec, ToolType, WorkflowSpec } from "../lib/types";
import { ConfigForm } from "./ConfigForm";
import { InputFields } from "./InputFields";

export interface InspectorProps {
  tool: ToolSpec;
  spec: WorkflowSpec;
  index: number;
  total: number;
  type: ToolType | undefined;
  scope: string[];
  problems: Record<string, string[]>;
  step: StepLog | undefined;
  onChange: (next: ToolSpec, mergeKey: string) => void;
  onSpecChange: (next: WorkflowSpec, mergeKey: string) => void;
  onMove: (to: number) => void;
  onDelete: () => void;
  onClose: () => void;
}

/** The selected tool: its settings as a form from the tool's config schema, its guard, where it
 * runs, the static checks' problems on the fields, and what it did in the last run. */
export function Inspector({ tool, spec, index, total, type, scope, problems, step, onChange, onSpecChange, onMove, onDelete, onClose }: InspectorProps) {
  const key = (field: string) => `${tool.id}:${field}`;
  const set = (patch: Partial<ToolSpec>, field: string) => {
    const next: ToolSpec = { ...tool, ...patch };
    for (const k of ["when", "description"] as const) if (!next[k]) delete next[k];
    if (next.config && !Object.keys(next.config).length) delete next.config;
    onChange(next, key(field));
  };
  const general = [...(problems[""] ?? []), ...(problems.id ?? [])];
  return (
    <section className="panel-section inspector" aria-label="Inspector">
      <div className="section-title">
        <h2>
          <span className={`tool-node-icon tool-kind-${tool.type}`}>
            <ToolIcon type={tool.type} />
          </span>{" "}
          Tool <code>{tool.id}</code>
        </h2>
        <button type="button" className="btn btn-ghost btn-small" onClick={onClose} aria-label="Close the inspector">
          ✕
        </button>
      </div>
      {type?.summary ? <p className="muted inspector-summary">{type.summary}</p> : null}
      <div className="inspector-actions" role="group" aria-label="Position in the run">
        <span className="muted">
          Step {index + 1} of {total}
        </span>
        <button type="button" className="btn btn-secondary btn-small" disabled={index === 0} onClick={() => onMove(index - 1)}>
          ↑ Run earlier
        </button>
        <button type="button" className="btn btn-secondary btn-small" disabled={index >= total - 1} onClick={() => onMove(index + 1)}>
          ↓ Run later
        </button>
        <button type="button" className="btn btn-danger btn-small" onClick={onDelete}>
          Delete tool
        </button>
      </div>
      {general.length ? (
        <ul className="problems" aria-label="Problems of this tool">
          {general.map((p, i) => (
            <li key={i}>{p}</li>
          ))}
        </ul>
      ) : null}
      <form className="form" onSubmit={(e) => e.preventDefault()}>
        <div className="field">
          <label htmlFor="tool-id">Id</label>
          <IdInput id={tool.id} onRename={(id) => set({ id }, "id")} />
        </div>
        <div className="field">
          <label htmlFor="tool-when">Runs when</label>
          <ExpressionInput
            id="tool-when"
            value={tool.when ?? ""}
            onChange={(when) => set({ when }, "when")}
            scope={scope}
            bare
            placeholder="always"
            invalid={Boolean(problems.when?.length)}
            describedBy="tool-when-hint"
          />
          {problems.when?.map((p, i) => (
            <small key={i} className="field-problem" role="alert">
              {p}
            </small>
          ))}
          <small id="tool-when-hint" className="muted">
            An expression such as <code>{"steps.findUser == null"}</code>; empty means always.
          </small>
        </div>
        {tool.type === "input" ? <InputFields spec={spec} onChange={onSpecChange} /> : null}
        <ConfigForm
          idPrefix={tool.id}
          schema={type?.configSchema}
          value={tool.config ?? {}}
          onChange={(config, field) => set({ config }, `config.${field}`)}
          scope={scope}
          problems={problems}
        />
        <div className="field">
          <label htmlFor="tool-description">Description</label>
          <input id="tool-description" value={tool.description ?? ""} onChange={(e) => set({ description: e.target.value }, "description")} />
        </div>
        <RawConfig tool={tool} onApply={(config) => set({ config }, "raw")} />
      </form>
      <RunData step={step} />
    </section>
  );
}

/** The id changes when the field is left (or Enter), so references follow one rename. */
function IdInput({ id, onRename }: { id: string; onRename: (id: string) => void }) {
  const [text, setText] = useState(id);
  useEffect(() => setText(id), [id]);
  const commit = () => {
    const clean = text.trim();
    if (clean && clean !== id) onRename(clean);
    else setText(id);
  };
  return (
    <input
      id="tool-id"
      value={text}
      spellCheck={false}
      onChange={(e) => setText(e.target.value)}
      onBlur={commit}
      onKeyDown={(e) => {
        if (e.key === "Enter") {
          e.preventDefault();
          commit();
        }
      }}
    />
  );
}

function RawConfig({ tool, onApply }: { tool: ToolSpec; onApply: (config: JsonObject) => void }) {
  const [text, setText] = useState("{}");
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setText(JSON.stringify(tool.config ?? {}, null, 2));
    setError(null);
  }, [tool]);
  const apply = () => {
    try {
      const parsed: unknown = JSON.parse(text || "{}");
      if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("Config must be a JSON object");
      setError(null);
      onApply(parsed as JsonObject);
    } catch (e) {
      setError(`Config is not valid JSON: ${(e as Error).message}`);
    }
  };
  return (
    <details className="raw-config">
      <summary>Config as JSON</summary>
      <div className="field">
        <label htmlFor="tool-config">Config (JSON)</label>
        <textarea
          id="tool-config"
          className="code"
          value={text}
          rows={Math.min(14, Math.max(4, text.split("\n").length))}
          spellCheck={false}
          onChange={(e) => setText(e.target.value)}
          aria-invalid={error ? true : undefined}
        />
        {error ? (
          <small className="field-error" role="alert">
            {error}
          </small>
        ) : null}
        <button type="button" className="btn btn-secondary btn-small" onClick={apply}>
          Apply
        </button>
      </div>
    </details>
  );
}

/** What the tool did in the last run: its status and duration, its (redacted) input and output. */
function RunData({ step }: { step: StepLog | undefined }) {
  return (
    <section className="run-data" aria-label="Last run of this tool">
      <h3>Last run</h3>
      {!step ? (
        <p className="muted">Run the workflow to see what this tool received and produced.</p>
      ) : (
        <>
          <p>
            <span className={`tool-status status-${step.status}`}>{step.status}</span>
            {step.durationMs !== undefined ? <span className="muted"> in {ms(step.durationMs)}</span> : null}
          </p>
          {step.error !== undefined && step.error !== null ? <JsonView value={step.error} summary="Error" open /> : null}
          <JsonView value={step.input ?? null} summary="Input" open />
          <JsonView value={step.output ?? null} summary="Output" open />
        </>
      )}
    </section>
  );
}
