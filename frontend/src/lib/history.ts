// The draft's undo and redo: a list of specs before and after the present one. Edits that come
// one keystroke at a time (a form field) share a `mergeKey` and make one step, not twenty; a
// pause of more than MERGE_MS starts a new step even in the same field.

import type { WorkflowSpec } from "./types";

export interface History {
  past: WorkflowSpec[];
  present: WorkflowSpec | null;
  future: WorkflowSpec[];
  mergeKey: string | null;
  editedAt: number;
}

const LIMIT = 100;
export const MERGE_MS = 1500;

export const emptyHistory: History = { past: [], present: null, future: [], mergeKey: null, editedAt: 0 };

/** A new present (from the server): the history starts again. */
export function reset(spec: WorkflowSpec | null): History {
  return { past: [], present: spec, future: [], mergeKey: null, editedAt: 0 };
}

export function edit(history: History, next: WorkflowSpec, mergeKey: string | null = null, now = Date.now()): History {
  if (!history.present || JSON.stringify(next) === JSON.stringify(history.present)) {
    return history.present ? history : { ...history, present: next };
  }
  if (mergeKey !== null && mergeKey === history.mergeKey && now - history.editedAt < MERGE_MS) {
    return { ...history, present: next, future: [], editedAt: now };
  }
  return {
    past: [...history.past, history.present].slice(-LIMIT),
    present: next,
    future: [],
    mergeKey,
    editedAt: now,
  };
}

export function undo(history: History): History {
  const previous = history.past.at(-1);
  if (!previous || !history.present) return history;
  return {
    past: history.past.slice(0, -1),
    present: previous,
    future: [history.present, ...history.future],
    mergeKey: null,
    editedAt: 0,
  };
}

export function redo(history: History): History {
  const next = history.future[0];
  if (!next || !history.present) return history;
  return {
    past: [...history.past, history.present],
    present: next,
    future: history.future.slice(1),
    mergeKey: null,
    editedAt: 0,
  };
}
