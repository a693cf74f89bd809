/** Params a user might have set on each ejectable node. */
export const ejectSamples: Record<string, Record<string, unknown>> = {
  "prep.sql": { sql: "SELECT species, island FROM input WHERE bill_length_mm > 40" },
  "prep.filter": {
    combine: "any",
    conditions: [
      { column: "species", op: "=", value: "Adelie" },
      { column: "island", op: "in", value: ["Biscoe"] },
    ],
  },
  "prep.select": { columns: ["species", "island"], rename: { island: "where" } },
  "prep.derive": { column: "mass_kg", expression: "body_mass_g / 1000" },
  "train.logistic": { label: "species", exclude: ["year"] },
  "train.linear": { label: "body_mass_g" },
  "train.gbdt": { label: "species", trees: 20 },
};
