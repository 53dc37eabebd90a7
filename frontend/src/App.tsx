import { lazy, Suspense } from "react";

import { ErrorBoundary } from "./components/ErrorBoundary";
import { Spinner } from "./components/Spinner";
import { onLinkClick, useRoute } from "./lib/router";
import { ServersPage } from "./pages/ServersPage";

// The workflow page carries the canvas (React Flow, dagre): loaded only when it is opened.
const WorkflowPage = lazy(() => import("./pages/WorkflowPage").then((m) => ({ default: m.WorkflowPage })));

export function App() {
  const route = useRoute();
  let page: React.ReactNode;
  switch (route.page) {
    case "servers":
      page = <ServersPage />;
      break;
    case "new":
      page = <WorkflowPage key="new" serverId={null} />;
      break;
    case "workflow":
      page = <WorkflowPage key={route.serverId} serverId={route.serverId} />;
      break;
    default:
      page = (
        <main className="page-error">
          <h1>Page not found</h1>
          <p>
            <a href="/" onClick={(e) => onLinkClick(e, "/")}>
              Back to the servers
            </a>
          </p>
        </main>
      );
  }
  return (
    <ErrorBoundary>
      <Suspense
        fallback={
          <p className="page-loading">
            <Spinner label="Loading" /> Loading…
          </p>
        }
      >
        {page}
      </Suspense>
    </ErrorBoundary>
  );
}
