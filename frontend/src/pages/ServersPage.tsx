import { useState, type FormEvent } from "react";

import { Button } from "../components/Button";
import { Spinner } from "../components/Spinner";
import { errorMessage, needsSignIn } from "../lib/api";
import { authMode, setToken } from "../lib/auth";
import { getOwnerId, setOwnerId } from "../lib/owner";
import { useCreateServer, useDeleteServer, useExecutions, useRenameServer, useServers } from "../lib/queries";
import { navigate, onLinkClick } from "../lib/router";
import { useTitle } from "../lib/title";
import type { Server } from "../lib/types";
import { SignIn } from "./SignIn";

/** The owner's servers: id, version, endpoints, last change, deployment, last run; rename and
 * delete; a new one from a prompt or an empty canvas. */
export function ServersPage() {
  const tokens = authMode() === "tokens";
  const [owner, setOwner] = useState(getOwnerId());
  const serversQ = useServers();
  const create = useCreateServer();
  const [prompt, setPrompt] = useState("");
  useTitle("");

  if (needsSignIn(serversQ.error)) return <SignIn reason={errorMessage(serversQ.error)} />;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!prompt.trim()) return;
    create.mutate({ prompt: prompt.trim() }, { onSuccess: (server) => navigate(`/servers/${encodeURIComponent(server.id)}`) });
  };
  const servers = serversQ.data;

  return (
    <main className="servers-page">
      <header className="topbar">
        <div className="breadcrumb">
          <h1>Orchestrix</h1>
          <span className="muted">Describe an API, watch the graph appear, run it, deploy it.</span>
        </div>
        {tokens ? (
          <Button className="btn-small" onClick={() => setToken(null)}>
            Sign out
          </Button>
        ) : (
          <form
            className="owner-form"
            onSubmit={(e) => {
              e.preventDefault();
              setOwnerId(String(new FormData(e.currentTarget).get("owner") ?? ""));
              setOwner(getOwnerId());
              void serversQ.refetch();
            }}
          >
            <label htmlFor="owner-id">Owner</label>
            <input id="owner-id" name="owner" defaultValue={owner} size={14} />
            <Button type="submit" className="btn-small">
              Switch
            </Button>
          </form>
        )}
      </header>

      <section className="card new-server" aria-labelledby="new-title">
        <h2 id="new-title">New workflow</h2>
        <form onSubmit={submit} className="prompt-form">
          <label htmlFor="new-prompt" className="visually-hidden">
            Describe your API
          </label>
          <input id="new-prompt" value={prompt} placeholder="e.g. create a sign up api" onChange={(e) => setPrompt(e.target.value)} autoComplete="off" />
          <Button type="submit" variant="primary" busy={create.isPending} disabled={create.isPending || !prompt.trim()}>
            Create
          </Button>
          <a className="btn btn-secondary" href="/servers/new" onClick={(e) => onLinkClick(e, "/servers/new")}>
            Open the editor
          </a>
        </form>
        {create.error ? (
          <p className="field-error" role="alert">
            {errorMessage(create.error)}
          </p>
        ) : null}
      </section>

      <section className="card" aria-labelledby="servers-title">
        <h2 id="servers-title">Servers</h2>
        {serversQ.error ? (
          <p className="field-error" role="alert">
            Could not load the servers: {errorMessage(serversQ.error)}
          </p>
        ) : !servers ? (
          <p>
            <Spinner label="Loading servers" /> Loading…
          </p>
        ) : servers.length === 0 ? (
          <p className="muted">No servers yet. Describe one above, or open the editor and build one from the tools.</p>
        ) : (
          <div className="table-scroll">
            <table className="table servers-table">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Id</th>
                  <th scope="col">Version</th>
                  <th scope="col">Endpoints</th>
                  <th scope="col">Last change</th>
                  <th scope="col">Deployment</th>
                  <th scope="col">Last run</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {servers.map((s) => (
                  <ServerRow key={s.id} server={s} />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </main>
  );
}

function ServerRow({ server }: { server: Server }) {
  const [renaming, setRenaming] = useState(false);
  const [name, setName] = useState(server.name);
  const [confirming, setConfirming] = useState(false);
  const rename = useRenameServer();
  const remove = useDeleteServer();
  const href = `/servers/${encodeURIComponent(server.id)}`;
  const error = rename.error ?? remove.error;
  const deployed = Boolean(server.archestraAgentId);
  return (
    <tr>
      <td>
        {renaming ? (
          <form
            className="inline-form"
            onSubmit={(e) => {
              e.preventDefault();
              if (name.trim() && name.trim() !== server.name) rename.mutate({ server, name: name.trim() }, { onSuccess: () => setRenaming(false) });
              else setRenaming(false);
            }}
          >
            <input aria-label={`New name for ${server.name}`} value={name} onChange={(e) => setName(e.target.value)} autoFocus />
            <Button type="submit" className="btn-small" busy={rename.isPending}>
              Save
            </Button>
          </form>
        ) : (
          <a href={href} onClick={(e) => onLinkClick(e, href)}>
            {server.name}
          </a>
        )}
        {server.description ? <div className="muted small">{server.description}</div> : null}
        {error ? <div className="field-error small">{errorMessage(error)}</div> : null}
      </td>
      <td>
        <code className="small">{server.id}</code>
      </td>
      <td>v{server.version}</td>
      <td className="small">
        <code>POST {server.runtime.restEndpoint}</code>
        {deployed && server.archestraEndpoint ? (
          <div>
            <code>{server.archestraEndpoint}</code>
          </div>
        ) : null}
      </td>
      <td className="small">{new Date(server.updatedAt).toLocaleString()}</td>
      <td>
        {deployed ? (
          <span className="badge badge-success" title={server.archestraAgentId ?? undefined}>
            deployed{server.archestraDeployedAt ? ` ${new Date(server.archestraDeployedAt).toLocaleDateString()}` : ""}
          </span>
        ) : (
          <span className="muted">not deployed</span>
        )}
      </td>
      <td className="small">
        <LastRun serverId={server.id} />
      </td>
      <td className="row-actions">
        {confirming ? (
          <>
            <Button variant="danger" className="btn-small" busy={remove.isPending} onClick={() => remove.mutate(server.id)} aria-label={`Confirm deleting ${server.name}`}>
              Delete
            </Button>
            <Button className="btn-small" onClick={() => setConfirming(false)}>
              Keep
            </Button>
          </>
        ) : (
          <>
            <Button className="btn-small" onClick={() => setRenaming((r) => !r)} aria-label={`Rename ${server.name}`}>
              Rename
            </Button>
            <Button
              variant="danger"
              className="btn-small"
              disabled={deployed}
              title={deployed ? "Undeploy it first" : undefined}
              onClick={() => setConfirming(true)}
              aria-label={`Delete ${server.name}`}
            >
              Delete
            </Button>
          </>
        )}
      </td>
    </tr>
  );
}

/** The latest run of one server (its executions, newest first, one item). */
function LastRun({ serverId }: { serverId: string }) {
  const q = useExecutions(serverId, 1);
  if (q.isLoading) return <>…</>;
  if (q.error) return <>—</>;
  const last = q.data?.[0];
  return <>{last ? `${new Date(last.createdAt).toLocaleString()} (${last.status})` : "never"}</>;
}
