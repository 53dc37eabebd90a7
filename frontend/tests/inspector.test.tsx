import { cleanup, fireEvent, render, screen, within } from "@testing-library/react";
import { useState } from "react";
import { afterEach, describe, expect, it, vi } from "vitest";

import { kindOf, problemsByField } from "../src/lib/schema";
import { scopeAt } from "../src/lib/scope";
import type { ToolSpec, WorkflowSpec } from "../src/lib/types";
import { Inspector } from "../src/panels/Inspector";
import { catalog } from "./catalog";

afterEach(cleanup);

const spec: WorkflowSpec = {
  name: "Signup",
  inputSchema: { type: "object", required: ["email"], properties: { email: { type: "string", format: "email" }, name: { type: "string" } } },
  tools: [
    { id: "input", type: "input" },
    { id: "dbInsert", type: "dbInsert", config: { collection: "", document: { email: "{{ input.email }}" } } },
    { id: "limit", type: "rateLimit", config: { limit: 5 } },
    { id: "response", type: "response", config: { status: 201 } },
  ],
  executionOrder: ["input", "dbInsert", "limit", "response"],
};

/** The inspector over a tool, with its edits applied, as the page does. */
function Harness({ toolId, problems = [], onChange }: { toolId: string; problems?: { path: string; message: string; toolId?: string }[]; onChange?: (t: ToolSpec) => void }) {
  const [tool, setTool] = useState(spec.tools.find((t) => t.id === toolId)!);
  const index = spec.tools.findIndex((t) => t.id === toolId);
  return (
    <Inspector
      tool={tool}
      spec={spec}
      index={index}
      total={spec.tools.length}
      type={catalog.find((t) => t.type === tool.type)}
      scope={scopeAt(spec, toolId, catalog)}
      problems={problemsByField(problems, toolId, index)}
      step={undefined}
      onChange={(next) => {
        setTool(next);
        onChange?.(next);
      }}
      onSpecChange={() => undefined}
      onMove={() => undefined}
      onDelete={() => undefined}
      onClose={() => undefined}
    />
  );
}

describe("node inspector", () => {
  it("builds the form from the config schema: types, required, descriptions", () => {
    const onChange = vi.fn();
    render(<Harness toolId="dbInsert" onChange={onChange} />);
    const collection = screen.getByLabelText(/^collection/);
    expect(collection.getAttribute("aria-required")).toBe("true");
    expect(screen.getByText(/Collection name, e.g./)).toBeTruthy();
    fireEvent.change(collection, { target: { value: "users" } });
    expect(onChange).toHaveBeenLastCalledWith(expect.objectContaining({ config: { collection: "users", document: { email: "{{ input.email }}" } } }));
    // An object of named values is a list of rows; a list of strings is one comma-separated field.
    const document = screen.getByRole("group", { name: "document" });
    expect(within(document).getByLabelText("document key 1")).toHaveProperty("value", "email");
    fireEvent.click(within(document).getByRole("button", { name: "+ Add to document" }));
    expect(onChange.mock.lastCall?.[0].config.document).toEqual({ email: "{{ input.email }}", field: "" });
    fireEvent.change(screen.getByLabelText(/^unique/), { target: { value: "email, name" } });
    expect(onChange.mock.lastCall?.[0].config.unique).toEqual(["email", "name"]);
  });

  it("offers an enum's options, shows defaults and writes numbers as numbers", () => {
    const onChange = vi.fn();
    render(<Harness toolId="limit" onChange={onChange} />);
    const strategy = screen.getByLabelText(/^strategy/) as HTMLSelectElement;
    expect([...strategy.options].map((o) => o.value)).toEqual(["", "fixed", "sliding"]);
    fireEvent.change(strategy, { target: { value: "sliding" } });
    expect(onChange.mock.lastCall?.[0].config).toEqual({ limit: 5, strategy: "sliding" });
    const windowField = screen.getByLabelText(/^window/) as HTMLInputElement;
    expect(windowField.placeholder).toBe("default: 60");
    fireEvent.change(screen.getByLabelText(/^limit/), { target: { value: "10" } });
    expect(onChange.mock.lastCall?.[0].config.limit).toBe(10);
  });

  it("completes the names in scope at the step inside {{ }}", () => {
    const onChange = vi.fn();
    render(<Harness toolId="response" onChange={onChange} />);
    const when = screen.getByLabelText("Runs when") as HTMLInputElement;
    fireEvent.change(when, { target: { value: "steps.d", selectionStart: 7 } });
    const options = within(screen.getByRole("listbox", { name: "Completions" })).getAllByRole("option").map((o) => o.textContent);
    expect(options).toEqual(["steps.dbInsert", "steps.dbInsert.id", "steps.dbInsert.createdAt", "steps.dbInsert.updatedAt", "steps.dbInsert.email"]);
    fireEvent.keyDown(when, { key: "ArrowDown" });
    fireEvent.keyDown(when, { key: "Enter" });
    expect(onChange.mock.lastCall?.[0].when).toBe("steps.dbInsert.id");
  });

  it("edits a nullable object (a schema of its own) as JSON", () => {
    expect(kindOf({ anyOf: [{ type: "object", additionalProperties: true }, { type: "null" }], default: null }, {})).toBe("json");
    expect(kindOf({ type: "object", additionalProperties: true }, {})).toBe("map");
    expect(kindOf({ type: "array", items: { type: "string" } }, {})).toBe("list");
  });

  it("offers only what ran before the step", () => {
    expect(scopeAt(spec, "dbInsert", catalog)).not.toContain("steps.limit");
    expect(scopeAt(spec, "dbInsert", catalog)).toContain("input.email");
    expect(scopeAt(spec, "dbInsert", catalog)).toContain("headers.authorization");
  });

  it("shows the static checks' problems on the field they are about", () => {
    render(<Harness toolId="dbInsert" problems={[{ path: "tools[1].config.collection", message: "String should match pattern", toolId: "dbInsert" }]} />);
    const collection = screen.getByLabelText(/^collection/);
    expect(collection.getAttribute("aria-invalid")).toBe("true");
    const problem = screen.getByRole("alert");
    expect(problem.textContent).toBe("String should match pattern");
    expect(collection.getAttribute("aria-describedby")).toContain(problem.id);
  });
});
