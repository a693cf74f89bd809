import type { PortDefinition } from "./types";

/** Fitted prep nodes take the three splits, learn on train, and apply to all of them. */
export const splitInputs: PortDefinition[] = [
  { name: "train", kind: "dataset", label: "Train", required: true },
  { name: "validation", kind: "dataset", label: "Validation", required: false },
  { name: "test", kind: "dataset", label: "Test", required: false },
];

export const splitOutputs: PortDefinition[] = [
  { name: "train", kind: "dataset", label: "Train", required: true },
  { name: "validation", kind: "dataset", label: "Validation", required: false },
  { name: "test", kind: "dataset", label: "Test", required: false },
  { name: "state", kind: "json", label: "Fitted state", required: true },
];
