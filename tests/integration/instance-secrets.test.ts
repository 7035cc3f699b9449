// With an instance key, neither the secret-hash key (secret_salt) nor the session secret (auth_secret) is in the
// database in clear: an existing installation's values are sealed and removed, so that its fingerprints and sessions
// carry on; a wrong or missing key stops start-up; the embedded database gets a 0600 key file.
import { statSync } from "node:fs";
import path from "node:path";
import { eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents, findings, instanceSettings } from "@/db/schema";
import { authSecret } from "@/server/auth/settings";
import { parseEnv } from "@/server/env";
import {
  InstanceKeyError,
  KEY_FILE,
  prepareInstanceSecrets,
  secretSalt,
  setInstanceKey,
} from "@/server/security/instance-secrets";
import { describeEachDatabase, openTestDatabase } from "@/tests/helpers/db";
import { generic, sha, teamWithService, tokenContext, upload } from "@/tests/helpers/fixtures";
import { tempDir } from "@/tests/helpers/server";

const KEY = "k".repeat(20) + "-instance-key-for-tests";
const leaked = generic("gitleaks-ish", [
  {
    kind: "secret",
    ruleId: "aws-key",
    title: "AWS key",
    severity: "critical",
    secret: "AKIAIOSFODNN7EXAMPLE",
    location: { file: "a.env" },
  },
]);

describeEachDatabase("instance secrets", (t) => {
  const env = parseEnv({});
  beforeAll(() => setInstanceKey(null));
  afterAll(() => setInstanceKey(undefined));

  const settings = async () =>
    (
      await t
        .db()
        .select()
        .from(instanceSettings)
        .where(inArray(instanceSettings.key, ["secret_salt", "auth_secret", "sealed:secret_salt", "sealed:auth_secret"]))
    ).map((r) => r.key);

  it("seals an installation's clear secrets with the key, removes them, and keeps fingerprints and sessions", async () => {
    // An installation that ran without a key: both secrets in clear, a secret finding fingerprinted with the salt.
    const saltBefore = await secretSalt(t.db());
    const sessionBefore = await authSecret(t.db(), env);
    expect((await settings()).sort()).toEqual(["auth_secret", "secret_salt"]);
    const { team, service } = await teamWithService(t.ctx());
    const tok = await tokenContext(t.ctx(), { team: team.slug, scopes: ["scans:write"] });
    const first = await upload(tok, { service: service.slug, commit: sha("k1") }, leaked);
    expect(first.statistics.created).toBe(1);
    const [stored] = await t.db().select().from(findings).where(eq(findings.serviceId, service.id));

    const prepared = await prepareInstanceSecrets(t.db(), { secretKey: KEY, authSecretFromEnv: false });
    expect(prepared).toMatchObject({ sealed: true, moved: ["secret_salt", "auth_secret"] });
    expect((await settings()).sort()).toEqual(["sealed:auth_secret", "sealed:secret_salt"]);
    const sealedRows = await t
      .db()
      .select()
      .from(instanceSettings)
      .where(inArray(instanceSettings.key, ["sealed:secret_salt", "sealed:auth_secret"]));
    for (const r of sealedRows) {
      expect(r.value).not.toContain(saltBefore);
      expect(r.value).not.toContain(sessionBefore);
    }
    const [event] = await t.db().select().from(auditEvents).where(eq(auditEvents.action, "instance.secrets_sealed"));
    expect(event!.after).toEqual({ secrets: ["secret_salt", "auth_secret"], key: "GATEHOUSE_SECRET_KEY" });
    expect(JSON.stringify(event)).not.toContain(saltBefore);

    // The same values come back, sealed: the same secret is the same finding, sessions stay valid.
    expect(await secretSalt(t.db())).toBe(saltBefore);
    expect(await authSecret(t.db(), env)).toBe(sessionBefore);
    const again = await upload(tok, { service: service.slug, commit: sha("k2") }, leaked);
    expect(again.statistics.created).toBe(0);
    const [still] = await t.db().select().from(findings).where(eq(findings.serviceId, service.id));
    expect(still!.fingerprint).toBe(stored!.fingerprint);
    expect(still!.secretHash).toBe(stored!.secretHash);

    // Starting again with the key changes nothing more.
    expect((await prepareInstanceSecrets(t.db(), { secretKey: KEY, authSecretFromEnv: false })).moved).toEqual([]);
  });

  it("refuses to start with another key, or without one, once the secrets are sealed", async () => {
    await expect(
      prepareInstanceSecrets(t.db(), { secretKey: "another key that is also long enough!!", authSecretFromEnv: false }),
    ).rejects.toThrow(InstanceKeyError);
    await expect(prepareInstanceSecrets(t.db(), { authSecretFromEnv: false })).rejects.toThrow(/GATEHOUSE_SECRET_KEY/);
    await prepareInstanceSecrets(t.db(), { secretKey: KEY, authSecretFromEnv: false });
  });
});

describe("the embedded database's key file", () => {
  afterAll(() => setInstanceKey(undefined));

  it("on the embedded database, makes a 0600 key file in the data directory once and uses it", async () => {
    const dir = path.join(tempDir(), "data");
    const { mkdirSync } = await import("node:fs");
    mkdirSync(dir, { recursive: true });
    // A fresh database (the migrated snapshot): nothing sealed yet.
    const fresh = await openTestDatabase("pglite");
    try {
      const made = await prepareInstanceSecrets(fresh.db, { dataDir: dir, authSecretFromEnv: false });
      expect(made).toMatchObject({ sealed: true, keyFileCreated: true });
      expect(statSync(path.join(dir, KEY_FILE)).mode & 0o777).toBe(0o600);
      const salt = await secretSalt(fresh.db);
      const rows = (await fresh.db.select().from(instanceSettings)).map((r) => r.key);
      expect(rows).toContain("sealed:secret_salt");
      expect(rows).not.toContain("secret_salt");
      expect((await prepareInstanceSecrets(fresh.db, { dataDir: dir, authSecretFromEnv: false })).keyFileCreated).toBe(false);
      expect(await secretSalt(fresh.db)).toBe(salt);
    } finally {
      await fresh.close();
      setInstanceKey(null);
    }
  });
});
