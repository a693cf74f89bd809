import { uploadsHttp } from "@/server/api/uploads-http";

export const dynamic = "force-dynamic";

export async function POST(req: Request, { params }: { params: Promise<{ uploadId: string }> }) {
  return uploadsHttp.complete(req, (await params).uploadId);
}
