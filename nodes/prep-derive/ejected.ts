const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;

export default async function run(ctx: Flowforge.Context) {
  const column = String(ctx.params.column);
  const expression = String(ctx.params.expression);
  const columns = (await ctx.query("DESCRIBE input")).map((r) => String(r.column_name));
  const keep = columns.filter((c) => c !== column).map(ident);
  await ctx.output(
    "dataset",
    `SELECT ${[...keep, `(${expression}) AS ${ident(column)}`].join(", ")} FROM input`,
  );
}
