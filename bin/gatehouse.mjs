#!/usr/bin/env node
// The operator CLI: `npx gatehouse <command>` or `npm run gatehouse -- <command>`.
import path from "node:path";
import { register } from "tsx/esm/api";

process.chdir(path.resolve(import.meta.dirname, ".."));
register();
await import("../server/cli/main.ts");
