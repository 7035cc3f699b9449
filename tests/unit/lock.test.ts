import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { acquireLock, DataDirLockedError, lockPath, readLock } from "@/db/lock";

const tmp = () => mkdtempSync(path.join(tmpdir(), "gatehouse-lock-"));

describe("data directory lock", () => {
  it("is exclusive, owner-readable only, and released", () => {
    const dir = tmp();
    const lock = acquireLock(dir, { holder: "server" });
    expect(statSync(lockPath(dir)).mode & 0o777).toBe(0o600);
    expect(readLock(dir)).toMatchObject({ pid: process.pid, holder: "server" });
    expect(() => acquireLock(dir, { holder: "cli" })).toThrow(DataDirLockedError);
    lock.update({ adminUrl: "http://127.0.0.1:1", adminToken: "t" });
    expect(JSON.parse(readFileSync(lockPath(dir), "utf8"))).toMatchObject({ adminUrl: "http://127.0.0.1:1" });
    lock.release();
    expect(readLock(dir)).toBeUndefined();
    acquireLock(dir, { holder: "cli" }).release();
  });

  it("says who holds it", () => {
    const dir = tmp();
    const lock = acquireLock(dir, { holder: "server" });
    try {
      acquireLock(dir, { holder: "cli" });
      expect.unreachable();
    } catch (e) {
      expect((e as Error).message).toMatch(/in use by a running Gatehouse server \(pid \d+\)/);
    } finally {
      lock.release();
    }
  });

  it("takes over a lock left by a process that died", () => {
    const dir = tmp();
    const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]).stdout.toString();
    writeFileSync(lockPath(dir), JSON.stringify({ pid: Number(dead), host: hostname(), holder: "server", startedAt: "" }));
    expect(readLock(dir)).toBeUndefined();
    const lock = acquireLock(dir, { holder: "cli" });
    expect(readLock(dir)?.pid).toBe(process.pid);
    lock.release();
  });
});
