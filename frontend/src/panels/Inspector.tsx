import { useEffect, useState } from "react";

import { Button } from "../components/Button";
import type { JsonObject, ToolSpec } from "../lib/types";

interface Props {
  tool: ToolSpec | null;
  onApply: (next: ToolSpec) => void;
  onClose: () => void;
}

/** The selected tool's settings: edit, apply to the draft, then Save makes a new version. */
export function Inspector({ tool, onApply, onClose }: Props) {
  const [description, setDescription] = useState("");
  const [when, setWhen] = useState("");
  const [config, setConfig] = useState("{}");
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    setDescription(tool?.description ?? "");
    setWhen(tool?.when ?? "");
    setConfig(JSON.stringify(tool?.config ?? {}, null, 2));
    setError(null);
  }, [tool]);

  if (!tool) {
    return (
      <section className="panel-section inspector" aria-label="Inspector">
        <h2>Inspector</h2>
        <p className="muted">Select a tool on the canvas to see and edit its config.</p>
      </section>
    );
  }

  const apply = (event: React.FormEvent) => {
    event.preventDefault();
    let parsed: unknown;
    try {
      parsed = JSON.parse(config || "{}");
    } catch (e) {
      setError(`Config is not valid JSON: ${(e as Error).message}`);
      return;
    }
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
      setError("Config must be a JSON object");
      return;
    }
    setError(null);
    const next: ToolSpec = { id: tool.id, type: tool.type, config: parsed as JsonObject };
    if (when.trim()) next.when = when.trim();
    if (description.trim()) next.description = description.trim();
    onApply(next);
  };

  return (
    <section className="panel-section inspector" aria-label="Inspector">
      <div className="section-title">
        <h2>
          Tool <code>{tool.id}</code>
        </h2>
        <button type="button" className="btn btn-ghost btn-small" onClick={onClose} aria-label="Close the inspector">
          ✕
        </button>
      </div>
      <form onSubmit={apply} className="form">
        <div className="field">
          <span className="field-label">Type</span>
          <span className="badge">{tool.type}</span>
        </div>
        <div className="field">
          <label htmlFor="tool-description">Description</label>
          <input id="tool-description" value={description} onChange={(e) => setDescription(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="tool-when">Runs when</label>
          <input
            id="tool-when"
            value={when}
            placeholder="always"
            spellCheck={false}
            onChange={(e) => setWhen(e.target.value)}
            aria-describedby="tool-when-hint"
          />
          <small id="tool-when-hint" className="muted">
            An expression such as <code>{"steps.findUser == null"}</code>; empty means always.
          </small>
        </div>
        <div className="field">
          <label htmlFor="tool-config">Config (JSON)</label>
          <textarea
            id="tool-config"
            className="code"
            value={config}
            rows={Math.min(18, Math.max(4, config.split("\n").length))}
            spellCheck={false}
            onChange={(e) => setConfig(e.target.value)}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? "tool-config-error" : undefined}
          />
          {error ? (
            <small id="tool-config-error" className="field-error" role="alert">
              {error}
            </small>
          ) : null}
        </div>
        <Button type="submit" variant="secondary">
          Apply
        </Button>
      </form>
    </section>
  );
}
