import type { JsonSchema, WorkflowSpec } from "../lib/types";

const TYPES = ["string", "integer", "number", "boolean"];
const FORMATS = ["", "email", "date", "date-time", "uri", "uuid"];

/** The `input` tool's settings are the workflow's input schema: its fields, types, rules. */
export function InputFields({ spec, onChange }: { spec: WorkflowSpec; onChange: (next: WorkflowSpec, key: string) => void }) {
  const schema = spec.inputSchema ?? { type: "object", properties: {} };
  const props = Object.entries(schema.properties ?? {});
  const required = new Set(schema.required ?? []);
  const write = (entries: [string, JsonSchema][], req: Set<string>, key: string) => {
    const names = new Set(entries.map(([n]) => n));
    onChange({ ...spec, inputSchema: { ...schema, type: "object", properties: Object.fromEntries(entries), required: [...req].filter((n) => names.has(n)) } }, key);
  };
  const update = (index: number, name: string, field: JsonSchema, isRequired: boolean) => {
    const entries = props.map((e, i): [string, JsonSchema] => (i === index ? [name, field] : e));
    const req = new Set([...required].filter((n) => n !== props[index]?.[0]));
    if (isRequired) req.add(name);
    write(entries, req, `inputSchema.${index}`);
  };
  const add = () => {
    let name = "field";
    for (let n = 2; props.some(([p]) => p === name); n++) name = `field${n}`;
    write([...props, [name, { type: "string" }]], required, "inputSchema.add");
  };
  return (
    <fieldset className="input-fields">
      <legend>Input fields</legend>
      {props.length === 0 ? <p className="muted">No fields yet: the request body is passed as is.</p> : null}
      {props.map(([name, field], i) => {
        const type = typeof field.type === "string" ? field.type : "string";
        const n = i + 1;
        return (
          <div className="input-field-row" key={i}>
            <input aria-label={`Field ${n} name`} value={name} spellCheck={false} onChange={(e) => update(i, e.target.value, field, required.has(name))} />
            <select aria-label={`Field ${n} type`} value={type} onChange={(e) => update(i, name, { ...field, type: e.target.value }, required.has(name))}>
              {TYPES.map((t) => (
                <option key={t}>{t}</option>
              ))}
            </select>
            {type === "string" ? (
              <select
                aria-label={`Field ${n} format`}
                value={field.format ?? ""}
                onChange={(e) => {
                  const { format: _, ...rest } = field;
                  update(i, name, e.target.value ? { ...rest, format: e.target.value } : rest, required.has(name));
                }}
              >
                {FORMATS.map((f) => (
                  <option key={f} value={f}>
                    {f || "any text"}
                  </option>
                ))}
              </select>
            ) : (
              <span />
            )}
            <label className="field-inline">
              <input type="checkbox" checked={required.has(name)} onChange={(e) => update(i, name, field, e.target.checked)} aria-label={`Field ${n} required`} />
              req.
            </label>
            <button type="button" className="btn btn-ghost btn-small" aria-label={`Remove field ${name}`} onClick={() => write(props.filter((_, j) => j !== i), required, "inputSchema.remove")}>
              ✕
            </button>
          </div>
        );
      })}
      <button type="button" className="btn btn-ghost btn-small" onClick={add}>
        + Add input field
      </button>
    </fieldset>
  );
}
