// A gate worker thread (server/workers/gate-workers.ts): loads the TypeScript sources as `npm start` does.
import { register } from "tsx/esm/api";

register();
await import("../server/workers/gate-worker.ts");
