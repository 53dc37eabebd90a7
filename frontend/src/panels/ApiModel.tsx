import type { JsonValue } from "../lib/types";

/** The order the summary reads in; any other key of the model follows, as it comes. */
const FIRST = ["kind", "entity", "fields", "operations", "relations", "ownership", "auth", "limits", "emails", "calls", "answer", "notCovered"];

export function humanize(key: string): string {
  const words = key.replace(/([a-z])([A-Z])/g, "$1 $2").replace(/[_-]+/g, " ").toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** The builder's API model (`metadata.apiModel`), read generically: whatever it holds, shown as
 * labelled lists. Nothing at all when the spec carries none. */
export function ApiModel({ model }: { model: JsonValue | undefined }) {
  if (!model || typeof model !== "object" || Array.isArray(model)) return null;
  const keys = [...FIRST.filter((k) => k in model), ...Object.keys(model).filter((k) => !FIRST.includes(k))];
  const shown = keys.filter((k) => !isEmpty(model[k]));
  if (!shown.length) return null;
  return (
    <section className="panel-section api-model" aria-label="API model">
      <h2>API model</h2>
      <dl className="api-model-list">
        {shown.map((key) => (
          <div key={key} className={`api-model-${key}${key === "notCovered" ? " api-model-warn" : ""}`}>
            <dt>{key === "notCovered" ? "Not covered" : humanize(key)}</dt>
            <dd>
              <Value value={model[key] ?? null} />
            </dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

function isEmpty(value: JsonValue | undefined): boolean {
  if (value === undefined || value === null || value === "" || value === false) return true;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === "object") return Object.values(value).every(isEmpty);
  return false;
}

function Value({ value }: { value: JsonValue }) {
  if (value === null || typeof value !== "object") return <>{String(value)}</>;
  if (Array.isArray(value)) {
    return (
      <ul>
        {value.map((item, i) => (
          <li key={i}>{item && typeof item === "object" && !Array.isArray(item) ? <Line item={item} /> : <Value value={item} />}</li>
        ))}
      </ul>
    );
  }
  return <Line item={value} />;
}

/** An object as one line: its name first (`name`, `field`, `entity`...), then `key: value`s. */
function Line({ item }: { item: { [key: string]: JsonValue } }) {
  const nameKey = ["name", "field", "entity", "operation", "kind", "type"].find((k) => typeof item[k] === "string");
  const rest = Object.entries(item).filter(([k, v]) => k !== nameKey && !isEmpty(v));
  return (
    <>
      {nameKey ? <strong>{String(item[nameKey])}</strong> : null}
      {rest.map(([k, v], i) => (
        <span key={k} className="api-model-part">
          {nameKey || i ? " · " : ""}
          {typeof v === "boolean" ? humanize(k).toLowerCase() : (
            <>
              {humanize(k).toLowerCase()}: {typeof v === "object" && v !== null ? (Array.isArray(v) && v.every((x) => typeof x !== "object") ? v.join(", ") : JSON.stringify(v)) : String(v)}
            </>
          )}
        </span>
      ))}
    </>
  );
}
