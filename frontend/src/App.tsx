import { QueryClientProvider } from "@tanstack/react-query";
import { lazy, Suspense, useState } from "react";

import { ErrorBoundary } from "./components/ErrorBoundary";
import { Spinner } from "./components/Spinner";
import { authMode, useToken } from "./lib/auth";
import { makeQueryClient } from "./lib/queries";
import { onLinkClick, useRoute } from "./lib/router";
import { ServersPage } from "./pages/ServersPage";
import { SignIn } from "./pages/SignIn";

// The workflow page carries the canvas (React Flow, dagre): loaded only when it is opened.
const WorkflowPage = lazy(() => import("./pages/WorkflowPage").then((m) => ({ default: m.WorkflowPage })));

export function App() {
  const [client] = useState(makeQueryClient);
  return (
    <QueryClientProvider client={client}>
      <ErrorBoundary>
        <Suspense
          fallback={
            <p className="page-loading">
              <Spinner label="Loading" /> Loading…
            </p>
          }
        >
          <Page />
        </Suspense>
      </ErrorBoundary>
    </QueryClientProvider>
  );
}

function Page() {
  const route = useRoute();
  const token = useToken();
  // Token mode without a token: say what to do rather than show an empty list.
  if (authMode() === "tokens" && !token) return <SignIn />;
  switch (route.page) {
    case "servers":
      return <ServersPage key={token ?? "local"} />;
    case "new":
      return <WorkflowPage key="new" serverId={null} />;
    case "workflow":
      return <WorkflowPage key={route.serverId} serverId={route.serverId} />;
    default:
      return (
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
}
