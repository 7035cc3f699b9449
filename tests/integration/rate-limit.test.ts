// The per-token API rate limit: counted in the database, 429 with Retry-After in whole seconds.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POST as gatePost } from "@/app/api/v1/gate/route";
import { DomainError } from "@/server/errors";
import { setRuntime } from "@/server/runtime";
import { enforceApiRate } from "@/server/security/api-rate-limit";
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
