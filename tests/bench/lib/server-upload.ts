// The peak RSS of the real server (node scripts/start.mjs, the production build) while it ingests one large report
// sent over HTTP, raw and gzipped, as a pipeline sends it: what issue 13's "peak server RSS" means. The server runs on
// its own new PostgreSQL database; its RSS is read from /proc every 20 ms.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import postgres from "postgres";
import { adminUrl, dropDatabase, withDatabase } from "@/tests/helpers/postgres";
import { cli, startServer, tempDir } from "@/tests/helpers/server";
import { onInterrupt } from "./child";

export type ServerUpload = {
  how: "raw" | "gzip";
  ms: number;
  sentBytes: number;
  rssBefore: number;
  peakRss: number;
};

const rssOf = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) * 1024;

/** Uploads `file` (a SARIF report) raw, then gzipped, each at a new commit, to a fresh server; resolves with each peak. */
export async function serverUploads(postgresUrl: string, file: string): Promise<ServerUpload[]> {
  const name = `gatehouse_bench_${randomBytes(5).toString("hex")}`;
  const admin = postgres(adminUrl(postgresUrl), { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const drop = () => dropDatabase(postgresUrl, name);
  const unregister = onInterrupt(drop);
  const env = { DATABASE_URL: withDatabase(postgresUrl, name), GATEHOUSE_DATA_DIR: tempDir(), GATEHOUSE_LOG_LEVEL: "warn" };
  const server = await startServer(env, 600_000);
  try {
    const last = async (args: string[]) => {
      const r = await cli(args, env);
      if (r.code !== 0) throw new Error(`gatehouse ${args.join(" ")}: ${r.stderr}`);
      return r.stdout.trim().split("\n").pop()!;
    };
    await last(["team", "create", "bench"]);
    await last(["service", "create", "big", "--team", "bench"]);
    const token = await last(["token", "create", "--team", "bench", "--scopes", "scans:write"]);
    const raw = readFileSync(file);
    const bodies = { raw, gzip: gzipSync(raw) };
    const out: ServerUpload[] = [];
    for (const [i, how] of (["raw", "gzip"] as const).entries()) {
      const pid = server.child.pid!;
      const rssBefore = rssOf(pid);
      let peakRss = rssBefore;
      const timer = setInterval(() => (peakRss = Math.max(peakRss, rssOf(pid))), 20);
      const t0 = performance.now();
      const res = await fetch(`${server.url}/api/v1/scans?service=big&branch=main&commit=${String(i + 1).repeat(40)}`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${token}`,
          "content-type": "application/json",
          ...(how === "gzip" ? { "content-encoding": "gzip" } : {}),
        },
        body: bodies[how],
      });
      await res.arrayBuffer();
      const ms = performance.now() - t0;
      clearInterval(timer);
      peakRss = Math.max(peakRss, rssOf(pid));
      if (res.status !== 201) throw new Error(`upload ${how}: HTTP ${res.status}`);
      out.push({ how, ms, sentBytes: bodies[how].byteLength, rssBefore, peakRss });
    }
    return out;
  } finally {
    await server.stop();
    await drop();
    unregister();
  }
}
