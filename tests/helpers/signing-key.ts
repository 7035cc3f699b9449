// Integration tests sign decisions as the server does, each test file with its own key in a temporary folder
// (never the developer's .data). The server's start-up does the same with its data directory.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll } from "vitest";
import { configureSigning } from "@/server/attestation/signing-key";

const dir = mkdtempSync(path.join(tmpdir(), "gatehouse-key-"));
configureSigning({ file: path.join(dir, "signing-key.pem"), shared: false });
afterAll(() => rmSync(dir, { recursive: true, force: true }));
