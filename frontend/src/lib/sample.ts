// Sample data for a JSON Schema: what the input form starts with, so "Run" works at once.

import type { JsonObject, JsonSchema, JsonValue } from "./types";

const BY_NAME: [RegExp, string][] = [
  [/e-?mail/i, "ada@example.com"],
  [/password|secret|passphrase/i, "correct-horse-1"],
  [/phone|mobile|tel/i, "+15551234567"],
  [/^(full_?)?name$|first_?name|user_?name/i, "Ada Lovelace"],
  [/last_?name|surname/i, "Lovelace"],
  [/url|website|link/i, "https://example.com"],
  [/title|subject/i, "Hello"],
  [/message|body|comment|content|text|description|note/i, "Hello from Orchestrix"],
  [/token/i, "token"],
  [/code|sku/i, "ABC-123"],
];

function uniqueEmail(): string {
  // A fresh address per page load, so a second sample run does not hit "already taken".
  return `ada+${Date.now().toString(36)}@example.com`;
}

export function sampleValue(name: string, schema: JsonSchema): JsonValue {
  if (schema.default !== undefined) return schema.default;
  if (schema.enum?.length) return schema.enum[0] ?? null;
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== "null") : schema.type;
  switch (type) {
    case "integer":
    case "number": {
      const min = schema.minimum ?? 1;
      const max = schema.maximum ?? Math.max(min, 42);
      return Math.min(max, Math.max(min, type === "integer" ? Math.round((min + max) / 2) : min));
    }
    case "boolean":
      return true;
    case "array":
      return [];
    case "object":
      return sampleObject(schema);
    default:
      return sampleString(name, schema);
  }
}

function sampleString(name: string, schema: JsonSchema): string {
  switch (schema.format) {
    case "email":
      return uniqueEmail();
    case "date":
      return new Date().toISOString().slice(0, 10);
    case "date-time":
      return new Date().toISOString();
    case "uri":
    case "url":
      return "https://example.com";
    case "uuid":
      return "00000000-0000-4000-8000-000000000000";
  }
  let value = BY_NAME.find(([re]) => re.test(name))?.[1] ?? "example";
  if (/e-?mail/i.test(name)) value = uniqueEmail();
  if (schema.minLength && value.length < schema.minLength) {
    value = value.padEnd(schema.minLength, "x");
  }
  if (schema.maxLength && value.length > schema.maxLength) value = value.slice(0, schema.maxLength);
  return value;
}

export function sampleObject(schema: JsonSchema | undefined): JsonObject {
  const out: JsonObject = {};
  for (const [name, prop] of Object.entries(schema?.properties ?? {})) {
    out[name] = sampleValue(name, prop);
  }
  return out;
}
