import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import type { ArtifactStore } from "../artifacts/store";
import type { DatasetMetadata } from "../data/dataset";
import { openSandbox, quoteLiteral } from "../data/sandbox";
import type { Db } from "../db/client";
import { artifacts } from "../db/schema";
import { NotFoundError } from "./pipelines";

export class NotADatasetError extends Error {
  override name = "NotADatasetError";
}

/** The first rows of a dataset artifact, with the schema and profile recorded when it was made. */
export async function previewDataset(db: Db, store: ArtifactStore, hash: string, limit: number) {
  const [row] = await db.select().from(artifacts).where(eq(artifacts.hash, hash));
  if (!row) throw new NotFoundError(`No artifact ${hash}`);
  if (row.kind !== "dataset")
    throw new NotADatasetError(`Artifact ${hash} is a ${row.kind}, not a dataset`);
  const dir = await mkdtemp(path.join(os.tmpdir(), "flowforge-preview-"));
  try {
    const file = path.join(dir, "data.parquet");
    await store.downloadTo(hash, file);
    const box = await openSandbox(dir, { threads: 1, memoryLimit: "512MB" });
    try {
      const reader = await box.connection.runAndReadAll(
        `SELECT * FROM read_parquet(${quoteLiteral(file)}) LIMIT ${Math.trunc(limit)}`,
      );
      const meta = row.metadata as DatasetMetadata;
      return {
        rows: reader.getRowObjectsJson(),
        rowCount: meta.rows,
        schema: meta.schema,
        profile: meta.profile,
      };
    } finally {
      box.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
