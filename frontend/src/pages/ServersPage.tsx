import { useEffect, useState, type FormEvent } from "react";

import { Button } from "../components/Button";
import { Spinner } from "../components/Spinner";
import { api, errorMessage } from "../lib/api";
import { getOwnerId, setOwnerId } from "../lib/owner";
import { navigate, onLinkClick } from "../lib/router";
import { useTitle } from "../lib/title";
import type { Server } from "../lib/types";

/** The owner's servers: name, description, version, deployment, last run; new from a prompt. */
export function ServersPage() {
  const [servers, setServers] = useState<Server[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [prompt, setPrompt] = useState("");
  const [creating, setCreating] = useState(false);
  const [owner, setOwner] = useState(getOwnerId());
  useTitle("");

  useEffect(() => {
    let cancelled = false;
    setServers(null);
    api
      .listServers()
      .then((list) => {
        if (!cancelled) {
          setServers(list);
          setError(null);
        }
      })
      .catch((e: unknown) => {
        if (!cancelled) {
          setServers([]);
          setError(errorMessage(e));
        }
      });
    return () => {
      cancelled = true;
    };
  }, [owner]);

  const create = async (event: FormEvent) => {
    event.preventDefault();
    if (!prompt.trim()) return;
    setCreating(true);
    setError(null);
    try {
      const server = await api.createFromPrompt(prompt.trim());
      navigate(`/servers/${encodeURIComponent(server.id)}`);
    } catch (e) {
      setError(errorMessage(e));
      setCreating(false);
    }
  };

  return (
    <main className="servers-page">
      <header className="topbar">
        <div className="breadcrumb">
          <h1>Orchestrix</h1>
          <span className="muted">Describe an API, watch the graph appear, run it, deploy it.</span>
        </div>
        <form
          className="owner-form"
          onSubmit={(e) => {
            e.preventDefault();
            const value = new FormData(e.currentTarget).get("owner");
            setOwnerId(String(value ?? ""));
            setOwner(getOwnerId());
          }}
        >
          <label htmlFor="owner-id">Owner</label>
          <input id="owner-id" name="owner" defaultValue={owner} size={14} />
          <Button type="submit" className="btn-small">
            Switch
          </Button>
        </form>
      </header>

      <section className="card new-server" aria-labelledby="new-title">
        <h2 id="new-title">New workflow</h2>
        <form onSubmit={create} className="prompt-form">
          <label htmlFor="new-prompt" className="visually-hidden">
            Describe your API
          </label>
          <input
            id="new-prompt"
            value={prompt}
            placeholder="e.g. create a sign up api"
            onChange={(e) => setPrompt(e.target.value)}
            autoComplete="off"
          />
          <Button type="submit" variant="primary" busy={creating} disabled={creating || !prompt.trim()}>
            Create
          </Button>
          <a className="btn btn-secondary" href="/servers/new" onClick={(e) => onLinkClick(e, "/servers/new")}>
            Open the chat
          </a>
        </form>
        {error ? (
          <p className="field-error" role="alert">
            {error}
          </p>
        ) : null}
      </section>

      <section className="card" aria-labelledby="servers-title">
        <h2 id="servers-title">Servers</h2>
        {servers === null ? (
          <p>
            <Spinner label="Loading servers" /> Loading…
          </p>
        ) : servers.length === 0 ? (
          <p className="muted">No servers yet. Describe one above.</p>
        ) : (
          <table className="table servers-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Description</th>
                <th scope="col">Version</th>
                <th scope="col">Deployed</th>
                <th scope="col">Last run</th>
              </tr>
            </thead>
            <tbody>
              {servers.map((s) => (
                <tr key={s.id}>
                  <td>
                    <a href={`/servers/${encodeURIComponent(s.id)}`} onClick={(e) => onLinkClick(e, `/servers/${encodeURIComponent(s.id)}`)}>
                      {s.name}
                    </a>
                  </td>
                  <td>{s.description || "—"}</td>
                  <td>v{s.version}</td>
                  <td>{s.archestraAgentId ? <span className="badge badge-success">deployed</span> : <span className="muted">no</span>}</td>
                  <td>
                    <LastRun serverId={s.id} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </main>
  );
}

/** The latest run of one server (its executions, newest first, one item). */
function LastRun({ serverId }: { serverId: string }) {
  const [text, setText] = useState("…");
  useEffect(() => {
    let cancelled = false;
    api
      .executions(serverId, 1)
      .then(([last]) => {
        if (cancelled) return;
        setText(last ? `${last.createdAt ? new Date(last.createdAt).toLocaleString() : ""} (${last.status})` : "never");
      })
      .catch(() => {
        if (!cancelled) setText("—");
      });
    return () => {
      cancelled = true;
    };
  }, [serverId]);
  return <>{text}</>;
}
