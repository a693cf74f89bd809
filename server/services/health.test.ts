import { describe, expect, it } from "vitest";
import { createDb } from "../db/client";
import { freePort } from "../embedded/ports";
import { waitFor } from "../../tests/helpers";
import { checkHealth } from "./health";

describe("checkHealth", () => {
  it("is down, naming the database, when PostgreSQL does not answer", async () => {
    const { db, sql } = createDb(`postgres://nobody:nothing@127.0.0.1:${await freePort()}/none`, {
      max: 1,
    });
    try {
      const health = await checkHealth(() => db);
      expect(health.status).toBe("down");
      expect(health.database.ok).toBe(false);
      expect(health.database.error).toMatch(/ECONNREFUSED|connect/i);
      expect(health.temporal.ok).toBe(true);
    } finally {
      await sql.end({ timeout: 1 });
    }
  });

  it("is down when no live worker polls the cpu queue", async () => {
    const { db, sql } = createDb(process.env.DATABASE_URL!, { max: 1 });
    try {
      // No worker runs in this file; one killed by an earlier file goes stale within 30 s.
      const health = await waitFor(
        "the cpu queue to have no live worker",
        async () => {
          const h = await checkHealth(() => db);
          return h.queues.find((q) => q.queue === "cpu")?.ok ? null : h;
        },
        45_000,
      );
      expect(health.queues.find((q) => q.queue === "cpu")).toMatchObject({
        required: true,
        ok: false,
        workers: [],
      });
      expect(health.status).toBe("down");
    } finally {
      await sql.end({ timeout: 1 });
    }
  });
});
