// The per-token API rate limit: counted in the database for every instance, 429 with Retry-After in whole seconds.
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POST as gatePost } from "@/app/api/v1/gate/route";
import { DomainError } from "@/server/errors";
import { setRuntime } from "@/server/runtime";
import { apiRateKey, enforceApiRate, FLUSH_MS, SHARED_WITHIN_MS } from "@/server/security/api-rate-limit";
import { peek } from "@/server/security/rate-limit";
import { createToken } from "@/server/tokens/tokens";
import { describeEachDatabase } from "@/tests/helpers/db";
import { teamWithService } from "@/tests/helpers/fixtures";

// Read once by env() on the first request of this test process.
process.env.GATEHOUSE_API_RATE_PER_MINUTE = "3";

describeEachDatabase("API rate limit per token", (t) => {
  describe("enforceApiRate", () => {
    it("allows the limit per minute, then refuses with the seconds left in the window", async () => {
      const t0 = new Date("2033-01-01T00:00:00Z").getTime();
      const at = (ms: number) => new Date(t0 + ms);
      const id = `tok_${Math.random().toString(36).slice(2)}`;
      for (const ms of [0, 5_000, 10_000]) await enforceApiRate(t.db(), id, at(ms), 3);
      const e = await enforceApiRate(t.db(), id, at(15_500), 3).catch((err: unknown) => err);
      expect(e).toBeInstanceOf(DomainError);
      expect(e).toMatchObject({ code: "rate_limited", extra: { retryAfter: 45 } });
      // Another token has its own budget.
      await enforceApiRate(t.db(), `${id}x`, at(15_500), 3);
      // A refused call still counts, and the next window starts afresh.
      await expect(enforceApiRate(t.db(), id, at(59_999), 3)).rejects.toMatchObject({ extra: { retryAfter: 1 } });
      await enforceApiRate(t.db(), id, at(60_000), 3);
    });
  });

  describe("the count between instances", () => {
    const waitFor = async (what: () => Promise<boolean>) => {
      for (const end = Date.now() + 5_000; Date.now() < end;) {
        if (await what()) return true;
        await new Promise((r) => setTimeout(r, 10));
      }
      return what();
    };
    const limit = (id: string) => ({ key: apiRateKey(id), windowSeconds: 60 });

    it("admits a burst on the count it read, refuses exactly past the limit, and writes every request it counted", async () => {
      const t0 = new Date("2034-01-01T00:00:00Z").getTime();
      const id = `tok_${Math.random().toString(36).slice(2)}`;
      // The first request reads (and writes) the database; the next ones, within SHARED_WITHIN_MS, are counted here.
      for (let i = 0; i < 3; i++) await enforceApiRate(t.db(), id, new Date(t0 + i), 3);
      const e = await enforceApiRate(t.db(), id, new Date(t0 + 3), 3).catch((err: unknown) => err);
      expect(e).toMatchObject({ code: "rate_limited", extra: { retryAfter: 60 } });
      // Within FLUSH_MS, the three counted here (the refused one too) are written, in one statement.
      expect(await waitFor(async () => (await peek(t.db(), limit(id), new Date(t0 + 4))) === 4)).toBe(true);
    });

    it("counts what it has not written yet when it reads the database again", async () => {
      const t0 = new Date("2036-01-01T00:00:00Z").getTime();
      const id = `tok_${Math.random().toString(36).slice(2)}`;
      await enforceApiRate(t.db(), id, new Date(t0), 3); // read: 1
      await enforceApiRate(t.db(), id, new Date(t0 + 1), 3); // counted here, written within FLUSH_MS
      // Each of these finds its count stale and reads the database again, whether that write has landed or not…
      await enforceApiRate(t.db(), id, new Date(t0 + SHARED_WITHIN_MS), 3);
      // …so the fourth is refused either way (the database alone may say 3 while the second is on its way).
      await expect(enforceApiRate(t.db(), id, new Date(t0 + 2 * SHARED_WITHIN_MS + 1), 3)).rejects.toMatchObject({
        code: "rate_limited",
      });
      expect(await waitFor(async () => (await peek(t.db(), limit(id), new Date(t0 + 300))) === 4)).toBe(true);
    });

    it("sees another instance's requests once its count is older than SHARED_WITHIN_MS", async () => {
      const t0 = new Date("2035-01-01T00:00:00Z").getTime();
      const id = `tok_${Math.random().toString(36).slice(2)}`;
      // Another instance: its own memory of counts, the same database.
      const other = Object.create(t.db()) as ReturnType<typeof t.db>;
      await enforceApiRate(t.db(), id, new Date(t0), 4); // reads 1
      await enforceApiRate(other, id, new Date(t0 + 1), 4); // reads 2
      await enforceApiRate(t.db(), id, new Date(t0 + 2), 4); // 1 read + 1 here: admitted (it has not seen the other's)
      await enforceApiRate(other, id, new Date(t0 + 3), 4); // 2 read + 1 here
      expect(await waitFor(async () => (await peek(t.db(), limit(id), new Date(t0 + 4))) === 4)).toBe(true);
      // Past SHARED_WITHIN_MS each reads the database again: the four are every instance's, so both refuse now.
      const later = t0 + 2 + SHARED_WITHIN_MS;
      await expect(enforceApiRate(t.db(), id, new Date(later), 4)).rejects.toMatchObject({ code: "rate_limited" });
      await expect(enforceApiRate(other, id, new Date(later + 1), 4)).rejects.toMatchObject({ code: "rate_limited" });
    });

    it("keeps requests whose write failed counted, and writes them once the database takes them", async () => {
      const t0 = new Date("2037-01-01T00:00:00Z").getTime();
      const id = `tok_${Math.random().toString(36).slice(2)}`;
      const key = apiRateKey(id);
      await enforceApiRate(t.db(), id, new Date(t0), 3); // read: 1
      // The database refuses any higher count for this one key (a real error, from the real table).
      const name = sql.raw(`rate_block_${id}`);
      await t
        .db()
        .execute(sql`alter table rate_limits add constraint ${name} check (key <> ${sql.raw(`'${key}'`)} or count <= 1)`);
      try {
        await enforceApiRate(t.db(), id, new Date(t0 + 1), 3); // counted here: 2
        await enforceApiRate(t.db(), id, new Date(t0 + 2), 3); // counted here: 3
        // Their write fails (within FLUSH_MS), and is tried again later and later while it keeps failing.
        await new Promise((r) => setTimeout(r, FLUSH_MS * 4));
        expect(await peek(t.db(), limit(id), new Date(t0 + 3))).toBe(1);
        // A request now reads and writes the database itself; its write fails too, so it is refused (fails closed).
        await expect(enforceApiRate(t.db(), id, new Date(t0 + 3), 3)).rejects.toMatchObject({
          cause: { message: expect.stringMatching(/violates check constraint "rate_block_/) as unknown },
        });
      } finally {
        await t.db().execute(sql`alter table rate_limits drop constraint ${name}`);
      }
      // Once the database takes writes again, the two counted here are written (the refused fourth never was), and the
      // token's budget is spent: the next request is refused. Were they dropped, the database would say 1 and admit it.
      expect(await waitFor(async () => (await peek(t.db(), limit(id), new Date(t0 + 4))) === 3)).toBe(true);
      await expect(enforceApiRate(t.db(), id, new Date(t0 + 10 * SHARED_WITHIN_MS), 3)).rejects.toMatchObject({
        code: "rate_limited",
      });
    });
  });

  describe("through the REST wrapper", () => {
    beforeAll(() => {
      setRuntime({ db: t.db(), kind: t.kind, describe: "test", startedAt: new Date(), publicUrl: "http://localhost" });
    });
    afterAll(() => setRuntime(undefined));

    it("answers 429 with Retry-After in seconds once a token goes over GATEHOUSE_API_RATE_PER_MINUTE", async () => {
      const ctx = t.ctx();
      const { team, service } = await teamWithService(ctx);
      const tok = await createToken(ctx, { team: team.slug, scopes: ["gate:evaluate"] });
      const call = () =>
        gatePost(
          new Request("http://localhost/api/v1/gate", {
            method: "POST",
            headers: { authorization: `Bearer ${tok.token}`, "content-type": "application/json" },
            body: JSON.stringify({ service: service.slug, commit: "a".repeat(40), stage: "production" }),
          }),
          { params: Promise.resolve({}) },
        );
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) statuses.push((await call()).status);
      expect(statuses).not.toContain(429);
      const refused = await call();
      expect(refused.status).toBe(429);
      const retryAfter = refused.headers.get("retry-after");
      expect(retryAfter).toMatch(/^\d+$/);
      expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
      expect(Number(retryAfter)).toBeLessThanOrEqual(60);
      const body = (await refused.json()) as Record<string, unknown>;
      expect(body).toMatchObject({ status: 429, type: "/problems/rate-limited", retryAfter: Number(retryAfter) });
      expect(refused.headers.get("content-type")).toBe("application/problem+json");
    });
  });
});
