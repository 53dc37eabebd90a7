import { describe, expect, it } from "vitest";

import { addTool, connect, orderByPosition, removeTools, updateTool } from "../src/lib/edit";
import { buildGraph, NODE_WIDTH } from "../src/lib/graph";
import { edit, redo, reset, undo } from "../src/lib/history";
import type { WorkflowSpec } from "../src/lib/types";
import { catalog } from "./catalog";

const linear: WorkflowSpec = {
  name: "Signup",
  tools: ["input", "validation", "hashPassword", "dbInsert", "response"].map((id) => ({ id, type: id })),
  executionOrder: ["input", "validation", "hashPassword", "dbInsert", "response"],
};

const login: WorkflowSpec = {
  name: "Login",
  tools: [
    { id: "input", type: "input" },
    { id: "findUser", type: "dbFind" },
    { id: "notFound", type: "response", when: "steps.findUser == null" },
    { id: "verify", type: "verifyPassword" },
    { id: "badPassword", type: "response", when: "!steps.verify.valid" },
    { id: "ok", type: "response" },
  ],
};

describe("graph layout", () => {
  it("draws a linear graph top-down in one column", () => {
    const { nodes, edges } = buildGraph(linear);
    const xs = new Set(nodes.map((n) => Math.round(n.position.x)));
    expect(xs.size).toBe(1);
    const ys = nodes.map((n) => n.position.y);
    expect([...ys].sort((a, b) => a - b)).toEqual(ys);
    expect(edges.map((e) => e.id)).toEqual(["input->validation", "validation->hashPassword", "hashPassword->dbInsert", "dbInsert->response"]);
    expect(edges.every((e) => e.label === undefined)).toBe(true);
  });

  it("draws a guarded response as a labelled branch, apart from the line that goes on", () => {
    const { nodes, edges } = buildGraph(login);
    const at = Object.fromEntries(nodes.map((n) => [n.id, n.position]));
    const branch = edges.find((e) => e.target === "notFound");
    expect(branch).toMatchObject({ source: "findUser", label: "when steps.findUser == null" });
    expect(edges.find((e) => e.source === "findUser" && e.target === "verify")?.label).toBe("otherwise");
    expect(edges.find((e) => e.target === "ok")).toMatchObject({ source: "verify", label: "otherwise" });
    // The branch and the next step of the line sit side by side, never on each other.
    expect(Math.abs(at.notFound!.x - at.verify!.x)).toBeGreaterThanOrEqual(NODE_WIDTH);
    expect(Math.abs(at.badPassword!.x - at.ok!.x)).toBeGreaterThanOrEqual(NODE_WIDTH);
    // Both come after the tool they leave from.
    expect(at.notFound!.y).toBeGreaterThan(at.findUser!.y);
    expect(at.ok!.y).toBeGreaterThan(at.verify!.y);
  });

  it("shows tools the execution order forgets, at the end", () => {
    const { nodes } = buildGraph({ ...linear, executionOrder: ["input", "response"] });
    expect(nodes.map((n) => n.id)).toEqual(["input", "response", "validation", "hashPassword", "dbInsert"]);
  });
});

describe("canvas edits", () => {
  it("adds a tool with its config's defaults and a free id, where it is dropped", () => {
    const rate = catalog.find((t) => t.type === "rateLimit")!;
    const first = addTool(linear, rate, 1);
    expect(first.id).toBe("rateLimit");
    expect(first.spec.executionOrder?.[1]).toBe("rateLimit");
    expect(first.spec.tools.at(-1)).toEqual({ id: "rateLimit", type: "rateLimit", config: { limit: 0, window: 60, strategy: "fixed" } });
    expect(addTool(first.spec, rate).id).toBe("rateLimit2");
  });

  it("connects, reorders by position, removes and renames", () => {
    expect(connect(linear, "input", "dbInsert").executionOrder).toEqual(["input", "dbInsert", "validation", "hashPassword", "response"]);
    const y = { input: 0, validation: 100, hashPassword: 350, dbInsert: 300, response: 400 };
    expect(orderByPosition(linear, y).executionOrder).toEqual(["input", "validation", "dbInsert", "hashPassword", "response"]);
    const removed = removeTools(linear, ["hashPassword"]);
    expect(removed.tools.map((t) => t.id)).not.toContain("hashPassword");
    expect(removed.executionOrder).not.toContain("hashPassword");
    const spec: WorkflowSpec = { ...linear, tools: [...linear.tools.slice(0, 4), { id: "response", type: "response", config: { body: { id: "{{ steps.dbInsert.id }}" } } }] };
    const renamed = updateTool(spec, "dbInsert", { id: "saveUser", type: "dbInsert" });
    expect(renamed.executionOrder).toContain("saveUser");
    expect(renamed.tools.find((t) => t.id === "response")?.config).toEqual({ body: { id: "{{ steps.saveUser.id }}" } });
  });

  it("undoes and redoes, one step per field however many keystrokes", () => {
    let h = reset(linear);
    h = edit(h, { ...linear, name: "S" }, "name", 1000);
    h = edit(h, { ...linear, name: "Si" }, "name", 1200);
    h = edit(h, removeTools(linear, ["validation"]), null, 1300);
    expect(h.past).toHaveLength(2);
    h = undo(h);
    expect(h.present?.name).toBe("Si");
    h = undo(h);
    expect(h.present).toEqual(linear);
    h = redo(h);
    expect(h.present?.name).toBe("Si");
    expect(h.future).toHaveLength(1);
  });

  it("starts a new step in the same field after a pause", () => {
    let h = reset(linear);
    h = edit(h, { ...linear, name: "A" }, "name", 1000);
    h = edit(h, { ...linear, name: "B" }, "name", 5000);
    expect(undo(h).present?.name).toBe("A");
  });
});
