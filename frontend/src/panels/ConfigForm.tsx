import { useEffect, useState } from "react";

import { ExpressionInput } from "../components/ExpressionInput";
import { fieldsOf, type FieldInfo } from "../lib/schema";
import type { JsonObject, JsonSchema, JsonValue } from "../lib/types";

interface Props {
  /** Prefix of the controls' ids (the tool's id). */
  idPrefix: string;
  schema: JsonSchema | undefined;
  value: JsonObject;
  onChange: (next: JsonObject, field: string) => void;
  scope: string[];
  problems: Record<string, string[]>;
}

/** A tool's config as a form generated from its JSON Schema: a control per property, by type. */
export function ConfigForm({ idPrefix, schema, value, onChange, scope, problems }: Props) {
  const fields = fieldsOf(schema);
  if (!fields.length) return <p className="muted">This tool has no settings.</p>;
  const set = (name: string, v: JsonValue | undefined) => {
    const next = { ...value };
    if (v === undefined) delete next[name];
    else next[name] = v;
    onChange(next, name);
  };
  return (
    <>
      {fields.map((field) => (
        <ConfigField
          key={field.name}
          id={`cfg-${idPrefix}-${field.name}`}
          field={field}
          value={value[field.name]}
          onChange={(v) => set(field.name, v)}
          scope={scope}
          problems={problems[field.name] ?? []}
        />
      ))}
    </>
  );
}

function ConfigField({
  id,
  field,
  value,
  onChange,
  scope,
  problems,
}: {
  id: string;
  field: FieldInfo;
  value: JsonValue | undefined;
  onChange: (v: JsonValue | undefined) => void;
  scope: string[];
  problems: string[];
}) {
  const problemId = `${id}-problem`;
  const hintId = `${id}-hint`;
  const invalid = problems.length > 0;
  const describedBy = [invalid ? problemId : "", field.description ? hintId : ""].filter(Boolean).join(" ") || undefined;
  const label = (
    <label htmlFor={id}>
      {field.name}
      {field.required ? (
        <span className="required" aria-hidden="true">
          {" "}
          *
        </span>
      ) : null}
    </label>
  );
  const placeholder = field.schema.default !== undefined && field.schema.default !== null ? `default: ${JSON.stringify(field.schema.default)}` : undefined;
  const aria = { "aria-invalid": invalid || undefined, "aria-describedby": describedBy, "aria-required": field.required || undefined };
  let control: React.ReactNode;
  // A body of any type is edited as rows while it is a flat object; anything nested, as JSON.
  let kind = field.kind === "json" && !field.schema.type && (value === undefined || value === null || isFlatObject(value)) ? "map" : field.kind;
  if (kind === "map" && value !== undefined && value !== null && !isFlatObject(value)) kind = "json";
  switch (kind) {
    case "enum":
      control = (
        <select id={id} {...aria} value={value === undefined ? "" : String(value)} onChange={(e) => onChange(e.target.value === "" ? undefined : (field.options?.find((o) => String(o) === e.target.value) ?? e.target.value))}>
          {!field.required ? <option value="">{placeholder ?? "—"}</option> : null}
          {field.options?.map((o) => (
            <option key={String(o)} value={String(o)}>
              {String(o)}
            </option>
          ))}
        </select>
      );
      break;
    case "boolean":
      control = <input id={id} type="checkbox" {...aria} checked={value === true} onChange={(e) => onChange(e.target.checked)} />;
      break;
    case "integer":
    case "number":
      control = typeof value === "string" ? (
        <ExpressionInput id={id} value={value} onChange={onChange} scope={scope} invalid={invalid} describedBy={describedBy} />
      ) : (
        <input
          id={id}
          type="number"
          {...aria}
          placeholder={placeholder}
          value={value === undefined || value === null ? "" : String(value)}
          min={field.schema.minimum}
          max={field.schema.maximum}
          step={kind === "integer" ? 1 : "any"}
          onChange={(e) => onChange(e.target.value === "" ? undefined : Number(e.target.value))}
        />
      );
      break;
    case "list":
      control = (
        <ListInput id={id} aria={aria} value={Array.isArray(value) ? value.map(String) : []} onChange={(list) => onChange(list.length ? list : field.required ? [] : undefined)} />
      );
      break;
    case "map":
      control = <MapEditor id={id} name={field.name} value={isFlatObject(value) ? (value as JsonObject) : {}} onChange={(m) => onChange(m)} scope={scope} />;
      break;
    case "text":
      control = (
        <ExpressionInput
          id={id}
          value={value === undefined || value === null ? "" : typeof value === "string" ? value : JSON.stringify(value)}
          onChange={(v) => onChange(v === "" && !field.required ? undefined : v)}
          scope={scope}
          placeholder={placeholder}
          invalid={invalid}
          describedBy={describedBy}
          required={field.required}
        />
      );
      break;
    default:
      control = <JsonInput id={id} aria={aria} value={value} onChange={onChange} />;
  }
  return (
    <div className={`field${kind === "boolean" ? " field-inline" : ""}`}>
      {kind === "boolean" ? (
        <>
          {control}
          {label}
        </>
      ) : (
        <>
          {label}
          {control}
        </>
      )}
      {problems.map((p, i) => (
        <small key={i} className="field-problem" id={i === 0 ? problemId : undefined} role="alert">
          {p}
        </small>
      ))}
      {field.description ? (
        <small className="muted" id={hintId}>
          {field.description}
        </small>
      ) : null}
    </div>
  );
}

