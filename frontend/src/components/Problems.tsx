// An error's details as a readable list: "email: email must be a valid email address".

export interface Problem {
  field?: string;
  message: string;
}

/** The `details` of an `{error, details}` body as problems, when they are a list of messages. */
export function problemsOf(details: unknown): Problem[] {
  if (!Array.isArray(details)) return [];
  const out: Problem[] = [];
  for (const item of details) {
    if (typeof item === "string") out.push({ message: item });
    else if (item && typeof item === "object" && typeof (item as { message?: unknown }).message === "string") {
      const { field, path, message } = item as { field?: unknown; path?: unknown; message: string };
      const where = typeof field === "string" ? field : Array.isArray(path) ? path.join(".") : typeof path === "string" ? path : undefined;
      out.push({ field: where || undefined, message });
    }
  }
  return out;
}

export function Problems({ problems, label = "Problems" }: { problems: Problem[]; label?: string }) {
  if (!problems.length) return null;
  return (
    <ul className="problems" aria-label={label}>
      {problems.map((p, i) => (
        <li key={`${i}:${p.field ?? ""}`}>
          {p.field ? <code>{p.field}</code> : null}
          <span>{p.message}</span>
        </li>
      ))}
    </ul>
  );
}
