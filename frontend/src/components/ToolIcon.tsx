// One small glyph per kind of tool, for the palette and the nodes (inline SVG, decorative).

const PATHS: Record<string, string> = {
  input: "M3 12h12M11 6l6 6-6 6M21 4v16",
  response: "M21 12H9M13 6l-6 6 6 6M3 4v16",
  validation: "M12 3l8 3v6c0 5-3.5 8-8 9-4.5-1-8-4-8-9V6zM8.5 12l2.5 2.5 4.5-5",
  db: "M4 6c0-1.7 3.6-3 8-3s8 1.3 8 3-3.6 3-8 3-8-1.3-8-3zM4 6v12c0 1.7 3.6 3 8 3s8-1.3 8-3V6M4 12c0 1.7 3.6 3 8 3s8-1.3 8-3",
  password: "M6 11h12v9H6zM8 11V8a4 4 0 018 0v3",
  jwt: "M14 10a4 4 0 10-3.5 4H13v2h2v2h3v-3l-3.5-3.5A4 4 0 0014 10z",
  http: "M12 3a9 9 0 100 18 9 9 0 000-18zM3 12h18M12 3c3 3 3 15 0 18M12 3c-3 3-3 15 0 18",
  transform: "M4 7h13l-3-3M20 17H7l3 3",
  email: "M3 6h18v12H3zM3 7l9 6 9-6",
  limit: "M12 21a9 9 0 110-18 9 9 0 010 18zM12 7v5l3 2",
  tool: "M12 3l9 5v8l-9 5-9-5V8z",
};

export function iconKind(type: string): string {
  if (type.startsWith("db")) return "db";
  if (type === "hashPassword" || type === "verifyPassword") return "password";
  if (type.startsWith("jwt")) return "jwt";
  if (type === "httpRequest") return "http";
  if (type === "sendEmail") return "email";
  if (type === "rateLimit") return "limit";
  return type in PATHS ? type : "tool";
}

export function ToolIcon({ type, size = 18 }: { type: string; size?: number }) {
  const kind = iconKind(type);
  return (
    <svg
      className={`tool-icon tool-icon-${kind}`}
      width={size}
      height={size}
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth={1.8}
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
      focusable="false"
    >
      <path d={PATHS[kind]} />
    </svg>
  );
}
