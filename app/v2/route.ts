import { getServing } from "@/server/serving/runtime";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

// Server metadata (GET /v2): Open Inference Protocol clients ask it first, with no session.
export const GET = (request: Request) => getServing().app.fetch(request);
