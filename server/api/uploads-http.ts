import { z } from "zod";
import { defaultArtifactStore } from "../artifacts/default-store";
import { getDb } from "../db/client";
import { appendChunk, completeUpload, createUpload, uploadStatus } from "../services/uploads";
import { ForbiddenError, UnauthorizedError, UploadError } from "../../lib/errors";
import { requireRole } from "./http-auth";

/** JSON errors that say what was wrong; 400 for the client's mistakes, 500 otherwise. */
export async function handle(fn: () => Promise<unknown>): Promise<Response> {
  try {
    return Response.json(await fn());
  } catch (err) {
    if (err instanceof UnauthorizedError)
      return Response.json({ error: err.message }, { status: 401 });
    if (err instanceof ForbiddenError)
      return Response.json({ error: err.message }, { status: 403 });
    if (err instanceof UploadError) return Response.json({ error: err.message }, { status: 400 });
    if (err instanceof z.ZodError)
      return Response.json(
        { error: err.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ") },
        { status: 400 },
      );
    return Response.json(
      { error: err instanceof Error ? err.message : String(err) },
      { status: 500 },
    );
  }
}

export const uploadsHttp = {
  create: (req: Request) =>
    handle(async () => {
      const p = await requireRole(req, "analyst");
      const input = z
        .object({ filename: z.string().min(1).max(500), size: z.number().int() })
        .parse(await req.json());
      return createUpload({ ...input, workspaceId: p.workspaceId });
    }),
  status: (req: Request, id: string) =>
    handle(async () => uploadStatus(id, (await requireRole(req, "analyst")).workspaceId)),
  append: (req: Request, id: string) =>
    handle(async () => {
      const p = await requireRole(req, "analyst");
      const offset = Number(req.headers.get("upload-offset"));
      if (!Number.isInteger(offset) || offset < 0)
        throw new UploadError("Send the chunk's position in the Upload-Offset header");
      if (!req.body) throw new UploadError("The chunk is empty");
      return appendChunk(id, offset, req.body, p.workspaceId);
    }),
  complete: (req: Request, id: string) =>
    handle(async () => {
      const p = await requireRole(req, "analyst");
      return completeUpload(getDb(), defaultArtifactStore(), id, p.workspaceId);
    }),
};
