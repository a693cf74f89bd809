import { uploadsHttp } from "@/server/api/uploads-http";

export const dynamic = "force-dynamic";

export const POST = (req: Request) => uploadsHttp.create(req);
