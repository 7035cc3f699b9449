// The upgrade of an existing installation (migration 0009, hand-written SQL): team tokens lose policies:write (kept as
// waivers:write), false-positive marks get an expiry, and waiver requests are tied to the person behind them. Run on a
// database migrated only up to the version before, holding the data an older Gatehouse wrote.
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows, type DbHandle } from "@/db/client";
import { authenticateToken } from "@/server/tokens/tokens";
import { backends } from "@/tests/helpers/db";
import { upgradedDatabase } from "@/tests/helpers/migrations";

const BEFORE = "0007_views_speed";

for (const kind of backends()) {
  describe(`upgrading an installation to issue 11's rules [${kind}]`, () => {
    let h: DbHandle;
    const now = new Date();
    const daysAgo = (d: number) => new Date(now.getTime() - d * 86_400_000).toISOString();

    beforeAll(async () => {
      h = await upgradedDatabase(kind, BEFORE, async (run) => {
        await run(`insert into teams (id, slug, name, created_at) values ('team_a', 'alpha', 'Alpha', now())`);
        await run(
          `insert into services (id, team_id, slug, name, created_at, updated_at) values ('svc_a', 'team_a', 'alpha-one', 'One', now(), now())`,
        );
        await run(
          `insert into users (id, email, role, created_at) values ('usr_sec', 'sec@example.com', 'security', now()), ('usr_dev', 'dev@example.com', 'developer', now())`,
        );
        // The token: bound to a team and a service, with policies:write; and a pipeline's token made by a person.
        await run(`insert into api_tokens (id, team_id, service_ids, name, hash, display_prefix, scopes, expires_at, created_at, created_by)
                   values ('tok_bound', 'team_a', array['svc_a'], 'bound', 'h1', 'gth_AAAAAA', array['policies:write'], now() + interval '30 days', now(), 'cli:ops'),
                          ('tok_pipe', 'team_a', null, 'pipe', 'h2', 'gth_BBBBBB', array['policies:write','read','scans:write'], now() + interval '30 days', now(), 'sec@example.com')`);
        await run(`update api_tokens set created_by_user_id = 'usr_sec' where id = 'tok_pipe'`);
        await run(`insert into waivers (id, team_id, service_id, match_type, match_value, kind, reason, expires_at, created_by, created_at, approved_by, approved_at)
                   values ('wvr_oldfp', 'team_a', 'svc_a', 'rule', 'r1', 'false_positive', 'an old false positive', null, 'dev@example.com', '${daysAgo(700)}', 'sec@example.com', '${daysAgo(699)}'),
                          ('wvr_newfp', 'team_a', 'svc_a', 'rule', 'r2', 'false_positive', 'a recent false positive', null, 'dev@example.com', '${daysAgo(10)}', null, null),
                          ('wvr_bytok', 'team_a', 'svc_a', 'rule', 'r3', 'waiver', 'asked by a pipeline token', now() + interval '5 days', 'token:gth_BBBBBB…', now(), null, null)`);
      });
    }, 120_000);
    afterAll(async () => {
      await h?.close();
    });

    it("takes policies:write from team tokens (kept as waivers:write), audited, and refuses it on them from now on", async () => {
      const rows = await queryRows<{ id: string; scopes: string[] }>(h.db, sql`select id, scopes from api_tokens order by id`);
      expect(rows).toEqual([
        { id: "tok_bound", scopes: ["waivers:write"] },
        { id: "tok_pipe", scopes: ["read", "scans:write", "waivers:write"] },
      ]);
      const [event] = await queryRows<{ action: string; after: { tokens: string[] } }>(
        h.db,
        sql`select action, after from audit_events where action = 'token.scopes_migrated'`,
      );
      expect(event!.after.tokens).toEqual(["tok_bound", "tok_pipe"]);
      await expect(
        h.db.execute(sql`update api_tokens set scopes = array['policies:write'] where id = 'tok_bound'`),
      ).rejects.toThrow();
      await expect(
        h.db
          .execute(sql`insert into api_tokens (id, team_id, name, hash, display_prefix, scopes, expires_at, created_at, created_by)
                         values ('tok_org', null, 'org', 'h3', 'gth_CCCCCC', array['scans:write'], now(), now(), 'x')`),
      ).rejects.toThrow();
    });

    it("gives every false-positive mark an expiry: a year after it was made, at least 30 days after the upgrade", async () => {
      const rows = await queryRows<{ id: string; expires_at: string | Date }>(
        h.db,
        sql`select id, expires_at from waivers where kind = 'false_positive' order by id`,
      );
      const days = (v: string | Date) => Math.round((new Date(v).getTime() - now.getTime()) / 86_400_000);
      expect(rows.map((r) => [r.id, days(r.expires_at)])).toEqual([
        ["wvr_newfp", 355],
        ["wvr_oldfp", 30],
      ]);
      await expect(h.db.execute(sql`update waivers set expires_at = null where id = 'wvr_newfp'`)).rejects.toThrow();
    });

    it("ties each request to the person behind it, a token's to its creator", async () => {
      const rows = await queryRows<{ id: string; requested_by_user_id: string | null; approved_by_user_id: string | null }>(
        h.db,
        sql`select id, requested_by_user_id, approved_by_user_id from waivers order by id`,
      );
      expect(rows).toEqual([
        { id: "wvr_bytok", requested_by_user_id: "usr_sec", approved_by_user_id: null },
        { id: "wvr_newfp", requested_by_user_id: "usr_dev", approved_by_user_id: null },
        { id: "wvr_oldfp", requested_by_user_id: "usr_dev", approved_by_user_id: "usr_sec" },
      ]);
    });

    it("authenticates an upgraded token with what its binding allows", async () => {
      // A well-formed token is needed to reach the lookup; its hash is what the row holds.
      const { generateToken, hashToken } = await import("@/server/tokens/token-format");
      const token = generateToken();
      await h.db.execute(sql`update api_tokens set hash = ${hashToken(token)} where id = 'tok_pipe'`);
      const actor = await authenticateToken({ db: h.db, now: () => new Date() }, token);
      expect(actor).toMatchObject({ org: false, creatorId: "usr_sec", scopes: ["read", "scans:write", "waivers:write"] });
    });
  });
}
