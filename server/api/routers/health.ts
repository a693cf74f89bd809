import { checkHealth } from "../../services/health";
import { signedInProcedure, router } from "../trpc";

export const healthRouter = router({
  get: signedInProcedure.query(({ ctx }) => checkHealth(ctx.getDb)),
});
