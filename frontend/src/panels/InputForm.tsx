import { useState } from "react";

import { JsonView } from "../components/JsonView";
import { Problems, problemsOf, type Problem } from "../components/Problems";
import type { JsonObject, JsonSchema, JsonValue, RunResult } from "../lib/types";

interface Props {
  schema: JsonSchema | undefined;
  value: JsonObject;
  onChange: (next: JsonObject) => void;
  onReset: () => void;
  onRun: () => void;
  disabled: boolean;
  lastRun?: RunResult | null;
  /** The input the last run was given: a field's problem shows while its value is still that. */
  runInput?: JsonObject | null;
}

/** The input schema as a form, filled with sample data; Enter in a field runs the workflow. */
export function InputForm({ schema, value, onChange, onReset, onRun, disabled, lastRun, runInput }: Props) {
  const props = Object.entries(schema?.properties ?? {});
  const required = new Set(schema?.required ?? []);
  const problems = lastRun && lastRun.status >= 400 ? problemsOf(bodyOf(lastRun).details) : [];
  const byField = new Map<string, string>();
  for (const p of problems) {
    if (!p.field || byField.has(p.field)) continue;
    const stale = runInput && JSON.stringify(runInput[p.field] ?? null) !== JSON.stringify(value[p.field] ?? null);
    if (!stale) byField.set(p.field, p.message);
  }
  const set = (name: string, v: JsonValue) => onChange({ ...value, [name]: v });

  return (
    <section className="panel-section input-form" aria-label="Sample input">
      <div className="section-title">
        <h2>Sample input</h2>
        <button type="button" className="btn btn-ghost btn-small" onClick={onReset} disabled={disabled}>
          Reset sample
        </button>
      </div>
      {props.length === 0 ? <p className="muted">This workflow takes no input.</p> : null}
      <form
        className="form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          if (!disabled) onRun();
        }}
      >
        {props.map(([name, prop]) => (
          <Field
            key={name}
            name={name}
            schema={prop}
            required={required.has(name)}
            value={value[name]}
            problem={byField.get(name)}
            onChange={(v) => set(name, v)}
          />
        ))}
        {/* A hidden submit button makes Enter in any field submit the form. */}
        <button type="submit" hidden tabIndex={-1} aria-hidden="true" />
      </form>
      {lastRun ? <LastResponse run={lastRun} problems={problems} /> : null}
    </section>
  );
}

function bodyOf(run: RunResult): { error?: unknown; message?: unknown; details?: unknown } {
  return run.body && typeof run.body === "object" && !Array.isArray(run.body) ? run.body : {};
}

/** The last run's answer: its status, and for an error the message and every problem listed. */
function LastResponse({ run, problems }: { run: RunResult; problems: Problem[] }) {
  const ok = run.status < 400;
  const body = bodyOf(run);
  const message = typeof body.error === "string" ? body.error : typeof body.message === "string" ? body.message : null;
  return (
    <div className={`last-response ${ok ? "last-response-ok" : "last-response-error"}`} role="status" aria-label="Last response">
      <div className="last-response-head">
        <span className="last-response-label">Last response</span>
        <span className={`status-code ${ok ? "status-ok" : "status-error"}`}>{run.status}</span>
        {!ok && message ? <span className="last-response-message">{message}</span> : null}
      </div>
      {!ok && problems.length ? (
        <Problems problems={problems} label="Problems in the input" />
      ) : (
        <JsonView value={run.body} summary="Body" open={!ok} />
      )}
    </div>
  );
}

function Field({
  name,
  schema,
  required,
  value,
  problem,
  onChange,
}: {
  name: string;
  schema: JsonSchema;
  required: boolean;
  value: JsonValue | undefined;
  problem?: string;
  onChange: (v: JsonValue) => void;
}) {
  const id = `input-${name}`;
  const errorId = `${id}-problem`;
  const invalid = problem
    ? { "aria-invalid": true as const, "aria-describedby": errorId }
    : {};
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== "null") : schema.type;
  const hint = describe(schema);
  const label = (
    <label htmlFor={id}>
      {name}
      {required ? (
        <span className="required" aria-hidden="true">
          {" "}
          *
        </span>
      ) : null}
    </label>
  );
  let control: React.ReactNode;
  if (schema.enum?.length) {
    control = (
      <select id={id} {...invalid} aria-required={required || undefined} value={String(value ?? "")} onChange={(e) => onChange(schema.enum?.find((o) => String(o) === e.target.value) ?? e.target.value)}>
        {schema.enum.map((option) => (
          <option key={String(option)} value={String(option)}>
            {String(option)}
          </option>
        ))}
      </select>
    );
  } else if (type === "boolean") {
    return (
      <div className="field field-inline">
        <input id={id} type="checkbox" checked={value === true} onChange={(e) => onChange(e.target.checked)} />
        {label}
      </div>
    );
  } else if (type === "integer" || type === "number") {
    control = (
      <input
        id={id}
        {...invalid}
        type="number"
        aria-required={required || undefined}
        value={value === null || value === undefined ? "" : String(value)}
        min={schema.minimum}
        max={schema.maximum}
        step={type === "integer" ? 1 : "any"}
        onChange={(e) => onChange(e.target.value === "" ? null : Number(e.target.value))}
      />
    );
  } else if (type === "object" || type === "array") {
    return <JsonField id={id} label={label} value={value ?? (type === "array" ? [] : {})} onChange={onChange} />;
  } else {
    control = (
      <input
        id={id}
        {...invalid}
        type={schema.format === "email" ? "email" : schema.format === "date" ? "date" : "text"}
        value={value === null || value === undefined ? "" : String(value)}
        autoComplete="off"
        aria-required={required || undefined}
        onChange={(e) => onChange(e.target.value)}
      />
    );
  }
  return (
    <div className="field">
      {label}
      {control}
      {problem ? (
        <small className="field-problem" id={errorId}>
          {problem}
        </small>
      ) : null}
      {hint ? <small className="muted">{hint}</small> : null}
    </div>
  );
}

function JsonField({ id, label, value, onChange }: { id: string; label: React.ReactNode; value: JsonValue; onChange: (v: JsonValue) => void }) {
  const [text, setText] = useState(JSON.stringify(value, null, 2));
  const [error, setError] = useState(false);
  return (
    <div className="field">
      {label}
      <textarea
        id={id}
        className="code"
        rows={3}
        value={text}
        aria-invalid={error || undefined}
        onChange={(e) => {
          setText(e.target.value);
          try {
            onChange(JSON.parse(e.target.value) as JsonValue);
            setError(false);
          } catch {
            setError(true);
          }
        }}
      />
    </div>
  );
}

function describe(schema: JsonSchema): string {
  const parts: string[] = [];
  if (schema.format) parts.push(schema.format);
  if (schema.minLength !== undefined) parts.push(`at least ${characters(schema.minLength)}`);
  if (schema.maxLength !== undefined) parts.push(`at most ${characters(schema.maxLength)}`);
  if (schema.minimum !== undefined) parts.push(`≥ ${schema.minimum}`);
  if (schema.maximum !== undefined) parts.push(`≤ ${schema.maximum}`);
  return parts.join(", ");
}

function characters(n: number): string {
  return n === 1 ? "1 character" : `${n} characters`;
}
