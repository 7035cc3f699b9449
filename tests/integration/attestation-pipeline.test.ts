// Signed decisions end to end, as users run them: the real server and the real client, the README's commands
// executed as written (save at the gate, verify in the deploy step), and a key rotation through the operator
// CLI after which a decision signed before still verifies with the keys fetched from /api/v1/keys.
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sha } from "@/tests/helpers/fixtures";
import { adminUrl, dropDatabase, withDatabase } from "@/tests/helpers/postgres";
import { cli, repoRoot, run, startServer, tempDir, type RunningServer } from "@/tests/helpers/server";

const readmeCommands = (): string => {
  const readme = readFileSync(path.join(repoRoot, "README.md"), "utf8");
  const block = /<!-- signed-decisions:begin[^>]*-->\s*```sh\n([\s\S]*?)```\s*<!-- signed-decisions:end -->/.exec(readme);
  if (!block) throw new Error("README: the signed-decisions commands are missing");
  return block[1]!;
};

/** Runs shell lines with `gatehouse` standing for the client, as the README says. */
const shell = (script: string, cwd: string, env: Record<string, string>) =>
  run(
    "bash",
    ["-euo", "pipefail", "-c", `gatehouse() { node "${repoRoot}/bin/gatehouse.mjs" "$@"; }\ncd "${cwd}"\n${script}`],
    env,
  );

async function lastLine(args: string[], env: Record<string, string>): Promise<string> {
  const r = await cli(args, env);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.trim().split("\n").at(-1)!;
}

/** Clean evidence of each kind the production gate asks for (the pipeline definition's posture too), bound to the image, and a pass at test. */
async function cleanBuild(client: (args: string[]) => ReturnType<typeof run>, commit: string, digest: string, dir: string) {
  for (const kind of ["sast", "sca", "secrets", "posture"]) {
    const f = path.join(dir, `${kind}-${digest.slice(7, 15)}.json`);
    writeFileSync(f, JSON.stringify({ gatehouse: "1", tool: { name: `${kind}-tool` }, evidence: [kind], findings: [] }));
    const up = await client(["scan", "upload", f, "--service", "checkout", "--commit", commit, "--artifact", digest]);
    expect(up.code, up.stderr).toBe(0);
  }
  const test = await client(["gate", "--service", "checkout", "--stage", "test", "--commit", commit, "--artifact", digest]);
  expect(test.code, test.stdout + test.stderr).toBe(0);
}

describe("signed decisions through the real server and client", () => {
  let server: RunningServer;
  let token: string;
  const dataDir = path.join(tempDir(), "data");
  const work = tempDir("gatehouse-deploy-");
  const env = { GATEHOUSE_DATA_DIR: dataDir };
  const commit = sha("signed-pipeline");
  const digest = `sha256:${randomBytes(32).toString("hex")}`;
  const client = (args: string[]) =>
    run(process.execPath, [path.join(repoRoot, "bin/gatehouse.mjs"), ...args], {
      GATEHOUSE_URL: server.url,
      GATEHOUSE_TOKEN: token,
    });
  const pipelineEnv = () => ({ GATEHOUSE_URL: server.url, GATEHOUSE_TOKEN: token, GATEHOUSE_COMMIT: commit, DIGEST: digest });

  beforeAll(async () => {
    server = await startServer(env);
    await lastLine(["team", "create", "shop"], env);
    await lastLine(["service", "create", "checkout", "--team", "shop"], env);
    token = await lastLine(["token", "create", "--team", "shop", "--scopes", "scans:write,gate:evaluate,deployments:write"], env);
    await cleanBuild(client, commit, digest, work);
  }, 300_000);

  afterAll(async () => {
    await server?.stop();
  });

  it("generated the key at first start, in a 0600 file of the data directory", () => {
    expect(statSync(path.join(dataDir, "signing-key.pem")).mode & 0o777).toBe(0o600);
  });

  it("runs the README's commands as written: save at the gate, verify in the deploy step", async () => {
    const r = await shell(readmeCommands(), work, pipelineEnv());
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ALLOW/m);
    expect(r.stdout).toMatch(/attestation saved to vsa\.json/);
    expect(r.stdout).toMatch(/VERIFIED: sha256:.* may enter production/);
    const saved = JSON.parse(readFileSync(path.join(work, "vsa.json"), "utf8")) as { payloadType: string };
    expect(saved.payloadType).toBe("application/vnd.in-toto+json");
  });

  it("saves a block too, and the deploy step refuses it (exit 1, naming the result)", async () => {
    const other = `sha256:${randomBytes(32).toString("hex")}`;
    const gate = await shell(
      `gatehouse gate --service checkout --stage production --artifact "${other}" --attestation blocked.json`,
      work,
      pipelineEnv(),
    );
    expect(gate.code).toBe(1);
    expect(existsSync(path.join(work, "blocked.json"))).toBe(true);
    const v = await shell(
      `gatehouse verify blocked.json --key gatehouse-keys.json --artifact "${other}" --stage production`,
      work,
      pipelineEnv(),
    );
    expect(v.code).toBe(1);
    expect(v.stderr).toMatch(/NOT VERIFIED: result, stage/);
    // The allowed image's attestation is not a pass for another image.
    const swapped = await shell(
      `gatehouse verify vsa.json --key gatehouse-keys.json --artifact "${other}" --stage production`,
      work,
      pipelineEnv(),
    );
    expect(swapped.code).toBe(1);
    expect(swapped.stderr).toMatch(/NOT VERIFIED: subject/);
  });

  it("rotates the key with the operator CLI; the decision signed before still verifies with the keys from /api/v1/keys", async () => {
    const rotated = await cli(["keys", "rotate"], env);
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(rotated.stdout).toMatch(/Rotated the signing key/);
    expect(statSync(path.join(dataDir, "signing-key.pem")).mode & 0o777).toBe(0o600);

    const after = await shell(
      `gatehouse gate --service checkout --stage production --artifact "$DIGEST" --attestation vsa-after.json`,
      work,
      pipelineEnv(),
    );
    expect(after.code, after.stdout + after.stderr).toBe(0);
    const verify = (file: string, keys: string) =>
      shell(
        `gatehouse verify ${file} --key ${keys} --artifact "$DIGEST" --stage production --max-age-hours 24`,
        work,
        pipelineEnv(),
      );
    // The keys fetched before the rotation do not know the new key.
    expect((await verify("vsa-after.json", "gatehouse-keys.json")).code).toBe(1);

    const refreshed = await shell(`curl -sf "$GATEHOUSE_URL/api/v1/keys" > keys-now.json`, work, pipelineEnv());
    expect(refreshed.code).toBe(0);
    const { keys } = JSON.parse(readFileSync(path.join(work, "keys-now.json"), "utf8")) as {
      keys: { status: string; validUntil: string | null }[];
    };
    expect(keys.map((k) => k.status)).toEqual(["retired", "current"]);
    const before = await verify("vsa.json", "keys-now.json");
    expect(before.code, before.stderr).toBe(0);
    expect((await verify("vsa-after.json", "keys-now.json")).code).toBe(0);
    // The PEM form, all keys in one file, works as well.
    expect((await shell(`curl -sf "$GATEHOUSE_URL/api/v1/keys?format=pem" > gatehouse.pub`, work, pipelineEnv())).code).toBe(0);
    expect((await verify("vsa.json", "gatehouse.pub")).code).toBe(0);
    const listed = await cli(["keys", "list"], env);
    expect(listed.stdout.match(/retired|current/g)).toEqual(["retired", "current"]);
  });
});

