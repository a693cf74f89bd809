type Condition = {
  column: string;
  op: string;
  value?: string | number | boolean | (string | number)[];
};

const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;
const literal = (v: unknown) =>
  typeof v === "number" || typeof v === "boolean"
    ? String(v)
    : `'${String(v).replaceAll("'", "''")}'`;

function condition(c: Condition): string {
  const col = ident(c.column);
  if (c.op === "is null") return `${col} IS NULL`;
  if (c.op === "is not null") return `${col} IS NOT NULL`;
  if (c.value === undefined) throw new Error(`Filter rows: "${c.column} ${c.op}" needs one value`);
  if (c.op === "contains") return `contains(${col}::VARCHAR, ${literal(c.value)})`;
  if (c.op === "in") {
    const list = Array.isArray(c.value) ? c.value : [c.value];
    return list.length ? `${col} IN (${list.map(literal).join(", ")})` : "FALSE";
  }
  return `${col} ${c.op === "!=" ? "<>" : c.op} ${literal(c.value)}`;
}

export default async function run(ctx: Flowforge.Context) {
  const conditions = ctx.params.conditions as Condition[];
  const columns = (await ctx.query("DESCRIBE input")).map((r) => String(r.column_name));
  const missing = conditions.map((c) => c.column).filter((c) => !columns.includes(c));
  if (missing.length) throw new Error(`Filter rows: the input has no column ${missing.join(", ")}`);
  const join = ctx.params.combine === "any" ? " OR " : " AND ";
  const where = conditions.map((c) => `(${condition(c)})`).join(join) || "TRUE";
  await ctx.output("dataset", `SELECT * FROM input WHERE ${where}`);
}
