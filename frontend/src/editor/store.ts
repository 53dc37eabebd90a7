// The workflow page's own state, one store per page: the draft (with its undo history), the
// chat, the sample input, the last run, the selected tool, what is busy, and the open dialog
// (as data: what to say, not a React element). Server state lives in the query cache.

import { createContext, useContext } from "react";

import type { ChatMessage } from "../lib/chat";
import { emptySpec } from "../lib/edit";
import { emptyHistory, reset, type History } from "../lib/history";
import type { LogType } from "../lib/logs";
import { createStore, useStore, type Store } from "../lib/store";
import type { DeployResult, JsonObject, RunResult, SpecProblem } from "../lib/types";

export type DialogData =
  | { kind: "error"; title: string; message: string; details?: unknown }
  | { kind: "deployed"; title: string; result: DeployResult; copied: boolean; local: boolean }
  | { kind: "confirm-delete"; title: string; toolIds: string[] };

export interface SessionLog {
  id: number;
  time: Date;
  type: LogType;
  message: string;
  details?: unknown;
}

export interface EditorState {
  serverId: string | null;
  /** The version the draft started from (the base of a save). */
  baseVersion: number | null;
  history: History;
  selected: string | null;
  messages: ChatMessage[];
  thinking: boolean;
  input: JsonObject;
  lastRun: RunResult | null;
  runInput: JsonObject | null;
  busy: { run?: boolean; save?: boolean; deploy?: boolean; runtime?: boolean };
  runtimeStatus: string;
  problems: SpecProblem[];
  dialog: DialogData | null;
  logs: SessionLog[];
}

export type EditorStore = Store<EditorState>;

export function createEditor(serverId: string | null, messages: ChatMessage[]): EditorStore {
  return createStore<EditorState>({
    serverId,
    baseVersion: null,
    history: serverId ? emptyHistory : reset(emptySpec()),
    selected: null,
    messages,
    thinking: false,
    input: {},
    lastRun: null,
    runInput: null,
    busy: {},
    runtimeStatus: "stopped",
    problems: [],
    dialog: null,
    logs: [],
  });
}

export const EditorContext = createContext<EditorStore | null>(null);

export function useEditorStore(): EditorStore {
  const store = useContext(EditorContext);
  if (!store) throw new Error("useEditor outside the workflow page");
  return store;
}

export function useEditor<T>(select: (state: EditorState) => T): T {
  return useStore(useEditorStore(), select);
}

let nextLog = 1;

export function log(store: EditorStore, type: LogType, message: string, details?: unknown): void {
  store.set((s) => ({ logs: [...s.logs, { id: nextLog++, time: new Date(), type, message, details }].slice(-300) }));
}
