import { uploadsHttp } from "@/server/api/uploads-http";

export const dynamic = "force-dynamic";

type Params = { params: Promise<{ uploadId: string }> };

export async function GET(req: Request, { params }: Params) {
  return uploadsHttp.status(req, (await params).uploadId);
}

export async function PUT(req: Request, { params }: Params) {
  return uploadsHttp.append(req, (await params).uploadId);
}
