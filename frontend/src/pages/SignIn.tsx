import { useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";

import { Button } from "../components/Button";
import { getToken, setToken } from "../lib/auth";

/** Token mode: paste an API token; it is kept for this tab only (sessionStorage). */
export function SignIn({ reason }: { reason?: string }) {
  const client = useQueryClient();
  const [text, setText] = useState("");
  const had = getToken() !== null;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!text.trim()) return;
    setToken(text);
    client.clear(); // every answer so far was for no token (or another one)
    void client.invalidateQueries();
  };
  return (
    <main className="page-error sign-in">
      <h1>Sign in with an API token</h1>
      <p>
        This Orchestrix server runs with <code>ORCHESTRIX_AUTH=tokens</code>: the dashboard needs an API token to show your
        servers. Create one on the server with <code>orchestrix token create --owner YOU</code> and paste it here.
      </p>
      {had && reason ? (
        <p className="field-error" role="alert">
          The token was refused: {reason}
        </p>
      ) : null}
      <form onSubmit={submit} className="prompt-form">
        <label htmlFor="api-token">API token</label>
        <input id="api-token" type="password" value={text} autoComplete="off" onChange={(e) => setText(e.target.value)} />
        <Button type="submit" variant="primary" disabled={!text.trim()}>
          Sign in
        </Button>
      </form>
      <p className="muted">The token stays in this browser tab and is gone when the tab is closed.</p>
    </main>
  );
}
