// `npm start`: starts the server, which validates the configuration, opens the database,
// builds the app when there is no current build, and serves.
import path from "node:path";
import { register } from "tsx/esm/api";

process.chdir(path.resolve(import.meta.dirname, ".."));
const dev = process.argv.includes("--dev");
process.env.NODE_ENV ??= dev ? "development" : "production";
process.env.NEXT_TELEMETRY_DISABLED ??= "1";

register();
const { start } = await import("../server/main.ts");
await start({ dev });
