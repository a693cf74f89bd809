import type { DuckDBConnection } from "@duckdb/node-api";
import { quoteIdent } from "../data/sandbox";

/** Feature columns as the trainers take them: column-major float32, NaN where a value is missing. */
export interface Features {
  rows: number;
  names: string[];
  columns: Float32Array[];
}

/** Row-major copy of rows [from, to) for batched matrix work (ONNX tensors are row-major). */
export function rowMajor(f: Features, from = 0, to = f.rows, order?: Uint32Array): Float32Array {
  const width = f.names.length;
  const out = new Float32Array((to - from) * width);
  for (let j = 0; j < width; j++) {
    const col = f.columns[j]!;
    for (let r = from; r < to; r++) out[(r - from) * width + j] = col[order ? order[r]! : r]!;
  }
  return out;
}

/** Models without their own missing-value handling refuse NaN, naming the column and the row. */
export function requireFinite(X: Features): void {
  for (const [j, col] of X.columns.entries()) {
    const bad = col.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0)
      throw new Error(
        `column "${X.names[j]}" has a missing or infinite value (row ${bad + 1}); add an Impute step before this model`,
      );
  }
}

/** Reads numeric columns of a relation into Features, chunk by chunk, with NULL as NaN. */
export async function readFeatures(
  c: DuckDBConnection,
  relation: string,
  names: string[],
): Promise<Features> {
  const [count] = (
    await c.runAndReadAll(`SELECT count(*)::BIGINT AS n FROM ${quoteIdent(relation)}`)
  ).getRowObjects();
  const rows = Number(count?.n ?? 0);
  const columns = names.map(() => new Float32Array(rows));
  if (names.length === 0) return { rows, names, columns };
  const select = names.map((n) => `${quoteIdent(n)}::FLOAT AS ${quoteIdent(n)}`).join(", ");
  const result = await c.stream(`SELECT ${select} FROM ${quoteIdent(relation)}`);
  let offset = 0;
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    const n = chunk.rowCount;
    for (let j = 0; j < names.length; j++) {
      const vector = chunk.getColumnVector(j);
      const col = columns[j]!;
      for (let i = 0; i < n; i++) {
        const v = vector.getItem(i);
        col[offset + i] = v === null ? NaN : (v as number);
      }
    }
    offset += n;
  }
  return { rows, names, columns };
}
