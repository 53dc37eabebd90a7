// The kinds of entry of the execution-logs panel.

export type LogType = "info" | "success" | "error";
