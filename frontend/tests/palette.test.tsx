import { cleanup, fireEvent, render, screen, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";

import { DRAG_TYPE, Palette } from "../src/panels/Palette";
import { catalog } from "./catalog";

afterEach(cleanup);

describe("tool palette", () => {
  it("lists every tool with an icon, its name and a one-line summary", () => {
    render(<Palette catalog={catalog} onAdd={() => undefined} />);
    const items = within(screen.getByRole("list", { name: "Tools" })).getAllByRole("listitem");
    expect(items.map((i) => i.dataset.toolType)).toEqual(["input", "dbInsert", "rateLimit", "response"]);
    const insert = items[1]!;
    expect(insert.querySelector("svg.tool-icon-db")).not.toBeNull();
    expect(within(insert).getByText("dbInsert")).toBeTruthy();
    // The summary's first sentence on the card; the whole of it in the tooltip.
    expect(within(insert).getByText("Stores a document in a collection")).toBeTruthy();
    expect(insert.title).toContain("409 when a unique field's value is taken");
  });

  it("searches names and summaries, and says when nothing matches", () => {
    render(<Palette catalog={catalog} onAdd={() => undefined} />);
    const search = screen.getByRole("searchbox", { name: "Search tools" });
    fireEvent.change(search, { target: { value: "429" } });
    expect(screen.getAllByRole("listitem").map((i) => i.dataset.toolType)).toEqual(["rateLimit"]);
    fireEvent.change(search, { target: { value: "ends run" } });
    expect(screen.getAllByRole("listitem").map((i) => i.dataset.toolType)).toEqual(["response"]);
    fireEvent.change(search, { target: { value: "kafka" } });
    expect(screen.getByText(/No tool matches/)).toBeTruthy();
  });

  it("adds a tool with its button and carries its type when dragged", () => {
    const onAdd = vi.fn();
    render(<Palette catalog={catalog} onAdd={onAdd} />);
    fireEvent.click(screen.getByRole("button", { name: "Add response" }));
    expect(onAdd).toHaveBeenCalledWith(catalog[3]);
    const data = new Map<string, string>();
    const dataTransfer = { setData: (k: string, v: string) => data.set(k, v), effectAllowed: "" };
    const item = screen.getByText("dbInsert").closest("li")!;
    fireEvent.dragStart(item, { dataTransfer });
    expect(data.get(DRAG_TYPE)).toBe("dbInsert");
  });

  it("says the catalog is loading, or why it could not be loaded", () => {
    const { rerender } = render(<Palette catalog={undefined} onAdd={() => undefined} />);
    expect(screen.getByText(/Loading tools/)).toBeTruthy();
    rerender(<Palette catalog={undefined} error={new Error("offline")} onAdd={() => undefined} />);
    expect(screen.getByText(/Could not load the tools: offline/)).toBeTruthy();
  });
});
