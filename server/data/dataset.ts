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
  profile: ColumnProfile[];
}

const NUMERIC =
  /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|DOUBLE|DECIMAL.*)$/;

export const isNumeric = (type: string) => NUMERIC.test(type);

const num = (v: unknown): number | null =>
  v === null || v === undefined || v === "" ? null : Number(v);

/** Schema and profile of a table or view, computed by DuckDB in a few passes. */
export async function describeRelation(
  c: DuckDBConnection,
  relation: string,
): Promise<Omit<DatasetMetadata, "format">> {
  const rel = quoteIdent(relation);
  const rows = Number(
    (await c.runAndReadAll(`SELECT count(*) AS n FROM ${rel}`)).getRowObjects()[0]?.n ?? 0,
  );
  const summary = (await c.runAndReadAll(`SUMMARIZE ${rel}`)).getRowObjectsJson() as Record<
    string,
    string | null
  >[];
  const profile: ColumnProfile[] = [];
  for (const s of summary) {
    const name = String(s.column_name);
    const type = String(s.column_type);
    const col = quoteIdent(name);
    const count = Number(s.count ?? rows);
    const nullPct = Number(s.null_percentage ?? 0);
    const p: ColumnProfile = {
      name,
      type,
      count,
      nulls: Math.round((nullPct / 100) * count),
      distinct: Number(s.approx_unique ?? 0),
      min: s.min ?? null,
      max: s.max ?? null,
      mean: isNumeric(type) ? num(s.avg) : null,
      std: isNumeric(type) ? num(s.std) : null,
    };
    if (isNumeric(type) && p.min !== null && p.max !== null && Number(p.max) > Number(p.min)) {
      const lo = Number(p.min);
      const hi = Number(p.max);
      const width = (hi - lo) / 10;
      const bins = (
        await c.runAndReadAll(
          `SELECT least(floor((${col}::DOUBLE - ${lo}) / ${width}), 9)::INTEGER AS b, count(*) AS n FROM ${rel} WHERE ${col} IS NOT NULL GROUP BY b ORDER BY b`,
        )
      ).getRowObjects();
      p.histogram = Array.from({ length: 10 }, (_, i) => ({
        from: lo + i * width,
        to: lo + (i + 1) * width,
        count: Number(bins.find((b) => Number(b.b) === i)?.n ?? 0),
      }));
    } else {
      const top = (
        await c.runAndReadAll(
          `SELECT ${col}::VARCHAR AS v, count(*) AS n FROM ${rel} GROUP BY v ORDER BY n DESC, v NULLS LAST LIMIT 10`,
        )
      ).getRowObjects();
      p.topValues = top.map((t) => ({
        value: t.v === null ? null : String(t.v),
        count: Number(t.n),
      }));
    }
    profile.push(p);
  }
  return { rows, schema: profile.map(({ name, type }) => ({ name, type })), profile };
}

/** Writes a table or view to Parquet (zstd) and describes it. */
export async function writeDataset(
  c: DuckDBConnection,
  relation: string,
  path: string,
): Promise<DatasetMetadata> {
  await c.run(
    `COPY ${quoteIdent(relation)} TO ${quoteLiteral(path)} (FORMAT parquet, COMPRESSION zstd)`,
  );
  return { format: "parquet", ...(await describeRelation(c, relation)) };
}

/** Loads a Parquet dataset as a view named `name`. */
export async function loadDataset(c: DuckDBConnection, path: string, name: string): Promise<void> {
  await c.run(
    `CREATE OR REPLACE VIEW ${quoteIdent(name)} AS SELECT * FROM read_parquet(${quoteLiteral(path)})`,
  );
}
