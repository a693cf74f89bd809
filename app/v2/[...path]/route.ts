import { getServing } from "@/server/serving/runtime";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

const handle = (request: Request) => getServing().app.fetch(request);

export { handle as GET, handle as POST };
