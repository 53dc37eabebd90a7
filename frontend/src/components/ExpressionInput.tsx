import { useId, useMemo, useRef, useState, type KeyboardEvent } from "react";

import { complete, tokenAt } from "../lib/scope";

interface Props {
  id: string;
  value: string;
  onChange: (value: string) => void;
  /** What is in scope at this step: `input.email`, `steps.dbInsert.id`, `headers.authorization`... */
  scope: string[];
  /** A guard (`when`, a rule's `check`) is a bare expression; other fields are templates. */
  bare?: boolean;
  placeholder?: string;
  invalid?: boolean;
  describedBy?: string;
  multiline?: boolean;
  /** An accessible name, when no <label> names the field. */
  label?: string;
  required?: boolean;
}

/** A text field that completes the names in scope, inside `{{ }}` (or anywhere, for a guard). */
export function ExpressionInput({ id, value, onChange, scope, bare, placeholder, invalid, describedBy, multiline, label, required }: Props) {
  const ref = useRef<HTMLInputElement & HTMLTextAreaElement>(null);
  const [caret, setCaret] = useState<number | null>(null);
  const [active, setActive] = useState(0);
  const listId = useId();
  const token = caret === null ? null : tokenAt(value, caret);
  const inside = bare || (caret !== null && insideBraces(value, caret));
  const options = useMemo(() => (token && inside ? complete(scope, token.word) : []), [token, inside, scope]);

  const choose = (option: string) => {
    if (!token || caret === null) return;
    const next = value.slice(0, token.start) + option + value.slice(caret);
    onChange(next);
    const at = token.start + option.length;
    requestAnimationFrame(() => {
      ref.current?.setSelectionRange(at, at);
      setCaret(at);
    });
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (!options.length) return;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      setActive((a) => (a + (e.key === "ArrowDown" ? 1 : options.length - 1)) % options.length);
    } else if (e.key === "Enter" || e.key === "Tab") {
      const option = options[active] ?? options[0];
      if (option) {
        e.preventDefault();
        choose(option);
      }
    } else if (e.key === "Escape") {
      setCaret(null);
    }
  };

  const common = {
    id,
    ref,
    value,
    placeholder,
    spellCheck: false,
    autoComplete: "off",
    className: "expression",
    role: "combobox",
    "aria-autocomplete": "list" as const,
    "aria-expanded": options.length > 0,
    "aria-controls": listId,
    "aria-invalid": invalid || undefined,
    "aria-describedby": describedBy,
    "aria-label": label,
    "aria-required": required || undefined,
    onKeyDown,
    onBlur: () => setTimeout(() => setCaret(null), 120),
    onSelect: (e: React.SyntheticEvent<HTMLInputElement | HTMLTextAreaElement>) => setCaret(e.currentTarget.selectionStart),
    onChange: (e: React.ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) => {
      onChange(e.target.value);
      setCaret(e.target.selectionStart);
      setActive(0);
    },
  };
  return (
    <div className="expression-field">
      {multiline ? <textarea rows={2} {...common} /> : <input {...common} />}
      {options.length ? (
        <ul className="completions" id={listId} role="listbox" aria-label="Completions">
          {options.map((option, i) => (
            <li
              key={option}
              role="option"
              aria-selected={i === active}
              className={i === active ? "is-active" : undefined}
              onMouseDown={(e) => {
                e.preventDefault();
                choose(option);
              }}
            >
              {option}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

function insideBraces(text: string, caret: number): boolean {
  const before = text.slice(0, caret);
  return before.lastIndexOf("{{") > before.lastIndexOf("}}");
}
