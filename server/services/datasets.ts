import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { eq } from "drizzle-orm";
import type { ArtifactStore } from "../artifacts/store";
import {
  describeRelation,
  isNumeric,
  loadDataset,
  type ColumnProfile,
  type DatasetMetadata,
} from "../../lib/data/dataset";
import { openSandbox, quoteIdent } from "../../lib/data/sandbox";
import type { Db } from "../db/client";
import { artifacts } from "../db/schema";
import { NotADatasetError, NotFoundError } from "../../lib/errors";

/**
 * The first rows of a dataset artifact, with its schema and profile. A profile the step did not
 * compute (see DatasetMetadata) is computed now, from the artifact, and kept with it.
 */
export async function previewDataset(db: Db, store: ArtifactStore, hash: string, limit: number) {
  const [row] = await db.select().from(artifacts).where(eq(artifacts.hash, hash));
  if (!row) throw new NotFoundError(`No artifact ${hash}`);
  if (row.kind !== "dataset")
    throw new NotADatasetError(`Artifact ${hash} is a ${row.kind}, not a dataset`);
  const dir = await mkdtemp(path.join(os.tmpdir(), "flowforge-preview-"));
  try {
    const file = path.join(dir, "data.parquet");
    await store.downloadTo(hash, file);
    const meta = row.metadata as DatasetMetadata;
    const box = await openSandbox(dir, { threads: meta.profile ? 1 : 2, memoryLimit: "512MB" });
    try {
      const c = box.connection;
      await loadDataset(c, file, "data");
      const reader = await c.runAndReadAll(`SELECT * FROM data LIMIT ${Math.trunc(limit)}`);
      let profile = meta.profile;
      if (!profile) {
        profile = (await describeRelation(c, "data")).profile;
        // Content-addressed: whoever computes it computes the same profile, so the last write wins.
        await db
          .update(artifacts)
          .set({ metadata: { ...meta, profile } })
          .where(eq(artifacts.hash, hash));
      }
      return {
        rows: reader.getRowObjectsJson(),
        rowCount: meta.rows,
        schema: meta.schema,
        profile,
        roles: (row.metadata as { roles?: { label?: string; ids?: string[]; ignored?: string[] } })
          .roles,
      };
    } finally {
      box.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export const rowFilterOps = [
  "contains",
  "=",
  "!=",
  ">",
  ">=",
  "<",
  "<=",
  "is null",
  "is not null",
] as const;

export interface RowQuery {
  offset: number;
  limit: number;
  sort?: { column: string; desc: boolean };
  filter?: { column: string; op: (typeof rowFilterOps)[number]; value?: string };
}

/** Downloaded datasets, kept a few minutes: a viewer scrolls through pages of the same file. */
const local = new Map<string, { file: Promise<string>; dir: string; used: number }>();
const KEEP_MS = 5 * 60_000;
const KEEP_FILES = 4;

function localCopy(store: ArtifactStore, hash: string): Promise<string> {
  const now = Date.now();
  for (const [h, entry] of local)
    if (now - entry.used > KEEP_MS || (local.size > KEEP_FILES && h !== hash)) {
      local.delete(h);
      void rm(entry.dir, { recursive: true, force: true });
    }
  let entry = local.get(hash);
  if (!entry) {
    const dir = path.join(os.tmpdir(), `flowforge-rows-${hash.slice(0, 16)}-${now}`);
    const file = mkdtemp(dir).then(async (d) => {
      entry!.dir = d;
      const f = path.join(d, "data.parquet");
      await store.downloadTo(hash, f);
      return f;
    });
    entry = { file, dir, used: now };
    local.set(hash, entry);
    file.catch(() => local.delete(hash));
  }
  entry.used = now;
  return entry.file;
}

/**
 * A page of a dataset's rows, sorted and filtered by a column of its schema (names are checked
 * against it; values are parameters), with the number of rows the filter keeps.
 */
export async function datasetRows(db: Db, store: ArtifactStore, hash: string, q: RowQuery) {
  const [row] = await db.select().from(artifacts).where(eq(artifacts.hash, hash));
  if (!row) throw new NotFoundError(`No artifact ${hash}`);
  if (row.kind !== "dataset")
    throw new NotADatasetError(`Artifact ${hash} is a ${row.kind}, not a dataset`);
  const meta = row.metadata as DatasetMetadata;
  const known = new Map(meta.schema.map((c) => [c.name, c]));
  const column = (name: string) => {
    const c = known.get(name);
    if (!c) throw new NotFoundError(`The dataset has no column "${name}"`);
    return c;
  };
  const file = await localCopy(store, hash);
  const box = await openSandbox(path.dirname(file), { threads: 1, memoryLimit: "512MB" });
  try {
    const c = box.connection;
    await loadDataset(c, file, "data");
    const values: string[] = [];
    let where = "";
    if (q.filter) {
      const col = column(q.filter.column);
      const ident = quoteIdent(col.name);
      const op = q.filter.op;
      if (op === "is null" || op === "is not null") where = `WHERE ${ident} ${op.toUpperCase()}`;
      else {
        values.push(q.filter.value ?? "");
        where =
          op === "contains"
            ? `WHERE contains(lower(${ident}::VARCHAR), lower(?))`
            : isNumeric(col.type)
              ? `WHERE ${ident} ${op === "!=" ? "<>" : op} TRY_CAST(? AS DOUBLE)`
              : `WHERE ${ident}::VARCHAR ${op === "!=" ? "<>" : op} ?`;
      }
    }
    const order = q.sort
      ? `ORDER BY ${quoteIdent(column(q.sort.column).name)} ${q.sort.desc ? "DESC" : "ASC"} NULLS LAST`
      : "";
    const total = Number(
      (
        await c.runAndReadAll(`SELECT count(*)::BIGINT AS n FROM data ${where}`, values)
      ).getRowObjects()[0]?.n ?? 0,
    );
    const reader = await c.runAndReadAll(
      `SELECT * FROM data ${where} ${order} LIMIT ${Math.trunc(q.limit)} OFFSET ${Math.trunc(q.offset)}`,
      values,
    );
    return { rows: reader.getRowObjectsJson(), total };
  } finally {
    box.close();
  }
}

/**
 * A seeded sample of up to `n` rows of the named columns a dataset has (others are left out), as
 * numbers where the column is numeric and text otherwise; nulls stay null.
 */
export async function sampleColumns(
  db: Db,
  store: ArtifactStore,
  hash: string,
  columns: string[],
  n = 20_000,
): Promise<Record<string, (number | string | null)[]>> {
  const [row] = await db.select().from(artifacts).where(eq(artifacts.hash, hash));
  if (!row || row.kind !== "dataset") return {};
  const schema = (row.metadata as DatasetMetadata).schema;
  const present = schema.filter((c) => columns.includes(c.name));
  if (present.length === 0) return {};
  return withDataset(store, hash, async (c) => {
    const select = present
      .map((col, k) =>
        isNumeric(col.type)
          ? `${quoteIdent(col.name)}::DOUBLE AS c${k}`
          : `${quoteIdent(col.name)}::VARCHAR AS c${k}`,
      )
      .join(", ");
    const rows = (
      await c.runAndReadAll(
        `SELECT ${select} FROM data USING SAMPLE ${Math.trunc(n)} ROWS (reservoir, 7)`,
      )
    ).getRowObjects();
    return Object.fromEntries(
      present.map((col, k) => [
        col.name,
        rows.map((r) => {
          const v = r[`c${k}`];
          return v === null || v === undefined ? null : isNumeric(col.type) ? Number(v) : String(v);
        }),
      ]),
    );
  });
}

/**
 * A dataset's row count, profile and roles from its stored metadata; only a dataset never
 * profiled is downloaded, profiled and the profile kept (previewDataset).
 */
export async function datasetProfile(db: Db, store: ArtifactStore, hash: string) {
  const [row] = await db.select().from(artifacts).where(eq(artifacts.hash, hash));
  if (!row) throw new NotFoundError(`No artifact ${hash}`);
  const meta = row.metadata as DatasetMetadata & {
    roles?: { label?: string; ids?: string[]; ignored?: string[] };
  };
  if (row.kind === "dataset" && meta.profile)
    return { rowCount: meta.rows, profile: meta.profile, roles: meta.roles, metadata: meta };
  const preview = await previewDataset(db, store, hash, 0);
  return {
    rowCount: preview.rowCount,
    profile: preview.profile,
    roles: preview.roles,
    metadata: meta,
  };
}

/** Runs `fn` on a dataset artifact loaded as the view `data`, in a one-thread sandbox. */
export async function withDataset<T>(
  store: ArtifactStore,
  hash: string,
  fn: (c: DuckDBConnection) => Promise<T>,
): Promise<T> {
  const file = await localCopy(store, hash);
  const box = await openSandbox(path.dirname(file), { threads: 1, memoryLimit: "512MB" });
  try {
    await loadDataset(box.connection, file, "data");
    return await fn(box.connection);
  } finally {
    box.close();
  }
}

/** A profile as an overview shows it: per column its type, missing and distinct values, range. */
export const profileSummary = (profile: ColumnProfile[]) =>
  profile.map((p) => ({
    name: p.name,
    type: p.type,
    nulls: p.nulls,
    distinct: p.distinct,
    min: p.min,
    max: p.max,
    mean: p.mean,
  }));
