import { downloadArtifact } from "@/server/api/artifacts-http";

export const dynamic = "force-dynamic";

export async function GET(req: Request, { params }: { params: Promise<{ hash: string }> }) {
  return downloadArtifact(req, (await params).hash);
}
