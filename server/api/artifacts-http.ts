import { Readable } from "node:stream";
import { eq } from "drizzle-orm";
import { assertArtifact } from "../auth/access";
import { defaultArtifactStore } from "../artifacts/default-store";
import { getDb } from "../db/client";
import { artifacts } from "../db/schema";
import { ForbiddenError, NotFoundError, UnauthorizedError } from "../../lib/errors";
import { requireRole } from "./http-auth";

const EXTENSIONS: Record<string, string> = {
  dataset: "parquet",
  model: "onnx",
  metrics: "json",
  upload: "bin",
};

/** Streams an artifact of the caller's workspace as a download, named by its kind and hash. */
export async function downloadArtifact(req: Request, hash: string): Promise<Response> {
  try {
    if (!/^[0-9a-f]{64}$/.test(hash)) throw new NotFoundError(`Artifact ${hash} does not exist`);
    const p = await requireRole(req, "analyst");
    const db = getDb();
    await assertArtifact(db, p, hash);
    const [row] = await db
      .select({
        kind: artifacts.kind,
        sizeBytes: artifacts.sizeBytes,
        metadata: artifacts.metadata,
      })
      .from(artifacts)
      .where(eq(artifacts.hash, hash));
    if (!row) throw new NotFoundError(`Artifact ${hash} does not exist`);
    const named = (row.metadata as { filename?: unknown }).filename;
    const filename =
      row.kind === "upload" && typeof named === "string"
        ? named
        : `${row.kind}-${hash.slice(0, 12)}.${EXTENSIONS[row.kind] ?? "json"}`;
    const stream = await defaultArtifactStore().openRead(hash);
    return new Response(Readable.toWeb(Readable.from(stream)) as ReadableStream, {
      headers: {
        "content-type": "application/octet-stream",
        "content-length": String(row.sizeBytes),
        "content-disposition": `attachment; filename="${filename.replace(/["\\\r\n]/g, "_")}"`,
        "x-content-type-options": "nosniff",
      },
    });
  } catch (err) {
    if (err instanceof UnauthorizedError)
      return Response.json({ error: err.message }, { status: 401 });
    if (err instanceof ForbiddenError)
      return Response.json({ error: err.message }, { status: 403 });
    if (err instanceof NotFoundError) return Response.json({ error: err.message }, { status: 404 });
    throw err;
  }
}
