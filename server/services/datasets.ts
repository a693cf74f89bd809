import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import type { ArtifactStore } from "../artifacts/store";
import { describeRelation, loadDataset, type DatasetMetadata } from "../../lib/data/dataset";
import { openSandbox } from "../../lib/data/sandbox";
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
      };
    } finally {
      box.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