describe.runIf(process.env.DATABASE_URL)("PostgreSQL: instances without a shared key file", () => {
  const url = process.env.DATABASE_URL!;
  const name = `gatehouse_sign_${randomBytes(4).toString("hex")}`;
  const dbUrl = url ? withDatabase(url, name) : ""; // declared (and skipped) without PostgreSQL too
  const started: RunningServer[] = [];
  afterAll(async () => {
    await Promise.all(started.splice(0).map((s) => s.stop()));
    await dropDatabase(url, name);
  });

  it("each instance signs with its own key, and every instance lists all of them", async () => {
    const admin = postgres(adminUrl(url), { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${name}`);
    await admin.end();
    const dirs = [tempDir(), tempDir()];
    const [a, b] = await Promise.all(dirs.map((d) => startServer({ DATABASE_URL: dbUrl, GATEHOUSE_DATA_DIR: d })));
    started.push(a!, b!);
    const env = { DATABASE_URL: dbUrl };
    await lastLine(["team", "create", "shop"], env);
    await lastLine(["service", "create", "checkout", "--team", "shop"], env);
    const token = await lastLine(["token", "create", "--team", "shop", "--scopes", "scans:write,gate:evaluate"], env);
    const commit = sha("pg-signed");
    const digest = `sha256:${randomBytes(32).toString("hex")}`;
    const work = tempDir("gatehouse-pg-deploy-");
    const via = (s: RunningServer) => (args: string[]) =>
      run(process.execPath, [path.join(repoRoot, "bin/gatehouse.mjs"), ...args], {
        GATEHOUSE_URL: s.url,
        GATEHOUSE_TOKEN: token,
      });
    await cleanBuild(via(b!), commit, digest, work);
    const gate = await via(b!)([
      "gate",
      "--service",
      "checkout",
      "--stage",
      "production",
      "--commit",
      commit,
      "--artifact",
      digest,
      "--attestation",
      path.join(work, "vsa.json"),
    ]);
    expect(gate.code, gate.stdout + gate.stderr).toBe(0);
    const keys = (await (await fetch(`${a!.url}/api/v1/keys`)).json()) as { keys: { status: string; keyId: string }[] };
    expect(keys.keys.filter((k) => k.status === "current")).toHaveLength(2);
    writeFileSync(path.join(work, "keys.json"), JSON.stringify(keys));
    const v = await run(
      process.execPath,
      [
        path.join(repoRoot, "bin/gatehouse.mjs"),
        "verify",
        path.join(work, "vsa.json"),
        "--key",
        path.join(work, "keys.json"),
        "--artifact",
        digest,
        "--stage",
        "production",
      ],
      {},
    );
    expect(v.code, v.stderr).toBe(0);
    for (const d of dirs) expect(statSync(path.join(d, "signing-key.pem")).mode & 0o777).toBe(0o600);
  });
});
