import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from "react";

import { Button } from "../components/Button";
import { SendIcon } from "../components/Icons";
import { Spinner } from "../components/Spinner";
import { JsonView } from "../components/JsonView";
import type { ChatMessage } from "../lib/chat";
import type { DiffChange, WorkflowDiff } from "../lib/types";

const EXAMPLES_NEW = ["create a sign up api", "a todo list with title, priority and due date", "a contact form that emails me"];
const EXAMPLES_EDIT = ["add a phone number field", "also send a welcome email", "limit it to 5 requests per minute", "what does this do?"];

/** Prompts and mutations go through the supervisor; Enter sends, Shift+Enter adds a line. */
interface Props {
  messages: ChatMessage[];
  thinking: boolean;
  hasServer: boolean;
  onSend: (text: string) => void;
}

export function ChatPanel({ messages, thinking, hasServer, onSend }: Props) {
  const [text, setText] = useState("");
  const listRef = useRef<HTMLOListElement>(null);
  const inputRef = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    const list = listRef.current;
    if (list) list.scrollTop = list.scrollHeight;
  }, [messages.length, thinking]);

  useEffect(() => {
    if (!hasServer) inputRef.current?.focus();
  }, [hasServer]);

  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    if (!text.trim() || thinking) return;
    onSend(text);
    setText("");
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) submit(event);
  };

  const examples = hasServer ? EXAMPLES_EDIT : EXAMPLES_NEW;

  return (
    <section className="chat" aria-label="Chat">
      <ol className="chat-messages" ref={listRef} aria-live="polite" aria-label="Conversation">
        {messages.length === 0 ? (
          <li className="chat-empty">
            <p>{hasServer ? "Ask for a change, a run, or an explanation." : "Describe the API you want."}</p>
            <div className="chips">
              {examples.map((example) => (
                <button type="button" key={example} className="chip" onClick={() => setText(example)}>
                  {example}
                </button>
              ))}
            </div>
          </li>
        ) : null}
        {messages.map((m) => (
          <li key={m.id} className={`chat-message chat-${m.role}${m.error ? " chat-error" : ""}`}>
            <span className="visually-hidden">{m.role === "user" ? "You:" : "Orchestrix:"}</span>
            <p>{m.diff && diffItems(m.diff).length ? withoutChangeList(m.text) : m.text}</p>
            {m.diff ? <DiffView diff={m.diff} /> : null}
            {m.run ? (
              <div className={`chat-run ${m.run.status < 400 ? "status-ok" : "status-error"}`}>
                <span className="status-code">{m.run.status}</span>
                <JsonView value={m.run.body} summary="Answer" open={m.run.status >= 400} />
              </div>
            ) : null}
          </li>
        ))}
        {thinking ? (
          <li className="chat-message chat-assistant chat-thinking">
            <Spinner label="Orchestrix is thinking" /> Thinking…
          </li>
        ) : null}
      </ol>
      <form className="chat-form" onSubmit={submit}>
        <label htmlFor="chat-input" className="visually-hidden">
          Message
        </label>
        <textarea
          id="chat-input"
          ref={inputRef}
          value={text}
          rows={2}
          placeholder={hasServer ? "e.g. add a phone number field" : "e.g. create a sign up api"}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={onKeyDown}
        />
        <Button type="submit" variant="primary" disabled={!text.trim() || thinking} aria-label="Send message" icon={<SendIcon />} />
      </form>
    </section>
  );
}

const DIFF_PARTS: [keyof WorkflowDiff, string, string][] = [
  ["addedTools", "+", "added tool"],
  ["removedTools", "−", "removed tool"],
  ["changedTools", "~", "changed tool"],
  ["addedFields", "+", "added field"],
  ["removedFields", "−", "removed field"],
  ["changedFields", "~", "changed field"],
];

type Diff = WorkflowDiff & { changes?: DiffChange[] };

/** The supervisor's reply ends with "Changes: ~ tool ...; + field ..." for plain-text clients;
 * where the diff is listed below the message, the page shows that list once, not twice. */
function withoutChangeList(text: string): string {
  return text.replace(/\s*Changes: [\s\S]*$/, "");
}

function diffItems(diff: Diff) {
  // The builder's own list of changes says the most ("+ field phone: string, optional");
  // the per-kind lists are the fallback.
  return diff.changes?.length
    ? diff.changes.map((c, i) => ({
        key: `${i}:${c.kind}:${c.name}`,
        kind: c.action,
        label: `${c.action} ${c.kind}`,
        name: c.name,
        detail: c.detail,
      }))
    : DIFF_PARTS.flatMap(([key, , label]) =>
        (diff[key] ?? []).map((name) => ({
          key: `${key}:${name}`,
          kind: key.startsWith("added") ? "added" : key.startsWith("removed") ? "removed" : "changed",
          label,
          name,
          detail: "",
        })),
      );
}

function DiffView({ diff }: { diff: Diff }) {
  const items = diffItems(diff);
  if (!items.length) return null;
  return (
    <ul className="diff" aria-label="Changes">
      {items.map((item) => (
        <li key={item.key} className={`diff-${item.kind}`}>
          <span aria-hidden="true">{SIGNS[item.kind] ?? "~"}</span> {item.label} <code>{item.name}</code>
          {item.detail ? <span className="muted">: {item.detail}</span> : null}
        </li>
      ))}
    </ul>
  );
}

const SIGNS: Record<string, string> = { added: "+", removed: "−", changed: "~" };
