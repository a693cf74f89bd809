const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;

export default async function run(ctx: Flowforge.Context) {
  const listed = ctx.params.columns as string[];
  const rename = ctx.params.rename as Record<string, string>;
  const columns = (await ctx.query("DESCRIBE input")).map((r) => String(r.column_name));
  const missing = [...listed, ...Object.keys(rename)].filter((c) => !columns.includes(c));
  if (missing.length)
    throw new Error(`Select columns: the input has no column ${missing.join(", ")}`);
  const kept = columns.filter((c) =>
    listed.length === 0
      ? true
      : ctx.params.mode === "drop"
        ? !listed.includes(c)
        : listed.includes(c),
  );
  if (kept.length === 0) throw new Error("Select columns: no column would be left");
  const select = kept.map((c) => `${ident(c)} AS ${ident(rename[c] ?? c)}`).join(", ");
  await ctx.output("dataset", `SELECT ${select} FROM input`);
}
