import { Component, type ErrorInfo, type ReactNode } from "react";

interface State {
  error: Error | null;
}

/** A render error shows a message and a way back, never a blank screen. */
export class ErrorBoundary extends Component<{ children: ReactNode }, State> {
  state: State = { error: null };

  static getDerivedStateFromError(error: Error): State {
    return { error };
  }

  componentDidCatch(error: Error, info: ErrorInfo): void {
    // Kept for the developer tools; the page itself shows the message.
    console.warn("Orchestrix dashboard error", error, info.componentStack);
  }

  render() {
    if (!this.state.error) return this.props.children;
    return (
      <main className="page-error" role="alert">
        <h1>Something went wrong</h1>
        <p>{this.state.error.message}</p>
        <p>
          <a href="/">Back to the servers</a>
        </p>
      </main>
    );
  }
}
