import type { DuckDBConnection } from "@duckdb/node-api";
import { quoteIdent, quoteLiteral } from "./sandbox";

export interface ColumnSchema {
  name: string;
  type: string;
}

export interface ColumnProfile extends ColumnSchema {
  count: number;
  nulls: number;
  distinct: number;
  min: string | null;
  max: string | null;
  mean: number | null;
  std: number | null;
  /** Numeric columns: 10 equal-width bins. */
  histogram?: { from: number; to: number; count: number }[];
  /** Text and other columns: the 10 most frequent values. */
  topValues?: { value: string | null; count: number }[];
}

export interface DatasetMetadata {
  format: "parquet";
  rows: number;
  schema: ColumnSchema[];
  /**
   * Ingested datasets are profiled when read. Other steps' outputs are profiled when first
   * previewed (three scans of a large dataset cost more than most steps), then kept here.
   */
  profile?: ColumnProfile[];
}

const NUMERIC =
  /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|DOUBLE|DECIMAL.*)$/;

export const isNumeric = (type: string) => NUMERIC.test(type);

const num = (v: unknown): number | null =>
  v === null || v === undefined || v === "" ? null : Number(v);

const NESTED = /^(STRUCT|MAP|UNION)\b|\]$/;

/**
 * Schema and profile of a table or view in three scans, whatever the number of columns: counts,
 * distinct estimates, extremes and moments of every column; then histograms of the numeric columns
 * and the most frequent values of the others; then the exact counts of those values.
 */
export async function describeRelation(
  c: DuckDBConnection,
  relation: string,
): Promise<{ rows: number; schema: ColumnSchema[]; profile: ColumnProfile[] }> {
  const rel = quoteIdent(relation);
  const cols = (await c.runAndReadAll(`DESCRIBE ${rel}`))
    .getRowObjects()
    .map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));

  const stats = ["count(*) AS __rows"];
  cols.forEach((col, i) => {
    const q = quoteIdent(col.name);
    stats.push(`count(${q}) AS c${i}`);
    if (NESTED.test(col.type)) return;
    stats.push(
      `approx_count_distinct(${q}) AS d${i}`,
      `min(${q})::VARCHAR AS lo${i}`,
      `max(${q})::VARCHAR AS hi${i}`,
    );
    if (isNumeric(col.type))
      stats.push(`avg(${q}::DOUBLE) AS m${i}`, `stddev_samp(${q}::DOUBLE) AS s${i}`);
  });
  const s = (
    await c.runAndReadAll(`SELECT ${stats.join(", ")} FROM ${rel}`)
  ).getRowObjectsJson()[0] as Record<string, string | null>;
  const rows = Number(s.__rows ?? 0);

  const profile: ColumnProfile[] = cols.map((col, i) => {
    const count = Number(s[`c${i}`] ?? 0);
    return {
      name: col.name,
      type: col.type,
      count: rows,
      nulls: rows - count,
      distinct: Number(s[`d${i}`] ?? 0),
      min: s[`lo${i}`] ?? null,
      max: s[`hi${i}`] ?? null,
      mean: isNumeric(col.type) ? num(s[`m${i}`]) : null,
      std: isNumeric(col.type) ? num(s[`s${i}`]) : null,
    };
  });

  const shapes: string[] = [];
  const bins = new Map<number, { lo: number; width: number }>();
  profile.forEach((p, i) => {
    const q = quoteIdent(p.name);
    if (isNumeric(p.type) && p.min !== null && p.max !== null && Number(p.max) > Number(p.min)) {
      const lo = Number(p.min);
      const width = (Number(p.max) - lo) / 10;
      bins.set(i, { lo, width });
      // least() skips NULLs, so missing values must be filtered out, not binned.
      shapes.push(
        `histogram(least(floor((${q}::DOUBLE - ${lo}) / ${width}), 9)::INTEGER) FILTER (WHERE ${q} IS NOT NULL) AS h${i}`,
      );
    } else if (!NESTED.test(p.type)) {
      shapes.push(`approx_top_k(${q}::VARCHAR, 10) AS k${i}`);
    }
  });
  if (shapes.length && rows > 0) {
    const h = (
      await c.runAndReadAll(`SELECT ${shapes.join(", ")} FROM ${rel}`)
    ).getRowObjectsJson()[0] as Record<string, unknown>;
    const counts: string[] = [];
    const tops = new Map<number, string[]>();
    const countValues: string[] = [];
    profile.forEach((p, i) => {
      const bin = bins.get(i);
      if (bin) {
        const map = new Map(
          ((h[`h${i}`] ?? []) as { key: string | number; value: string | number }[]).map((e) => [
            Number(e.key),
            Number(e.value),
          ]),
        );
        p.histogram = Array.from({ length: 10 }, (_, b) => ({
          from: bin.lo + b * bin.width,
          to: bin.lo + (b + 1) * bin.width,
          count: map.get(b) ?? 0,
        }));
      } else if (Array.isArray(h[`k${i}`])) {
        const values = (h[`k${i}`] as (string | null)[]).filter((v): v is string => v !== null);
        tops.set(i, values);
        // Values bound as parameters: a value may hold anything, a NUL byte included.
        values.forEach((v, j) => {
          counts.push(`count_if(${quoteIdent(p.name)}::VARCHAR = ?) AS t${i}_${j}`);
          countValues.push(v);
        });
      }
    });
    const t = counts.length
      ? ((
          await c.runAndReadAll(`SELECT ${counts.join(", ")} FROM ${rel}`, countValues)
        ).getRowObjectsJson()[0] as Record<string, string>)
      : {};
    for (const [i, values] of tops) {
      profile[i]!.topValues = values
        .map((value, j) => ({ value, count: Number(t[`t${i}_${j}`] ?? 0) }))
        .sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1));
    }
  }
  return { rows, schema: cols, profile };
}