function isFlatObject(value: unknown): boolean {
  return Boolean(value) && typeof value === "object" && !Array.isArray(value) && Object.values(value as object).every((v) => v === null || typeof v !== "object");
}

type Aria = { "aria-invalid"?: boolean; "aria-describedby"?: string; "aria-required"?: boolean };

function ListInput({ id, aria, value, onChange }: { id: string; aria: Aria; value: string[]; onChange: (v: string[]) => void }) {
  const [text, setText] = useState(value.join(", "));
  useEffect(() => {
    if (text.split(",").map((s) => s.trim()).filter(Boolean).join() !== value.join()) setText(value.join(", "));
    // eslint-disable-next-line react-hooks/exhaustive-deps -- only when the value changes from outside
  }, [value.join()]);
  return (
    <input
      id={id}
      {...aria}
      value={text}
      placeholder="comma, separated"
      onChange={(e) => {
        setText(e.target.value);
        onChange(e.target.value.split(",").map((s) => s.trim()).filter(Boolean));
      }}
    />
  );
}

function JsonInput({ id, aria, value, onChange }: { id: string; aria: Aria; value: JsonValue | undefined; onChange: (v: JsonValue | undefined) => void }) {
  const [text, setText] = useState(value === undefined ? "" : JSON.stringify(value, null, 2));
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    try {
      if (JSON.stringify(text.trim() ? JSON.parse(text) : undefined) === JSON.stringify(value)) return;
    } catch {
      /* the text is being typed: replaced below by the value from outside */
    }
    setText(value === undefined ? "" : JSON.stringify(value, null, 2));
    // eslint-disable-next-line react-hooks/exhaustive-deps -- only when the value changes from outside
  }, [JSON.stringify(value)]);
  return (
    <>
      <textarea
        id={id}
        className="code"
        {...aria}
        aria-invalid={error ? true : aria["aria-invalid"]}
        rows={Math.min(10, Math.max(2, text.split("\n").length))}
        spellCheck={false}
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          if (!e.target.value.trim()) {
            setError(null);
            onChange(undefined);
            return;
          }
          try {
            onChange(JSON.parse(e.target.value) as JsonValue);
            setError(null);
          } catch (err) {
            setError(`Not valid JSON yet: ${(err as Error).message}`);
          }
        }}
      />
      {error ? <small className="field-error">{error}</small> : null}
    </>
  );
}

/** An object of named values (a document, a body, headers): one row per key. */
function MapEditor({ id, name, value, onChange, scope }: { id: string; name: string; value: JsonObject; onChange: (v: JsonObject) => void; scope: string[] }) {
  const rows = Object.entries(value);
  const setRow = (index: number, key: string, v: JsonValue) => {
    const next: JsonObject = {};
    rows.forEach(([k, old], i) => {
      if (i === index) next[key] = v;
      else next[k] = old ?? null;
    });
    onChange(next);
  };
  const remove = (index: number) => onChange(Object.fromEntries(rows.filter((_, i) => i !== index)) as JsonObject);
  const add = () => onChange({ ...value, [freeKey(value)]: "" });
  return (
    <div className="map-editor" id={id} role="group" aria-label={name}>
      {rows.map(([key, v], i) => (
        <div className="map-row" key={i}>
          <input aria-label={`${name} key ${i + 1}`} value={key} onChange={(e) => setRow(i, e.target.value, v ?? null)} spellCheck={false} />
          <ExpressionInput
            id={`${id}-${i}`}
            value={typeof v === "string" ? v : JSON.stringify(v)}
            onChange={(text) => setRow(i, key, typeof v === "string" ? text : parseLoose(text))}
            scope={scope}
            label={`${name} ${key}`}
            placeholder="{{ input.… }}"
          />
          <button type="button" className="btn btn-ghost btn-small" onClick={() => remove(i)} aria-label={`Remove ${name} ${key}`}>
            ✕
          </button>
        </div>
      ))}
      <button type="button" className="btn btn-ghost btn-small" onClick={add}>
        + Add to {name}
      </button>
    </div>
  );
}

function freeKey(value: JsonObject): string {
  if (!("field" in value)) return "field";
  for (let n = 2; ; n++) if (!(`field${n}` in value)) return `field${n}`;
}

function parseLoose(text: string): JsonValue {
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    return text;
  }
}
