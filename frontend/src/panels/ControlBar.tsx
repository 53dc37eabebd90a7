import { Button } from "../components/Button";
import { CheckIcon, PlayIcon, PowerIcon, RocketIcon, SaveIcon, StopIcon } from "../components/Icons";
import { isDeployed, type Workflow } from "../pages/useWorkflow";

/** Start/Stop Runtime, Save, Deploy, Run: the Deploy button sits between Save and Run. */
export function ControlBar({ wf }: { wf: Workflow }) {
  const hasServer = wf.server !== null;
  const hasTools = (wf.draft?.tools.length ?? 0) > 0;
  const deployed = isDeployed(wf.server);
  const running = wf.runtimeStatus === "running";

  let deployLabel = wf.labels.deploy;
  if (wf.deploying && !deployed) deployLabel = wf.labels.deploying;
  else if (deployed) deployLabel = wf.labels.deployed;

  return (
    <div className="control-bar" role="toolbar" aria-label="Workflow controls">
      <Button
        onClick={wf.toggleRuntime}
        disabled={!hasServer || wf.runtimeBusy}
        busy={wf.runtimeBusy}
        icon={running ? <StopIcon /> : <PowerIcon />}
        aria-pressed={running}
      >
        {running ? "Stop Runtime" : "Start Runtime"}
      </Button>
      <Button
        onClick={wf.save}
        disabled={!hasServer || !wf.dirty || wf.saving}
        busy={wf.saving}
        icon={<SaveIcon />}
        title={wf.dirty ? "Save the edited graph as a new version" : "No unsaved changes"}
      >
        Save
      </Button>
      <Button
        variant={deployed ? "success" : "primary"}
        onClick={wf.deploy}
        disabled={!hasServer || !hasTools || wf.deploying || deployed}
        busy={wf.deploying && !deployed}
        icon={deployed ? <CheckIcon /> : <RocketIcon />}
        title={!hasTools ? "The graph has no tools yet" : undefined}
        data-testid="deploy-button"
      >
        {deployLabel}
      </Button>
      <Button
        variant="primary"
        onClick={wf.run}
        disabled={!hasServer || !hasTools || wf.running}
        busy={wf.running}
        icon={<PlayIcon />}
      >
        Run
      </Button>
    </div>
  );
}
