// What the workflow page's dialogs say: a deployment's facts, an error with its details.

export function DeployedFacts({ agentId, endpoint, copied }: { agentId?: string; endpoint?: string; copied: boolean }) {
  return (
    <dl className="facts">
      <dt>Agent ID</dt>
      <dd>
        <code>{agentId}</code>
      </dd>
      <dt>Endpoint</dt>
      <dd>
        <code>{endpoint}</code>
      </dd>
      <dd className="hint">{copied ? "The endpoint was copied to the clipboard." : "Copy the endpoint from the banner."}</dd>
    </dl>
  );
}

export function ErrorBody({ message, details }: { message: string; details: unknown }) {
  return (
    <>
      <p>{message}</p>
      {details !== undefined && details !== null ? (
        <pre className="dialog-details">{JSON.stringify(details, null, 2)}</pre>
      ) : null}
    </>
  );
}
