// Entries of the execution-logs panel: what happened, when, how it went, with JSON details.

import { useCallback, useMemo, useState } from "react";

import type { RunResult } from "./types";

export type LogType = "info" | "success" | "error";

export interface LogEntry {
  id: number;
  time: Date;
  type: LogType;
  message: string;
  details?: unknown;
}

let nextId = 1;

export function useLogs() {
  const [entries, setEntries] = useState<LogEntry[]>([]);
  const add = useCallback((type: LogType, message: string, details?: unknown) => {
    setEntries((prev) => [...prev, { id: nextId++, time: new Date(), type, message, details }].slice(-500));
  }, []);
  const addRun = useCallback((result: RunResult, label = "Run") => {
    const ok = result.status < 400;
    const total = result.durationMs ?? sumDurations(result);
    const batch: LogEntry[] = [
      {
        id: nextId++,
        time: new Date(),
        type: ok ? "success" : "error",
        message: `${label} finished with status ${result.status}${total !== undefined ? ` in ${ms(total)}` : ""}${ok ? "" : errorOf(result.body)}`,
        details: { status: result.status, body: result.body },
      },
    ];
    for (const step of result.logs ?? []) {
      const failed = step.status === "error" || step.status === "failed";
      batch.push({
        id: nextId++,
        time: new Date(),
        type: failed ? "error" : step.status === "skipped" ? "info" : "success",
        message: `Step ${step.id} (${step.type}) ${step.status}${step.durationMs !== undefined ? ` in ${ms(step.durationMs)}` : ""}`,
        details: { input: step.input, output: step.output, ...(step.error ? { error: step.error } : {}) },
      });
    }
    setEntries((prev) => [...prev, ...batch].slice(-500));
  }, []);
  const clear = useCallback(() => setEntries([]), []);
  return useMemo(() => ({ entries, add, addRun, clear }), [entries, add, addRun, clear]);
}

/** ": Validation failed (3 problems)" from an `{error, details}` body, or nothing. */
function errorOf(body: unknown): string {
  if (!body || typeof body !== "object" || Array.isArray(body)) return "";
  const { error, details } = body as { error?: unknown; details?: unknown };
  if (typeof error !== "string") return "";
  const n = Array.isArray(details) ? details.length : 0;
  return `: ${error}${n > 1 ? ` (${n} problems)` : n === 1 ? " (1 problem)" : ""}`;
}

function sumDurations(result: RunResult): number | undefined {
  if (!result.logs?.length) return undefined;
  return result.logs.reduce((acc, step) => acc + (step.durationMs ?? 0), 0);
}

export function ms(value: number): string {
  return value < 10 ? `${value.toFixed(2)} ms` : `${Math.round(value)} ms`;
}
