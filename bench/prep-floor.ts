import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";

/**
 * `npx tsx bench/prep-floor.ts [dir]`: what DuckDB alone takes on this machine for the prep
 * benchmark's work, with no product around it: read the CSV, write it to Parquet, and do the
 * whole split + impute + one-hot + scale in one statement straight from the CSV (fitted values
 * stand in as constants). The product cannot beat the last figure without dropping Parquet.
 * A CSV like the prep benchmark's (10M rows × 20 columns) is generated in `dir` if missing.
 */
const dir = path.resolve(process.argv[2] ?? ".data/bench-prep-floor");
const ROWS = Number(process.env.BENCH_ROWS ?? 10_000_000);
await mkdir(dir, { recursive: true });
const instance = await DuckDBInstance.create(":memory:", { threads: "2", memory_limit: "2GB" });
const c = await instance.connect();
const time = async (label: string, sql: string) => {
  const t0 = performance.now();
  await c.run(sql);
  console.log(`${label}: ${((performance.now() - t0) / 1000).toFixed(2)} s`);
};
const at = (name: string) => `'${path.join(dir, name)}'`;
const num = Array.from({ length: 14 }, (_, i) => `num${i}`);
const cat = Array.from({ length: 6 }, (_, i) => `cat${i}`);
if (!existsSync(path.join(dir, "bench.csv"))) {
  const cells = [
    ...num.map(
      (n) => `CASE WHEN random() < 0.05 THEN NULL ELSE round(random() * 1000 - 500, 3) END AS ${n}`,
    ),
    ...cat.map((n, i) => `chr(97 + floor(random() * ${3 + i})::INTEGER) AS ${n}`),
  ];
  await time(
    "generate",
    `COPY (SELECT ${cells.join(", ")} FROM range(${ROWS})) TO ${at("bench.csv")} (HEADER, NULLSTR '')`,
  );
}
const reader = `read_csv(${at("bench.csv")}, header = true, nullstr = ['', 'NA'], strict_mode = true)`;
await time("read the CSV (count)", `SELECT count(*), sum(num0) FROM ${reader}`);
await time(
  "CSV to Parquet",
  `COPY (SELECT * FROM ${reader}) TO ${at("ingest.parquet")} (FORMAT parquet, COMPRESSION snappy)`,
);
const transformed = [
  ...num.map((n) => `(coalesce(${n}, 1.0) - 2.0) / 3.0 AS ${n}`),
  ...cat.flatMap((n, i) =>
    Array.from({ length: 3 + i }, (_, k) => String.fromCharCode(97 + k)).map(
      (v) => `(${n} = '${v}')::INTEGER AS "${n}=${v}"`,
    ),
  ),
];
await time(
  "CSV to transformed Parquet in one statement",
  `COPY (SELECT ${transformed.join(", ")} FROM ${reader}) TO ${at("direct.parquet")} (FORMAT parquet, COMPRESSION snappy)`,
);
instance.closeSync();