/**
 * Writes a table or view to Parquet (snappy: intermediate data favours speed) and describes the
 * file (see describeParquet); a table's profile is read from the table, which scans faster.
 */
export async function writeDataset(
  c: DuckDBConnection,
  relation: string,
  path: string,
  options: { profile?: boolean } = {},
): Promise<DatasetMetadata> {
  await c.run(
    `COPY ${quoteIdent(relation)} TO ${quoteLiteral(path)} (FORMAT parquet, COMPRESSION snappy)`,
  );
  const [kind] = (
    await c.runAndReadAll(
      "SELECT table_type FROM information_schema.tables WHERE table_name = ? AND table_schema = current_schema()",
      [relation],
    )
  ).getRowObjects();
  return describeParquet(c, path, {
    ...options,
    table: kind?.table_type === "VIEW" ? undefined : relation,
  });
}

/**
 * Schema and row count of a Parquet file just written, read back from it; with `profile`, its
 * profile too, from the file (a view's query runs once) or from `table` holding the same rows.
 */
export async function describeParquet(
  c: DuckDBConnection,
  path: string,
  options: { profile?: boolean; table?: string } = {},
): Promise<DatasetMetadata> {
  const written = "__written";
  await loadDataset(c, path, written);
  try {
    if (options.profile)
      return { format: "parquet", ...(await describeRelation(c, options.table ?? written)) };
    const schema = (await c.runAndReadAll(`DESCRIBE ${quoteIdent(written)}`))
      .getRowObjects()
      .map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
    const [count] = (
      await c.runAndReadAll(`SELECT count(*) AS n FROM ${quoteIdent(written)}`)
    ).getRowObjects();
    return { format: "parquet", rows: Number(count?.n ?? 0), schema };
  } finally {
    await c.run(`DROP VIEW ${quoteIdent(written)}`);
  }
}

/** Loads a Parquet dataset as a view named `name`. */
export async function loadDataset(c: DuckDBConnection, path: string, name: string): Promise<void> {
  await c.run(
    `CREATE OR REPLACE VIEW ${quoteIdent(name)} AS SELECT * FROM read_parquet(${quoteLiteral(path)})`,
  );
}
