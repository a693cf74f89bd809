import { describe, expect, it } from "vitest";
import { nodeActivities } from "./activities";
import { nodeDefinitions, paletteNodes } from "./index";

describe("node registries", () => {
  it("pair every definition with an implementation and vice versa", () => {
    expect(Object.keys(nodeActivities).sort()).toEqual(Object.keys(nodeDefinitions).sort());
    for (const [key, def] of Object.entries(nodeDefinitions)) expect(def.type).toBe(key);
  });

  it("keep the foundation's internal test steps out of the palette", () => {
    expect(paletteNodes().filter((d) => d.type.startsWith("internal."))).toEqual([]);
  });
});
