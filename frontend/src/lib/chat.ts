// The chat's messages: ids, the hand-over from the "new" page to the server's page, and the
// conversation kept in sessionStorage so it survives a reload (per tab, like history).

import type { DiffChange, WorkflowDiff } from "./types";

export interface ChatMessage {
  id: number;
  role: "user" | "assistant";
  text: string;
  intent?: string;
  diff?: WorkflowDiff & { changes?: DiffChange[] };
  error?: boolean;
  /** A run's outcome, shown with the message. */
  run?: { status: number; body: unknown };
}

let nextId = 1;

export function messageId(): number {
  return nextId++;
}

// A server created from the "new" page hands its chat over to the page that shows it.
const handoff = new Map<string, ChatMessage[]>();

export function handOver(serverId: string, messages: ChatMessage[]): void {
  handoff.set(serverId, messages);
}

/** The conversation of a server's page: as kept for this tab, else as handed over. */
export function initialChat(serverId: string): ChatMessage[] {
  const saved = loadChat(serverId);
  return saved.length ? saved : (handoff.get(serverId) ?? []);
}

const KEY = "orchestrix.chat.";

function loadChat(serverId: string): ChatMessage[] {
  try {
    const saved = JSON.parse(window.sessionStorage.getItem(KEY + serverId) ?? "[]") as ChatMessage[];
    if (!Array.isArray(saved)) return [];
    for (const m of saved) nextId = Math.max(nextId, m.id + 1);
    return saved;
  } catch {
    return [];
  }
}

export function saveChat(serverId: string, messages: ChatMessage[]): void {
  try {
    window.sessionStorage.setItem(KEY + serverId, JSON.stringify(messages.slice(-100)));
  } catch {
    // Storage full or disabled: the conversation just does not survive a reload.
  }
}
