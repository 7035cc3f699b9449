// What GET /gatehouse.mjs serves: the client file as it is, self-contained, with its version and digests.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { assertSelfContained, clientVersion, describeClient } from "@/server/pipeline-client";

const file = readFileSync(path.resolve(import.meta.dirname, "../../bin/gatehouse.mjs"));

describe("the served pipeline client", () => {
  it("describes bin/gatehouse.mjs: its VERSION, hex SHA-256, RFC 9530 repr-digest and a strong ETag", () => {
    const c = describeClient(file);
    const digest = createHash("sha256").update(file).digest();
    expect(c.body).toBe(file);
    expect(c.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(c.version).toBe(clientVersion(file.toString()));
    expect(c.sha256).toBe(digest.toString("hex"));
    expect(c.reprDigest).toBe(`sha-256=:${digest.toString("base64")}:`);
    expect(c.etag).toBe(`"sha256-${c.sha256}"`);
  });

  it("refuses a client that imports anything but Node's built-ins (it would not run on its own in a pipeline)", () => {
    expect(() => assertSelfContained(file.toString())).not.toThrow();
    expect(() => assertSelfContained(`import { x } from "./lib.mjs";\n`)).toThrow(/\.\/lib\.mjs/);
    expect(() => assertSelfContained(`import yaml from "yaml";\nimport fs from "node:fs";\n`)).toThrow(/imports yaml/);
    expect(() => clientVersion("const V = 1;")).toThrow(/no VERSION/);
  });
});
