import { cleanup, render, screen, within } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";

import { ApiModel } from "../src/panels/ApiModel";

afterEach(cleanup);

describe("API model summary", () => {
  it("reads whatever the model holds as labelled lists, what was not covered included", () => {
    render(
      <ApiModel
        model={{
          kind: "signup",
          entity: "user",
          fields: [
            { name: "email", type: "string", required: true, unique: true, format: "email" },
            { name: "password", type: "string", minLength: 8, hashed: true },
          ],
          auth: { kind: "jwt", expiresIn: 3600 },
          limits: [{ key: "ip", limit: 5, window: 60 }],
          emails: [],
          notCovered: ["password reset"],
          somethingNew: "shown too",
        }}
      />,
    );
    const model = screen.getByRole("region", { name: "API model" });
    const terms = within(model).getAllByRole("term").map((t) => t.textContent);
    expect(terms).toEqual(["Kind", "Entity", "Fields", "Auth", "Limits", "Not covered", "Something new"]);
    expect(model.textContent).toContain("email · type: string · required · unique · format: email");
    expect(model.textContent).toContain("password · type: string · min length: 8 · hashed");
    expect(model.textContent).toContain("jwt · expires in: 3600");
    expect(model.textContent).toContain("password reset");
  });

  it("shows nothing when the spec carries no model", () => {
    const { container } = render(<ApiModel model={undefined} />);
    expect(container.innerHTML).toBe("");
    render(<ApiModel model={{ fields: [], notCovered: [] }} />);
    expect(screen.queryByRole("region", { name: "API model" })).toBeNull();
  });
});
