// What the node inspector reads from a tool's config JSON Schema (pydantic's output): the kind
// of control each property needs, its defaults, and whether it is required.

import type { JsonObject, JsonSchema, JsonValue } from "./types";

export type FieldKind = "text" | "number" | "integer" | "boolean" | "enum" | "list" | "map" | "json";

export interface FieldInfo {
  name: string;
  kind: FieldKind;
  schema: JsonSchema;
  required: boolean;
  title: string;
  description?: string;
  options?: JsonValue[];
}

/** The schema with `$ref` to its own `$defs` resolved, and `X | null` taken as X. */
export function resolve(schema: JsonSchema, root: JsonSchema = schema): JsonSchema {
  if (schema.$ref?.startsWith("#/$defs/")) {
    const target = root.$defs?.[schema.$ref.slice("#/$defs/".length)];
    if (target) return { ...target, description: schema.description ?? target.description };
  }
  if (schema.anyOf) {
    const real = schema.anyOf.filter((s) => s.type !== "null");
    if (real.length === 1 && real[0]) return { ...resolve(real[0], root), description: schema.description, default: schema.default };
  }
  return schema;
}

function typeOf(schema: JsonSchema): string | undefined {
  return Array.isArray(schema.type) ? schema.type.find((t) => t !== "null") : schema.type;
}

export function kindOf(schema: JsonSchema, root: JsonSchema): FieldKind {
  // `object | null` (e.g. validation's own `schema`): a document of its own, edited as JSON.
  const nullable = schema.anyOf?.some((a) => a.type === "null");
  if (nullable && schema.anyOf?.some((a) => a.type === "object")) return "json";
  const s = resolve(schema, root);
  if (s.enum?.length) return "enum";
  const type = typeOf(s);
  if (type === "string") return "text";
  if (type === "integer") return "integer";
  if (type === "number") return "number";
  if (type === "boolean") return "boolean";
  if (type === "array" && typeOf(resolve(s.items ?? {}, root)) === "string") return "list";
  if (type === "object" && s.additionalProperties !== false && !s.properties) return "map";
  if (s.anyOf?.some((a) => typeOf(a) === "string")) return "text"; // e.g. string | boolean
  return "json";
}

export function fieldsOf(schema: JsonSchema | undefined): FieldInfo[] {
  if (!schema?.properties) return [];
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties).map(([name, prop]) => {
    const kind = kindOf(prop, schema);
    const resolved = resolve(prop, schema);
    return {
      name,
      kind,
      schema: resolved,
      required: required.has(name),
      title: prop.title ?? resolved.title ?? name,
      description: prop.description ?? resolved.description,
      options: kind === "enum" ? resolved.enum : undefined,
    };
  });
}

/** A config a new tool starts with: every default, and an empty value for what is required. */
export function defaultsOf(schema: JsonSchema | undefined): JsonObject {
  const out: JsonObject = {};
  for (const field of fieldsOf(schema)) {
    const d = field.schema.default ?? schemaDefault(schema, field.name);
    if (d !== undefined && d !== null) out[field.name] = d;
    else if (field.required) out[field.name] = emptyOf(field.kind);
  }
  return out;
}

function schemaDefault(schema: JsonSchema | undefined, name: string): JsonValue | undefined {
  return schema?.properties?.[name]?.default;
}

function emptyOf(kind: FieldKind): JsonValue {
  switch (kind) {
    case "number":
    case "integer":
      return 0;
    case "boolean":
      return false;
    case "list":
      return [];
    case "map":
      return {};
    default:
      return "";
  }
}

/** The problems of one tool, by config field: `tools[3].config.document.email` → document. */
export function problemsByField(
  problems: { path: string; message: string; toolId?: string | null }[],
  toolId: string,
  toolIndex: number,
): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const prefixes = [`tools[${toolIndex}].`, `tools.${toolIndex}.`];
  for (const p of problems) {
    const mine = p.toolId === toolId || prefixes.some((x) => p.path.startsWith(x));
    if (!mine) continue;
    const rest = prefixes.reduce((path, x) => (path.startsWith(x) ? path.slice(x.length) : path), p.path);
    const match = /^config[.[]([A-Za-z0-9_]+)/.exec(rest);
    const key = match?.[1] ?? (rest.startsWith("when") ? "when" : rest.startsWith("id") ? "id" : "");
    (out[key] ??= []).push(p.message);
  }
  return out;
}
