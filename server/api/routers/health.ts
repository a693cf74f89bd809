import { checkHealth } from "../../services/health";
import { publicProcedure, router } from "../trpc";

export const healthRouter = router({
  get: publicProcedure.query(({ ctx }) => checkHealth(ctx.getDb)),
});
