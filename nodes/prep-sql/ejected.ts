export default async function run(ctx: Flowforge.Context) {
  // DuckDB runs the query over the input: a view named after its port.
  const rows = await ctx.query(`SELECT count(*)::INT AS n FROM (${String(ctx.params.sql)})`);
  ctx.log(`${String(rows[0]?.n)} rows`);
  await ctx.output("dataset", String(ctx.params.sql));
}
