import { describe, expect, it } from "vitest";
import { isDatabaseUnavailable, whileDatabaseUnavailable } from "./outage";

const withCode = (code: string, message = code) => Object.assign(new Error(message), { code });
/** What drizzle throws: its own error, the driver's as the cause. */
const wrapped = (cause: Error) => new Error("Failed query: select 1", { cause });

describe("isDatabaseUnavailable", () => {
  it("knows a database that is away from a query that is wrong", () => {
    for (const code of ["ECONNREFUSED", "CONNECTION_CLOSED", "57P01", "57P03", "08006"]) {
      expect(isDatabaseUnavailable(withCode(code)), code).toBe(true);
      expect(isDatabaseUnavailable(wrapped(withCode(code))), code).toBe(true);
    }
    for (const err of [
      withCode("23505"),
      withCode("42P01"),
      // The pool was ended on purpose: waiting would not bring it back.
      withCode("CONNECTION_ENDED"),
      new Error("boom"),
      "text",
      null,
    ])
      expect(isDatabaseUnavailable(err)).toBe(false);
  });
});

describe("whileDatabaseUnavailable", () => {
  it("retries through an outage, and only through an outage", async () => {
    let calls = 0;
    const result = await whileDatabaseUnavailable(() =>
      ++calls < 3 ? Promise.reject(wrapped(withCode("ECONNREFUSED"))) : Promise.resolve("written"),
    );
    expect([result, calls]).toEqual(["written", 3]);

    calls = 0;
    const conflict = withCode("23505", "duplicate key");
    await expect(
      whileDatabaseUnavailable(() => {
        calls++;
        return Promise.reject(conflict);
      }),
    ).rejects.toBe(conflict);
    expect(calls).toBe(1);
  });

  it("gives up after its time, or at once when cancelled", async () => {
    const down = withCode("ECONNREFUSED");
    let calls = 0;
    const started = Date.now();
    await expect(
      whileDatabaseUnavailable(
        () => {
          calls++;
          return Promise.reject(down);
        },
        { maxWaitMs: 500 },
      ),
    ).rejects.toBe(down);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(calls).toBeGreaterThan(1);

    const aborted = AbortSignal.abort();
    calls = 0;
    await expect(
      whileDatabaseUnavailable(
        () => {
          calls++;
          return Promise.reject(down);
        },
        { signal: aborted },
      ),
    ).rejects.toBe(down);
    expect(calls).toBe(1);
  });
});
