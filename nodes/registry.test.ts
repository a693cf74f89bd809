import { describe, expect, it } from "vitest";
import { nodeImplementations } from "./activities";
import { nodeDefinitions, paletteNodes } from "./index";

describe("node registries", () => {
  it("pair every definition with an implementation and vice versa", () => {
    expect(Object.keys(nodeImplementations).sort()).toEqual(Object.keys(nodeDefinitions).sort());
    for (const [key, def] of Object.entries(nodeDefinitions)) expect(def.type).toBe(key);
    for (const [key, impl] of Object.entries(nodeImplementations))
      expect(impl.definition).toBe(nodeDefinitions[key as keyof typeof nodeDefinitions]);
  });

  it("keep the foundation's internal test steps out of the palette", () => {
    expect(paletteNodes().filter((d) => d.type.startsWith("internal."))).toEqual([]);
  });
});
